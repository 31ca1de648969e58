import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { ACCESS_LINE_ONLY_PREFIXES, REQUEST_LOGGED_PREFIXES, UNLOGGED_ROUTE } from '../../apps/server/src/logging/logging.module.js';
import { envelope, messagingEvent, metaJson, newPsid, signedRequest } from '../support/messenger.factory.js';
import { testConfig } from '../support/test-config.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface AccessLine {
  msg: string;
  req?: { id?: string };
  http?: { method?: string; path?: string };
}

/** Access lines: one for every request but Meta's webhook deliveries (and health and metrics probes). */
describe('request logging', () => {
  const lines: string[] = [];
  let server: TestApp;

  beforeAll(async () => {
    const config = testConfig({ LOG_LEVEL: 'info' });
    config.logDestination = { write: (line: string) => void lines.push(line) };
    server = await startTestApp({}, config);
  });

  afterAll(async () => {
    await server.close();
  });

  const accessLines = (): AccessLine[] =>
    lines
      .map((line) => JSON.parse(line) as AccessLine)
      .filter((line) => /^request (completed|failed) \d+$/.test(line.msg));

  it('places every controller but the webhook under the request logger or under access lines only, on purpose', () => {
    const paths: string[] = [];
    for (const module of server.app.get(ModulesContainer).values()) {
      for (const controller of module.controllers.values()) {
        const path = Reflect.getMetadata(PATH_METADATA, controller.metatype as object) as string | string[] | undefined;
        paths.push(...(Array.isArray(path) ? path : [path ?? '']));
      }
    }
    expect(paths).toContain(UNLOGGED_ROUTE.slice(1));
    const prefixes = new Set<string>([...REQUEST_LOGGED_PREFIXES, ...ACCESS_LINE_ONLY_PREFIXES]);
    const uncovered = paths.filter((path) => `/${path}` !== UNLOGGED_ROUTE && !prefixes.has(path.replace(/^\//, '').split('/')[0] ?? ''));
    expect(uncovered).toEqual([]);
  });

  it('writes one access line per request, unknown paths included, and none for the webhook', async () => {
    lines.length = 0;
    expect((await server.request('/api/v1/staff/me')).status).toBe(401);
    expect((await server.request('/api/v1/nowhere')).status).toBe(404);
    expect((await server.request('/nowhere/4111111111111111?x=1')).status).toBe(404);
    expect((await server.request('/health')).status).toBe(200);
    expect((await server.request('/webhooks/messenger/elsewhere')).status).toBe(404);
    const pageId = server.config.messenger.pageId;
    const body = metaJson(envelope(pageId, [messagingEvent({ pageId, psid: newPsid(), text: 'hello' })]));
    expect((await server.request('/webhooks/messenger', signedRequest(body, server.config.messenger.appSecrets[0]!))).status).toBe(200);
    const verify = `/webhooks/messenger?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(server.config.messenger.verifyToken)}&hub.challenge=42`;
    expect((await server.request(verify)).status).toBe(200);

    const seen = accessLines().map((line) => [line.http?.method, line.http?.path, line.msg]);
    expect(seen).toEqual([
      ['GET', '/api/v1/staff/me', 'request completed 401'],
      ['GET', '/api/v1/nowhere', 'request completed 404'],
      ['GET', '/nowhere/:number', 'request completed 404'],
      ['GET', '/webhooks/messenger/elsewhere', 'request completed 404'],
    ]);
    for (const line of accessLines()) expect(line.req?.id).toEqual(expect.any(String));
  });

  it('writes a line for a request the client abandons before sending it whole, outside the request logger too', async () => {
    lines.length = 0;
    const { hostname, port } = new URL(server.url);
    // headers and part of a body, then the connection closes
    const abandon = (path: string) =>
      new Promise<void>((resolve, reject) => {
        const socket = connect(Number(port), hostname, () => {
          socket.write(`POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":`);
          setTimeout(() => socket.destroy(), 100);
        });
        socket.on('close', () => resolve());
        socket.on('error', reject);
      });
    await abandon('/simulator/4111111111111111');
    await abandon('/api/v1/triggers');
    const deadline = Date.now() + 2000;
    const aborted = () => lines.map((line) => JSON.parse(line) as AccessLine).filter((line) => line.msg === 'request aborted');
    while (aborted().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(aborted().map((line) => [line.http?.method, line.http?.path]).sort()).toEqual([
      ['POST', '/api/v1/triggers'],
      ['POST', '/simulator/:number'],
    ]);
    // a body the client stopped sending is not a server error
    expect(lines.filter((line) => line.includes('unhandled error'))).toEqual([]);
  });
});
