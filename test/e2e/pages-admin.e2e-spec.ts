import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { PagesService } from '../../apps/server/src/pages/pages.service.js';
import { dumpAllTables } from '../support/database-scan.js';
import { signInAs, type SignedInStaff } from '../support/staff.factory.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('Pages admin API', () => {
  let server: TestApp;
  let admin: SignedInStaff;
  let agent: SignedInStaff;

  const call = (path: string, method: string, as: SignedInStaff, body?: unknown) =>
    server.request(path, { method, headers: body === undefined ? { authorization: as.headers.authorization! } : as.headers, body: body === undefined ? undefined : JSON.stringify(body) });

  beforeAll(async () => {
    server = await startTestApp();
    [admin, agent] = await Promise.all([signInAs(server, 'admin'), signInAs(server, 'agent')]);
  });

  afterAll(async () => {
    await server.close();
  });

  it('adds a Page, rotates its token, disables it; tokens never come back and every change is audited', async () => {
    const pageId = String(300_000_000_000 + Math.floor(Math.random() * 1e9));
    const firstToken = `EAAB${randomBytes(24).toString('hex')}`;
    const secondToken = `EAAB${randomBytes(24).toString('hex')}`;

    expect((await call('/api/v1/pages', 'POST', agent, { pageId, name: 'Bank', accessToken: firstToken })).status).toBe(403);
    const added = await call('/api/v1/pages', 'POST', admin, { pageId, name: 'Bank', accessToken: firstToken });
    expect(added.status).toBe(201);
    const addedText = await added.text();
    expect(addedText).not.toContain(firstToken);
    expect(JSON.parse(addedText)).toMatchObject({ pageId, name: 'Bank', enabled: true });
    expect((await call('/api/v1/pages', 'POST', admin, { pageId, name: 'Again', accessToken: firstToken })).status).toBe(409);

    const rotated = await call(`/api/v1/pages/${pageId}/access-token`, 'POST', admin, { accessToken: secondToken });
    expect(rotated.status).toBe(200);
    await expect(server.app.get(PagesService).credentials(pageId)).resolves.toMatchObject({ accessToken: secondToken });

    const disabled = await call(`/api/v1/pages/${pageId}/disable`, 'POST', admin);
    await expect(disabled.json()).resolves.toMatchObject({ enabled: false });
    await expect(server.app.get(PagesService).findEnabled(pageId)).resolves.toBeNull();

    const listed = await call('/api/v1/pages', 'GET', admin);
    const listText = await listed.text();
    expect(listText).toContain(pageId);
    expect(listText).not.toContain(secondToken);

    const actions = (await server.app.get(DataSource).query(`SELECT action FROM audit_events WHERE resource_type = 'page' AND resource_id = $1 ORDER BY seq`, [pageId])) as {
      action: string;
    }[];
    expect(actions.map((a) => a.action)).toEqual(['page.added', 'page.access_token_rotated', 'page.disabled']);
    const dump = await dumpAllTables(server.app.get(DataSource));
    expect(dump).not.toContain(firstToken);
    expect(dump).not.toContain(secondToken);
  });

  it('validates bodies and ids', async () => {
    expect((await call('/api/v1/pages', 'POST', admin, { pageId: 'abc', name: '', accessToken: 'x' })).status).toBe(400);
    expect((await call('/api/v1/pages/not-a-page', 'GET', admin)).status).toBe(404);
  });
});
