import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { firstValueFrom, filter, timeout } from 'rxjs';
import type { DataSource } from 'typeorm';
import { Clock } from '../../apps/server/src/handoff/clock.js';
import { SESSION_ABSOLUTE_SECONDS, SESSION_IDLE_SECONDS } from '../../apps/server/src/handoff/customer-session.service.js';
import { HandoffEvents } from '../../apps/server/src/handoff/handoff.events.js';
import { CLOSING_TEXT } from '../../apps/server/src/handoff/handoff.service.js';
import { StaffService } from '../../apps/server/src/identity/staff.service.js';
import type { StaffRole } from '../../apps/server/src/identity/staff-role.js';
import { cookiePair, dataSourceOf, offerHandoff, type Offered } from '../support/handoff.factory.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('handoffs for staff: revocation, closing, reads', () => {
  let server: TestApp;
  let db: DataSource;
  let clock: Clock;
  let origin: string;
  const tokens: Partial<Record<StaffRole, string>> = {};

  const signIn = async (role: StaffRole): Promise<string> => {
    const email = `${role}-${randomBytes(4).toString('hex')}@handoff.test`;
    const password = randomBytes(12).toString('base64url');
    await server.app.get(StaffService).create({ email, displayName: `Test ${role}`, role, password }, { staffId: null, origin: 'test' });
    const response = await server.request('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    expect(response.status).toBe(200);
    return ((await response.json()) as { accessToken: string }).accessToken;
  };

  beforeAll(async () => {
    server = await startTestApp();
    db = dataSourceOf(server);
    clock = server.app.get(Clock);
    origin = new URL(server.config.publicBaseUrl).origin;
    tokens.admin = await signIn('admin');
    tokens.supervisor = await signIn('supervisor');
    tokens.agent = await signIn('agent');
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  afterAll(async () => {
    await server.close();
  });

  const api = (path: string, role: StaffRole | null, init: RequestInit = {}) =>
    server.request(path, {
      ...init,
      headers: { 'content-type': 'application/json', ...(role ? { authorization: `Bearer ${tokens[role]}` } : {}), ...(init.headers as Record<string, string> | undefined) },
    });
  const redeemed = async (action: Parameters<typeof offerHandoff>[1] = {}): Promise<Offered & { cookie: string }> => {
    const offered = await offerHandoff(server, action);
    const response = await server.request(`/s/${offered.token}`, { method: 'POST', redirect: 'manual', headers: { origin } });
    expect(response.status).toBe(303);
    return { ...offered, cookie: cookiePair(response)! };
  };
  const sessionStatus = async (cookie: string) => (await server.request('/api/v1/customer/session', { headers: { cookie } })).status;

  it('lets an admin or supervisor revoke: the cookie stops working at once, the link is gone, an event is emitted and audited', async () => {
    const handoff = await redeemed();
    await expect(sessionStatus(handoff.cookie)).resolves.toBe(200);
    const emitted = firstValueFrom(server.app.get(HandoffEvents).revoked$.pipe(filter((id) => id === handoff.handoffId), timeout(5000)));

    const response = await api(`/api/v1/handoffs/${handoff.handoffId}/revoke`, 'supervisor', { method: 'POST', body: JSON.stringify({ reason: 'customer called the bank, card 4111 1111 1111 1111' }) });
    expect(response.status).toBe(200);
    await expect(response.json()).resolves.toMatchObject({ id: handoff.handoffId, state: 'revoked', revokedReason: 'customer called the bank, card [CARD ****1111]' });
    await expect(emitted).resolves.toBe(handoff.handoffId);
    await expect(sessionStatus(handoff.cookie)).resolves.toBe(401);
    expect((await server.request(`/s/${handoff.token}`)).status).toBe(410);

    const audit = (await db.query(`SELECT actor_type, actor_id, origin, details FROM audit_events WHERE resource_id = $1 AND action = 'handoff.revoked'`, [
      handoff.handoffId,
    ])) as { actor_type: string; actor_id: string; origin: string; details: { reason: string } }[];
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_type: 'staff', origin: '127.0.0.1', details: { reason: 'customer called the bank, card [CARD ****1111]' } });
    expect(audit[0]!.actor_id).toMatch(/^[0-9a-f-]{36}$/);

    const again = await api(`/api/v1/handoffs/${handoff.handoffId}/revoke`, 'admin', { method: 'POST', body: '{}' });
    expect(again.status).toBe(409);
  });

  it('revokes a live offer too: its link stops working', async () => {
    const offered = await offerHandoff(server);
    expect((await api(`/api/v1/handoffs/${offered.handoffId}/revoke`, 'admin', { method: 'POST', body: '{}' })).status).toBe(200);
    const landing = await server.request(`/s/${offered.token}`, { method: 'POST', redirect: 'manual', headers: { origin } });
    expect(landing.status).toBe(410);
    const conversation = (await db.query(`SELECT state FROM conversations WHERE id = $1`, [offered.conversationId])) as { state: string }[];
    expect(conversation[0]!.state).toBe('open');
  });

  it('refuses revocation to agents and to callers without a token; 404 for an unknown handoff', async () => {
    const offered = await offerHandoff(server);
    expect((await api(`/api/v1/handoffs/${offered.handoffId}/revoke`, 'agent', { method: 'POST', body: '{}' })).status).toBe(403);
    expect((await api(`/api/v1/handoffs/${offered.handoffId}/revoke`, null, { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await api(`/api/v1/handoffs/00000000-0000-4000-8000-000000000000/revoke`, 'admin', { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await api(`/api/v1/handoffs/not-a-uuid/revoke`, 'admin', { method: 'POST', body: '{}' })).status).toBe(400);
    const rows = (await db.query(`SELECT state FROM handoffs WHERE id = $1`, [offered.handoffId])) as { state: string }[];
    expect(rows[0]!.state).toBe('offered');
  });

  it('closes a secure conversation: the thread is taken back with a closing message carrying no content', async () => {
    const handoff = await redeemed({ passThreadControl: true });
    const closedEvent = firstValueFrom(server.app.get(HandoffEvents).closed$.pipe(filter((id) => id === handoff.handoffId), timeout(5000)));
    const response = await api(`/api/v1/handoffs/${handoff.handoffId}/close`, 'agent', { method: 'POST', body: '{}' });
    expect(response.status).toBe(200);
    await expect(closedEvent).resolves.toBe(handoff.handoffId);
    await expect(sessionStatus(handoff.cookie)).resolves.toBe(401);
    const outbox = (await db.query(`SELECT kind, body FROM outbox_messages WHERE conversation_id = $1 ORDER BY created_at, id`, [handoff.conversationId])) as {
      kind: string;
      body: { message?: { text?: string } };
    }[];
    expect(outbox.map((o) => o.kind)).toEqual(['message', 'pass_thread_control', 'take_thread_control', 'message']);
    expect(outbox[3]!.body.message?.text).toBe(CLOSING_TEXT);
    expect((await api(`/api/v1/handoffs/${handoff.handoffId}/close`, 'agent', { method: 'POST', body: '{}' })).status).toBe(409);
  });

  it('lists handoffs by state, shows one without any token, and counts the funnel', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const offered = await offerHandoff(server);
    const done = await redeemed();
    const list = await api(`/api/v1/handoffs?state=redeemed&limit=100`, 'agent');
    expect(list.status).toBe(200);
    const body = (await list.json()) as { items: { id: string; state: string }[] };
    expect(body.items.every((h) => h.state === 'redeemed')).toBe(true);
    expect(body.items.map((h) => h.id)).toContain(done.handoffId);

    const one = await api(`/api/v1/handoffs/${offered.handoffId}`, 'agent');
    expect(one.status).toBe(200);
    const text = await one.text();
    expect(text).not.toContain(offered.token.split('.')[2]!);
    expect(JSON.parse(text)).toMatchObject({ id: offered.handoffId, state: 'offered', queue: 'cards', verification: { verified: false } });

    const funnel = await api(`/api/v1/handoffs/funnel?since=${encodeURIComponent(since)}`, 'admin');
    expect(funnel.status).toBe(200);
    const counts = (await funnel.json()) as { reached: { offered: number; redeemed: number }; byState: Record<string, number> };
    expect(counts.reached.offered).toBeGreaterThanOrEqual(2);
    expect(counts.reached.redeemed).toBeGreaterThanOrEqual(1);
    expect(counts.byState['offered']).toBeGreaterThanOrEqual(1);
    expect((await api(`/api/v1/handoffs/funnel`, 'agent')).status).toBe(403);
    expect((await api(`/api/v1/handoffs?state=bogus`, 'admin')).status).toBe(400);
  });

  it('ends customer sessions after idle and absolute timeouts (moved clock)', async () => {
    const idle = await redeemed();
    jest.spyOn(clock, 'now').mockReturnValue(new Date(Date.now() + (SESSION_IDLE_SECONDS - 60) * 1000));
    await expect(sessionStatus(idle.cookie)).resolves.toBe(200);
    jest.spyOn(clock, 'now').mockReturnValue(new Date(Date.now() + (2 * SESSION_IDLE_SECONDS + 60) * 1000));
    await expect(sessionStatus(idle.cookie)).resolves.toBe(401);
    jest.restoreAllMocks();

    const busy = await redeemed();
    // Active every 20 minutes: idle never reached, but the absolute limit is.
    for (let minutes = 20; minutes * 60 < SESSION_ABSOLUTE_SECONDS; minutes += 20) {
      jest.spyOn(clock, 'now').mockReturnValue(new Date(Date.now() + minutes * 60_000));
      await expect(sessionStatus(busy.cookie)).resolves.toBe(200);
    }
    jest.spyOn(clock, 'now').mockReturnValue(new Date(Date.now() + SESSION_ABSOLUTE_SECONDS * 1000 + 60_000));
    await expect(sessionStatus(busy.cookie)).resolves.toBe(401);
  });
});
