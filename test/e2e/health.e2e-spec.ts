import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('health, metrics and errors', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp();
  });

  afterAll(async () => {
    await server.close();
  });

  const postJson = (path: string, body: string) =>
    server.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('reports the database as up', async () => {
    const response = await server.request('/health');
    expect(response.status).toBe(200);
    await expect(response.json()).resolves.toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it('serves Prometheus metrics with HTTP duration histograms labelled by route template', async () => {
    await server.request('/health');
    const response = await server.request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const body = await response.text();
    expect(body).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/health"/);
    expect(body).toContain('process_cpu_user_seconds_total');
  });

  it('answers unknown routes with a generic 404 and the request id as correlation id, never echoing the URL', async () => {
    const response = await server.request('/s/eyJhbGciOiJIUzI1NiJ9.secret-token.sig/x?code=OIDCCODE123&card=4111111111111111', { headers: { 'x-request-id': 'req-123' } });
    expect(response.status).toBe(404);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ statusCode: 404, message: 'Not found', correlationId: 'req-123' });
    for (const secret of ['secret-token', 'OIDCCODE123', '4111111111111111', '/s/']) expect(text).not.toContain(secret);
  });

  it('refuses malformed JSON with 400, absurd nesting with 400, bodies over 1 MB with 413, and stays up', async () => {
    const malformed = await postJson('/health', '{"a":');
    expect(malformed.status).toBe(400);
    await expect(malformed.text()).resolves.not.toMatch(/\bat \S+:\d+/);
    const nested = await postJson('/health', '['.repeat(10_000) + ']'.repeat(10_000));
    expect(nested.status).toBe(400);
    const big = await postJson('/health', JSON.stringify({ a: 'x'.repeat(1_100_000) }));
    expect(big.status).toBe(413);
    const after = await server.request('/health');
    expect(after.status).toBe(200);
  });

  it('sends security headers', async () => {
    const response = await server.request('/health');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('publishes the OpenAPI description', async () => {
    const response = await server.request('/api/docs-json');
    expect(response.status).toBe(200);
    await expect(response.json()).resolves.toMatchObject({ openapi: expect.stringMatching(/^3\./) });
  });
});
