import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { ACCOUNT_MAX_FAILURES, ADDRESS_MAX_FAILURES } from '../../apps/server/src/identity/auth.service.js';
import { createStaff, signInAs, type SignedInStaff } from '../support/staff.factory.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testConfig } from '../support/test-config.js';

const json = { 'content-type': 'application/json' };

describe('staff accounts, sign-in and roles', () => {
  let server: TestApp;
  let admin: SignedInStaff;
  let supervisor: SignedInStaff;
  let agent: SignedInStaff;

  const login = (email: string, password: string, target: TestApp = server) =>
    target.request('/api/v1/auth/login', { method: 'POST', headers: json, body: JSON.stringify({ email, password }) });
  const auditOf = async (action: string, resourceId: string) =>
    (await server.app.get(DataSource).query(`SELECT outcome, details, actor_id FROM audit_events WHERE action = $1 AND resource_id = $2 ORDER BY seq`, [
      action,
      resourceId,
    ])) as { outcome: string; details: Record<string, unknown>; actor_id: string | null }[];

  beforeAll(async () => {
    server = await startTestApp();
    [admin, supervisor, agent] = await Promise.all([signInAs(server, 'admin'), signInAs(server, 'supervisor'), signInAs(server, 'agent')]);
  });

  afterAll(async () => {
    await server.close();
  });

  describe('login', () => {
    it('returns an access token (JWT, audience staff) and a refresh token, and audits the success', async () => {
      const staff = await createStaff(server, 'agent');
      const response = await login(staff.email.toUpperCase(), staff.password);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { accessToken: string; refreshToken: string; expiresIn: number; staff: { id: string; role: string } };
      expect(body.staff).toMatchObject({ id: staff.id, role: 'agent' });
      expect(body.expiresIn).toBeLessThanOrEqual(900);
      const payload = JSON.parse(Buffer.from(body.accessToken.split('.')[1]!, 'base64url').toString()) as { aud: string; sub: string };
      expect(payload).toMatchObject({ aud: 'staff', sub: staff.id });
      const me = await server.request('/api/v1/auth/me', { headers: { authorization: `Bearer ${body.accessToken}` } });
      await expect(me.json()).resolves.toMatchObject({ id: staff.id, role: 'agent' });
      await expect(auditOf('auth.login', staff.id)).resolves.toEqual([expect.objectContaining({ outcome: 'success', actor_id: staff.id })]);
    });

    it('answers a wrong password and an unknown e-mail alike, and audits the failure without the password', async () => {
      const staff = await createStaff(server, 'agent');
      const wrong = await login(staff.email, 'wrong-password-123');
      const unknown = await login(`nobody-${randomUUID()}@test.example`, 'wrong-password-123');
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      const [a, b] = (await Promise.all([wrong.json(), unknown.json()])) as { message: string }[];
      expect(a!.message).toBe(b!.message);
      await expect(auditOf('auth.login', staff.id)).resolves.toEqual([expect.objectContaining({ outcome: 'failure', details: { reason: 'wrong_password' } })]);
      const dump = (await server.app.get(DataSource).query(`SELECT count(*)::int AS n FROM audit_events WHERE details::text LIKE '%wrong-password-123%'`)) as { n: number }[];
      expect(dump[0]!.n).toBe(0);
    });

    it(`locks an account after ${ACCOUNT_MAX_FAILURES} failures, even for the right password, until an admin resets it`, async () => {
      const staff = await createStaff(server, 'agent');
      for (let i = 0; i < ACCOUNT_MAX_FAILURES; i++) expect((await login(staff.email, `wrong-${i}-password`)).status).toBe(401);
      const locked = await login(staff.email, staff.password);
      expect(locked.status).toBe(429);
      await expect(auditOf('auth.locked', staff.id)).resolves.toHaveLength(1);
      await expect(auditOf('auth.login', staff.id)).resolves.toContainEqual(expect.objectContaining({ outcome: 'failure', details: { reason: 'locked' } }));

      const reset = await server.request(`/api/v1/staff/${staff.id}/reset-password`, { method: 'POST', headers: admin.headers, body: JSON.stringify({ password: 'a-brand-new-password' }) });
      expect(reset.status).toBe(200);
      expect((await login(staff.email, staff.password)).status).toBe(401);
      expect((await login(staff.email, 'a-brand-new-password')).status).toBe(200);
    });

    it('does not let concurrent guesses slip past the lockout', async () => {
      // An instance of its own: these attempts count against the address too.
      const other = await startTestApp();
      try {
        const staff = await createStaff(other, 'agent');
        const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => login(staff.email, `parallel-guess-${i}`, other)));
        const checked = answers.filter((r) => r.status === 401).length;
        expect(checked).toBeGreaterThanOrEqual(1);
        expect(checked).toBeLessThanOrEqual(ACCOUNT_MAX_FAILURES);
        expect(answers.every((r) => r.status === 401 || r.status === 429)).toBe(true);
      } finally {
        await other.close();
      }
    });

    it('unlocks by itself once the lock expires', async () => {
      const staff = await createStaff(server, 'agent');
      for (let i = 0; i < ACCOUNT_MAX_FAILURES; i++) await login(staff.email, `wrong-${i}-password`);
      expect((await login(staff.email, staff.password)).status).toBe(429);
      await server.app.get(DataSource).query(`UPDATE staff_accounts SET locked_until = now() - interval '1 second' WHERE id = $1`, [staff.id]);
      expect((await login(staff.email, staff.password)).status).toBe(200);
    });

    it(`limits failures per client address (${ADDRESS_MAX_FAILURES}), whatever the account`, async () => {
      // An instance of its own (own Redis key prefix when REDIS_URL is set): the address's failures
      // must not lock the other tests of this file out.
      const other = await startTestApp();
      try {
        const staff = await createStaff(other, 'agent');
        for (let i = 0; i < ADDRESS_MAX_FAILURES; i++) {
          const response = await login(`someone-${i}-${randomUUID()}@test.example`, 'wrong-password-123', other);
          expect(response.status).toBe(401);
        }
        expect((await login(staff.email, staff.password, other)).status).toBe(429);
      } finally {
        await other.close();
      }
    });

    it('validates the body', async () => {
      const response = await server.request('/api/v1/auth/login', { method: 'POST', headers: json, body: JSON.stringify({ email: 'a@b.c' }) });
      expect(response.status).toBe(400);
    });
  });

  describe('refresh and logout', () => {
    it('rotates the refresh token; reusing an old one revokes the session', async () => {
      const staff = await signInAs(server, 'agent');
      const refresh = (token: string) => server.request('/api/v1/auth/refresh', { method: 'POST', headers: json, body: JSON.stringify({ refreshToken: token }) });
      const first = await refresh(staff.refreshToken);
      expect(first.status).toBe(200);
      const next = (await first.json()) as { accessToken: string; refreshToken: string };
      expect(next.refreshToken).not.toBe(staff.refreshToken);
      const me = await server.request('/api/v1/auth/me', { headers: { authorization: `Bearer ${next.accessToken}` } });
      expect(me.status).toBe(200);

      expect((await refresh(staff.refreshToken)).status).toBe(401);
      // The copy was used: the whole session is gone, the newest tokens included.
      expect((await refresh(next.refreshToken)).status).toBe(401);
      expect((await server.request('/api/v1/auth/me', { headers: { authorization: `Bearer ${next.accessToken}` } })).status).toBe(401);
    });

    it('logout revokes the access and the refresh token', async () => {
      const staff = await signInAs(server, 'supervisor');
      const out = await server.request('/api/v1/auth/logout', { method: 'POST', headers: { authorization: `Bearer ${staff.accessToken}` } });
      expect(out.status).toBe(204);
      expect((await server.request('/api/v1/auth/me', { headers: { authorization: `Bearer ${staff.accessToken}` } })).status).toBe(401);
      const refreshed = await server.request('/api/v1/auth/refresh', { method: 'POST', headers: json, body: JSON.stringify({ refreshToken: staff.refreshToken }) });
      expect(refreshed.status).toBe(401);
      await expect(auditOf('auth.logout', (JSON.parse(Buffer.from(staff.accessToken.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid)).resolves.toHaveLength(1);
    });

    it('refuses forged, unsigned and foreign tokens', async () => {
      const [header, payload] = agent.accessToken.split('.');
      const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
      const adminPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'admin' })).toString('base64url');
      const tampered = `${header}.${adminPayload}.${agent.accessToken.split('.')[2]}`;
      for (const token of [none, tampered, 'garbage', agent.accessToken + 'x']) {
        const response = await server.request('/api/v1/auth/me', { headers: { authorization: `Bearer ${token}` } });
        expect(response.status).toBe(401);
      }
      // A token of another deployment (another DATA_ENCRYPTION_KEY) is worthless here.
      const foreign = await startTestApp();
      try {
        const response = await foreign.request('/api/v1/auth/me', { headers: { authorization: `Bearer ${agent.accessToken}` } });
        expect(response.status).toBe(401);
      } finally {
        await foreign.close();
      }
    });
  });

  describe('roles', () => {
    /** Every route of the identity, audit and triggers modules, with the roles it admits. */
    const ROUTES: { method: string; path: string; roles: string[] }[] = [
      { method: 'GET', path: '/api/v1/auth/me', roles: ['admin', 'supervisor', 'agent'] },
      { method: 'GET', path: '/api/v1/staff', roles: ['admin', 'supervisor'] },
      { method: 'GET', path: '/api/v1/staff/:id', roles: ['admin', 'supervisor'] },
      { method: 'POST', path: '/api/v1/staff', roles: ['admin'] },
      { method: 'PATCH', path: '/api/v1/staff/:id', roles: ['admin'] },
      { method: 'POST', path: '/api/v1/staff/:id/disable', roles: ['admin'] },
      { method: 'POST', path: '/api/v1/staff/:id/reset-password', roles: ['admin'] },
      { method: 'GET', path: '/api/v1/audit', roles: ['admin'] },
      { method: 'GET', path: '/api/v1/audit/verify', roles: ['admin'] },
      { method: 'GET', path: '/api/v1/triggers', roles: ['admin', 'supervisor'] },
      { method: 'POST', path: '/api/v1/triggers', roles: ['admin'] },
      { method: 'POST', path: '/api/v1/triggers/evaluate', roles: ['admin', 'supervisor'] },
      { method: 'GET', path: '/api/v1/triggers/:id', roles: ['admin', 'supervisor'] },
      { method: 'PATCH', path: '/api/v1/triggers/:id', roles: ['admin'] },
      { method: 'DELETE', path: '/api/v1/triggers/:id', roles: ['admin'] },
      { method: 'GET', path: '/api/v1/triggers/:id/versions', roles: ['admin', 'supervisor'] },
      { method: 'GET', path: '/api/v1/triggers/:id/versions/:version', roles: ['admin', 'supervisor'] },
      { method: 'POST', path: '/api/v1/triggers/:id/versions/:version/restore', roles: ['admin'] },
      { method: 'GET', path: '/api/v1/pages', roles: ['admin', 'supervisor'] },
      { method: 'GET', path: '/api/v1/pages/:pageId', roles: ['admin', 'supervisor'] },
      { method: 'POST', path: '/api/v1/pages', roles: ['admin'] },
      { method: 'PATCH', path: '/api/v1/pages/:pageId', roles: ['admin'] },
      { method: 'POST', path: '/api/v1/pages/:pageId/access-token', roles: ['admin'] },
      { method: 'POST', path: '/api/v1/pages/:pageId/disable', roles: ['admin'] },
    ];
    const PUBLIC = new Set(['POST /api/v1/auth/login', 'POST /api/v1/auth/refresh']);

    it('refuses every /api/v1 route of the OpenAPI description without a token, except login and refresh', async () => {
      const doc = (await (await server.request('/api/docs-json')).json()) as { paths: Record<string, Record<string, unknown>> };
      const routes = Object.entries(doc.paths)
        .filter(([path]) => path.startsWith('/api/v1/'))
        .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })));
      expect(routes.length).toBeGreaterThanOrEqual(ROUTES.length);
      for (const route of routes) {
        const key = `${route.method} ${route.path}`;
        if (PUBLIC.has(key)) continue;
        const url = route.path.replace(/\{[^}]+\}/g, (name) => (name === '{version}' ? '1' : randomUUID()));
        const response = await server.request(url, { method: route.method, headers: json, body: route.method === 'GET' ? undefined : '{}' });
        expect({ key, status: response.status }).toEqual({ key, status: 401 });
      }
    });

    it('admits exactly the declared roles on each route (others get 403)', async () => {
      const byRole = { admin, supervisor, agent };
      for (const route of ROUTES) {
        for (const role of ['admin', 'supervisor', 'agent'] as const) {
          const url = route.path.replace(':id', randomUUID()).replace(':version', '1').replace(':pageId', '999');
          const response = await server.request(url, { method: route.method, headers: byRole[role].headers, body: route.method === 'GET' ? undefined : '{}' });
          const label = `${role} ${route.method} ${route.path}`;
          if (route.roles.includes(role)) expect({ label, forbidden: [401, 403].includes(response.status) }).toEqual({ label, forbidden: false });
          else expect({ label, status: response.status }).toEqual({ label, status: 403 });
        }
      }
    });
  });

  describe('staff administration', () => {
    it('creates, updates, disables and resets, each an audit event with before and after', async () => {
      const email = `new-${randomBytes(4).toString('hex')}@test.example`;
      const created = await server.request('/api/v1/staff', {
        method: 'POST',
        headers: admin.headers,
        body: JSON.stringify({ email, displayName: 'New Agent', role: 'agent', skills: ['cards'], maxConcurrentChats: 4 }),
      });
      expect(created.status).toBe(201);
      const account = (await created.json()) as { id: string; temporaryPassword: string; role: string; skills: string[] };
      expect(account).toMatchObject({ role: 'agent', skills: ['cards'] });
      expect(account.temporaryPassword.length).toBeGreaterThanOrEqual(20);
      expect((await login(email, account.temporaryPassword)).status).toBe(200);

      const duplicate = await server.request('/api/v1/staff', { method: 'POST', headers: admin.headers, body: JSON.stringify({ email: email.toUpperCase(), displayName: 'X', role: 'agent' }) });
      expect(duplicate.status).toBe(409);

      const updated = await server.request(`/api/v1/staff/${account.id}`, { method: 'PATCH', headers: admin.headers, body: JSON.stringify({ role: 'supervisor', maxConcurrentChats: 6 }) });
      expect(updated.status).toBe(200);
      await expect(updated.json()).resolves.toMatchObject({ role: 'supervisor', maxConcurrentChats: 6 });
      const [update] = (await server.app.get(DataSource).query(`SELECT actor_id, before, after FROM audit_events WHERE action = 'staff.updated' AND resource_id = $1`, [
        account.id,
      ])) as { actor_id: string; before: { role: string }; after: { role: string } }[];
      expect(update).toMatchObject({ actor_id: admin.id, before: { role: 'agent' }, after: { role: 'supervisor' } });

      const session = await signInWith(email, account.temporaryPassword);
      const disabled = await server.request(`/api/v1/staff/${account.id}/disable`, { method: 'POST', headers: { authorization: admin.headers.authorization! } });
      expect(disabled.status).toBe(200);
      await expect(disabled.json()).resolves.toMatchObject({ enabled: false });
      expect((await server.request('/api/v1/auth/me', { headers: { authorization: `Bearer ${session}` } })).status).toBe(401);
      expect((await login(email, account.temporaryPassword)).status).toBe(401);
      await expect(auditOf('staff.disabled', account.id)).resolves.toHaveLength(1);
      await expect(auditOf('staff.created', account.id)).resolves.toHaveLength(1);
    });

    it('rejects invalid bodies with a message per field', async () => {
      const response = await server.request('/api/v1/staff', {
        method: 'POST',
        headers: admin.headers,
        body: JSON.stringify({ email: 'not-an-email', displayName: '', role: 'root', password: 'short', extra: 1 }),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { message: string[] };
      for (const field of ['email', 'displayName', 'role', 'password', 'extra']) expect(body.message.some((m) => m.includes(field))).toBe(true);
    });

    async function signInWith(email: string, password: string): Promise<string> {
      const response = await login(email, password);
      return ((await response.json()) as { accessToken: string }).accessToken;
    }
  });
});

