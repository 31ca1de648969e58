import { createHash, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { LinkTokenService, parseKeyring } from '@handoff/link-tokens';
import type { DataSource } from 'typeorm';
import { Clock } from '../../apps/server/src/handoff/clock.js';
import { CUSTOMER_SESSION_COOKIE } from '../../apps/server/src/handoff/customer-session.service.js';
import { dumpAllTables } from '../support/database-scan.js';
import { cookiePair, dataSourceOf, offerHandoff } from '../support/handoff.factory.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const key = () => randomBytes(32).toString('base64url');

describe('secure link /s/:token', () => {
  let server: TestApp;
  let db: DataSource;
  let clock: Clock;
  let origin: string;

  beforeAll(async () => {
    // Many deliberate failures below come from one address: the limit has its own test.
    server = await startTestApp({ LINK_FAILURE_LIMIT: '100000' });
    db = dataSourceOf(server);
    clock = server.app.get(Clock);
    origin = new URL(server.config.publicBaseUrl).origin;
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  afterAll(async () => {
    await server.close();
  });

  const land = (token: string, init: RequestInit = {}) => server.request(`/s/${token}`, { redirect: 'manual', ...init });
  const redeem = (token: string, headers: Record<string, string> = { origin }, target: TestApp = server) =>
    target.request(`/s/${token}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: '' });
  const stateOf = async (handoffId: string) => ((await db.query(`SELECT state FROM handoffs WHERE id = $1`, [handoffId])) as { state: string }[])[0]?.state;
  const audited = async (handoffId: string, action: string) =>
    ((await db.query(`SELECT count(*)::int AS n FROM audit_events WHERE resource_id = $1 AND action = $2`, [handoffId, action])) as { n: number }[])[0]!.n;
  const moveClock = (ms: number) => jest.spyOn(clock, 'now').mockReturnValue(new Date(Date.now() + ms));
  /** The failure page without its per-response style nonce. */
  const pageText = async (response: Response) => (await response.text()).replace(/nonce="[^"]+"/g, 'nonce=""');

  describe('landing page (GET, HEAD)', () => {
    it('names the bank, offers one button posting to the same URL, and sends strict headers', async () => {
      const offered = await offerHandoff(server);
      const response = await land(offered.token);
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toContain(`Page ${server.config.messenger.pageId}`);
      expect(html).toContain('Continue to secure chat');
      expect(html).toMatch(/<form method="post">/);
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toContain(offered.token);
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('x-robots-tag')).toContain('noindex');
      expect(response.headers.get('content-type')).toContain('text/html');
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("form-action 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toMatch(/style-src 'nonce-[A-Za-z0-9+/=]+'/);
    });

    it('records opened once however often it is fetched, and consumes nothing (preview crawlers, prefetch)', async () => {
      const offered = await offerHandoff(server);
      for (let i = 0; i < 5; i++) {
        const response = await land(offered.token, { headers: { 'user-agent': 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)' } });
        expect(response.status).toBe(200);
      }
      await expect(stateOf(offered.handoffId)).resolves.toBe('opened');
      await expect(audited(offered.handoffId, 'handoff.opened')).resolves.toBe(1);
      const redeemed = await redeem(offered.token);
      expect(redeemed.status).toBe(303);
    });

    it('answers HEAD without a body and records nothing', async () => {
      const offered = await offerHandoff(server);
      const response = await land(offered.token, { method: 'HEAD' });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      await expect(response.text()).resolves.toBe('');
      await expect(stateOf(offered.handoffId)).resolves.toBe('offered');
      await expect(audited(offered.handoffId, 'handoff.opened')).resolves.toBe(0);
      expect((await redeem(offered.token)).status).toBe(303);
    });
  });

  describe('redemption (POST)', () => {
    it('exchanges the link for a __Host- session cookie (opaque, stored hashed) and redirects 303 to /chat', async () => {
      const offered = await offerHandoff(server);
      const response = await redeem(offered.token);
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/chat');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('cache-control')).toBe('no-store');
      const setCookie = response.headers.get('set-cookie') ?? '';
      const match = new RegExp(`^${CUSTOMER_SESSION_COOKIE}=([A-Za-z0-9_-]{43}); Path=/; Max-Age=\\d+; Secure; HttpOnly; SameSite=Strict$`).exec(setCookie);
      expect(match).not.toBeNull();
      const value = match![1]!;
      expect(Buffer.from(value, 'base64url')).toHaveLength(32);
      expect(setCookie).not.toContain('Domain');

      const sessions = (await db.query(`SELECT token_hash FROM customer_sessions WHERE handoff_id = $1`, [offered.handoffId])) as { token_hash: Buffer }[];
      expect(sessions).toHaveLength(1);
      expect(sessions[0]!.token_hash.equals(createHash('sha256').update(value).digest())).toBe(true);
      const dump = await dumpAllTables(db);
      expect(dump).not.toContain(value);

      await expect(stateOf(offered.handoffId)).resolves.toBe('redeemed');
      await expect(audited(offered.handoffId, 'handoff.redeemed')).resolves.toBe(1);
      const conversation = (await db.query(`SELECT state FROM conversations WHERE id = $1`, [offered.conversationId])) as { state: string }[];
      expect(conversation[0]!.state).toBe('handed_off');

      const session = await server.request('/api/v1/customer/session', { headers: { cookie: cookiePair(response)! } });
      expect(session.status).toBe(200);
      await expect(session.json()).resolves.toMatchObject({
        handoffId: offered.handoffId,
        state: 'redeemed',
        verification: { method: 'none', status: 'not_verified', claims: null },
        canChat: true,
      });
      expect((await server.request('/api/v1/customer/session')).status).toBe(401);
      expect((await server.request('/api/v1/customer/session', { headers: { cookie: `${CUSTOMER_SESSION_COOKIE}=${'A'.repeat(43)}` } })).status).toBe(401);
    });

    it('lets exactly one of ten concurrent redemptions win', async () => {
      const offered = await offerHandoff(server);
      const responses = await Promise.all(Array.from({ length: 10 }, () => redeem(offered.token)));
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([303, 410, 410, 410, 410, 410, 410, 410, 410, 410]);
      expect(responses.filter((r) => r.headers.get('set-cookie'))).toHaveLength(1);
      const sessions = (await db.query(`SELECT count(*)::int AS n FROM customer_sessions WHERE handoff_id = $1`, [offered.handoffId])) as { n: number }[];
      expect(sessions[0]!.n).toBe(1);
      await expect(audited(offered.handoffId, 'handoff.redeemed')).resolves.toBe(1);
    });

    it('redeems a handoff once whichever of its re-sent links is used', async () => {
      const offered = await offerHandoff(server);
      moveClock(61_000);
      const again = await offerHandoff(server, {}, offered);
      expect(again.outcome).toBe('resent');
      expect(again.handoffId).toBe(offered.handoffId);
      expect((await redeem(again.token)).status).toBe(303);
      expect((await redeem(offered.token)).status).toBe(410);
    });

    it('refuses a form post from another site or without same-origin proof, consuming nothing', async () => {
      const offered = await offerHandoff(server);
      const attempts: Record<string, string>[] = [
        {},
        { origin: 'https://evil.example' },
        { origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' },
        { 'sec-fetch-site': 'cross-site' },
        { origin, 'sec-fetch-site': 'cross-site' },
      ];
      for (const headers of attempts) {
        const response = await redeem(offered.token, headers);
        expect(response.status).toBe(403);
        expect(response.headers.get('set-cookie')).toBeNull();
      }
      await expect(stateOf(offered.handoffId)).resolves.toBe('offered');
      // With Referrer-Policy no-referrer, browsers post `Origin: null` and Sec-Fetch-Site: same-origin.
      const response = await redeem(offered.token, { origin: 'null', 'sec-fetch-site': 'same-origin' });
      expect(response.status).toBe(303);
    });
  });

  describe('links that do not work', () => {
    it('shows one page for used, expired, revoked, unknown and forged links (404 or 410), with the same headers', async () => {
      const used = await offerHandoff(server);
      expect((await redeem(used.token)).status).toBe(303);
      const revoked = await offerHandoff(server);
      await db.query(`UPDATE handoffs SET state = 'revoked' WHERE id = $1`, [revoked.handoffId]);
      const forged = (await offerHandoff(server)).token.slice(0, -3) + 'AAA';

      const responses = [await land(used.token), await redeem(used.token), await land(revoked.token), await redeem(revoked.token), await land(forged), await redeem(forged), await land('nonsense')];
      expect(responses.map((r) => r.status)).toEqual([410, 410, 410, 410, 404, 404, 404]);
      const bodies = await Promise.all(responses.map(pageText));
      expect(new Set(bodies).size).toBe(1);
      expect(bodies[0]).toContain('This link no longer works');
      expect(bodies[0]).toContain('new link');
      for (const response of responses) {
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(response.headers.get('referrer-policy')).toBe('no-referrer');
        expect(response.headers.get('x-robots-tag')).toContain('noindex');
      }
      const failures = (await db.query(
        `SELECT details->>'code' AS code FROM audit_events WHERE action = 'handoff.link_failed' AND resource_id = ANY($1) ORDER BY seq`,
        [[used.handoffId, revoked.handoffId]],
      )) as { code: string }[];
      expect(failures.map((f) => f.code)).toEqual(['USED', 'USED', 'REVOKED', 'REVOKED']);
    });

    it('refuses changed, truncated and cross-handoff tokens', async () => {
      const a = await offerHandoff(server);
      const b = await offerHandoff(server);
      const [header, payload, signature] = a.token.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const bClaims = JSON.parse(Buffer.from(b.token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
      const swapped = Buffer.from(JSON.stringify({ ...claims, hid: bClaims['hid'] })).toString('base64url');
      // A genuinely signed token for b's handoff with a nonce that was never issued for it.
      const minted = await server.app.get(LinkTokenService).mint({ handoffId: b.handoffId });
      const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
      const bad = [
        flip(a.token, 10),
        `${header}.${flip(payload, 5)}.${signature}`,
        `${header}.${payload}.${flip(signature, 3)}`,
        a.token.slice(0, -1),
        a.token.slice(0, 100),
        `${header}.${swapped}.${signature}`,
        `${header}.${payload}`,
        minted.token,
        a.token + 'A',
      ];
      for (const token of bad) {
        expect((await redeem(token)).status).toBe(404);
      }
      await expect(stateOf(a.handoffId)).resolves.toBe('offered');
      await expect(stateOf(b.handoffId)).resolves.toBe('offered');
      const audit = (await db.query(`SELECT details::text AS d FROM audit_events WHERE action = 'handoff.link_failed' ORDER BY seq DESC LIMIT 20`)) as { d: string }[];
      for (const row of audit) for (const token of bad) expect(row.d).not.toContain(token);
    });

    it('expires links with a moved clock: refused by the verifier past exp + skew, by the database past the handoff expiry', async () => {
      const late = await offerHandoff(server, { linkTtlSeconds: 600 });
      moveClock(600_000 + 61_000);
      expect((await land(late.token)).status).toBe(410);
      expect((await redeem(late.token)).status).toBe(410);
      jest.restoreAllMocks();

      const skewed = await offerHandoff(server, { linkTtlSeconds: 600 });
      moveClock(600_000 + 5_000); // within the verifier's 60 s skew, past the handoff's expiry
      expect((await redeem(skewed.token)).status).toBe(410);
      await expect(stateOf(skewed.handoffId)).resolves.toBe('expired');
      await expect(audited(skewed.handoffId, 'handoff.expired')).resolves.toBe(1);
      jest.restoreAllMocks();

      const fresh = await offerHandoff(server, { linkTtlSeconds: 600 });
      moveClock(599_000);
      expect((await redeem(fresh.token)).status).toBe(303);
    });

    it('keeps the token out of metrics labels', async () => {
      const offered = await offerHandoff(server);
      await land(offered.token);
      await land('not-a-token');
      const metrics = await (await server.request('/metrics')).text();
      expect(metrics).toContain('route="/s/:token"');
      expect(metrics).not.toContain(offered.token);
      expect(metrics).not.toContain('not-a-token');
    });
  });

  describe('key rotation', () => {
    it('verifies a token of the previous key until it expires, and refuses it once the key is retired', async () => {
      const oldKey = `old:${key()}`;
      const newKey = `new:${key()}`;
      // Instances of one deployment: same configuration but the keyring.
      const withKeys = (signingKeys: string) => startTestApp({}, { ...server.config, port: 0, links: { ...server.config.links, signingKeys } });
      const before = await withKeys(oldKey);
      const rotated = await withKeys(`${newKey},${oldKey}`);
      const retired = await withKeys(newKey);
      try {
        const oldOffer = await offerHandoff(before);
        const retiredAnswer = await retired.request(`/s/${oldOffer.token}`);
        expect(retiredAnswer.status).toBe(404);
        expect((await rotated.request(`/s/${oldOffer.token}`)).status).toBe(200);
        expect((await redeem(oldOffer.token, { origin }, rotated)).status).toBe(303);
        const newOffer = await offerHandoff(rotated);
        expect(JSON.parse(Buffer.from(newOffer.token.split('.')[0]!, 'base64url').toString())).toMatchObject({ kid: 'new' });
        expect((await redeem(newOffer.token, { origin }, before)).status).toBe(404);
        expect((await redeem(newOffer.token, { origin }, retired)).status).toBe(303);
        expect(parseKeyring(`${newKey},${oldKey}`).activeKid).toBe('new');
      } finally {
        await Promise.all([before.close(), rotated.close(), retired.close()]);
      }
    });
  });

  describe('rate limit per client address', () => {
    it('answers 429 after the configured number of failures, even for a valid link, and audits the failures', async () => {
      const limited = await startTestApp({ LINK_FAILURE_LIMIT: '5' });
      try {
        const offered = await offerHandoff(limited);
        const before = ((await db.query(`SELECT coalesce(max(seq), 0) AS seq FROM audit_events`)) as { seq: string }[])[0]!.seq;
        for (let i = 0; i < 5; i++) expect((await limited.request(`/s/bogus-token-${i}`)).status).toBe(404);
        const blocked = await limited.request(`/s/${offered.token}`);
        expect(blocked.status).toBe(429);
        expect(blocked.headers.get('cache-control')).toBe('no-store');
        expect((await redeem(offered.token, { origin }, limited)).status).toBe(429);
        await expect(stateOf(offered.handoffId)).resolves.toBe('offered');
        const failures = (await db.query(
          `SELECT origin, details FROM audit_events WHERE action = 'handoff.link_failed' AND seq > $1 AND details->>'code' = 'MALFORMED' ORDER BY seq`,
          [before],
        )) as { origin: string; details: { code: string; limitReached: boolean } }[];
        expect(failures.length).toBeGreaterThanOrEqual(5);
        expect(failures.every((f) => f.origin === '127.0.0.1')).toBe(true);
        expect(failures.some((f) => f.details.limitReached)).toBe(true);
        // Another instance's memory (no Redis here) is not affected: the limit is per address per instance.
        const elsewhere = await offerHandoff(server);
        expect((await server.request(`/s/${elsewhere.token}`)).status).toBe(200);
      } finally {
        await limited.close();
      }
    });
  });
});