describe('bootstrap admin', () => {
  it('is created once, from BOOTSTRAP_ADMIN_*, when no staff exists', async () => {
    const base = new URL(process.env.TEST_DATABASE_URL!);
    const name = `handoff_bootstrap_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base.toString() });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    const url = new URL(base.toString());
    url.pathname = `/${name}`;
    try {
      const first = await startTestApp({ DATABASE_URL: url.toString(), BOOTSTRAP_ADMIN_EMAIL: 'first@bank.example', BOOTSTRAP_ADMIN_PASSWORD: 'first-admin-password' });
      try {
        const response = await first.request('/api/v1/auth/login', { method: 'POST', headers: json, body: JSON.stringify({ email: 'first@bank.example', password: 'first-admin-password' }) });
        expect(response.status).toBe(200);
        await expect(response.json()).resolves.toMatchObject({ staff: { role: 'admin' } });
      } finally {
        await first.close();
      }
      const second = await startTestApp({}, { ...testConfig({ DATABASE_URL: url.toString(), BOOTSTRAP_ADMIN_EMAIL: 'second@bank.example', BOOTSTRAP_ADMIN_PASSWORD: 'second-admin-password' }) });
      try {
        const rows = (await second.app.get(DataSource).query(`SELECT email FROM staff_accounts`)) as { email: string }[];
        expect(rows).toEqual([{ email: 'first@bank.example' }]);
      } finally {
        await second.close();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    }
  });
});
