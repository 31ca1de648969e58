import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { Clock } from '../../apps/server/src/handoff/clock.js';
import { CUSTOMER_SESSION_COOKIE, OIDC_FLOW_COOKIE, SESSION_IDLE_SECONDS } from '../../apps/server/src/handoff/customer-session.service.js';
import { HandoffQueryService } from '../../apps/server/src/handoff/handoff-query.service.js';
import { dumpAllTables } from '../support/database-scan.js';
import { dataSourceOf, offerHandoff, type Offered } from '../support/handoff.factory.js';
import { OidcBrowser, startTestIdentityProvider, type TestIdentityProvider } from '../support/oidc-provider.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const ALEX = { id: 'alex-7f3a', password: 'correct horse battery staple', name: 'Alex Customer', customerNumber: 'CN-55501234' };

describe('customer verification with the bank (OIDC)', () => {
  let idp: TestIdentityProvider;
  let server: TestApp;
  let db: DataSource;
  let clock: Clock;
  let origin: string;

  beforeAll(async () => {
    // The app's PUBLIC_BASE_URL (http://localhost:3000) is what the provider redirects to; the test
    // replays that redirect against the app's real port.
    idp = await startTestIdentityProvider({ redirectUri: 'http://localhost:3000/s/verify/callback', users: [ALEX] });
    server = await startTestApp({
      CUSTOMER_VERIFICATION: 'oidc',
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: idp.clientId,
      OIDC_CLIENT_SECRET: idp.clientSecret,
      LINK_FAILURE_LIMIT: '100000',
    });
    db = dataSourceOf(server);
    clock = server.app.get(Clock);
    origin = new URL(server.config.publicBaseUrl).origin;
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  afterAll(async () => {
    await server?.close();
    await idp?.close();
  });

  const stateOf = async (handoffId: string) => ((await db.query(`SELECT state FROM handoffs WHERE id = $1`, [handoffId])) as { state: string }[])[0]!.state;
  const session = async (browser: OidcBrowser) => {
    const response = await browser.fetch(`${server.url}/api/v1/customer/session`);
    return { status: response.status, body: response.status === 200 ? ((await response.json()) as Record<string, unknown>) : null };
  };
  const verificationFailures = async (handoffId: string) =>
    ((await db.query(`SELECT details->>'reason' AS reason FROM audit_events WHERE resource_id = $1 AND action = 'handoff.verification_failed' ORDER BY seq`, [
      handoffId,
    ])) as { reason: string }[]).map((r) => r.reason);

  /** Redeems a fresh link in a "browser" and starts the login: returns the provider's authorization URL. */
  const redeemAndStart = async (): Promise<{ offered: Offered; browser: OidcBrowser; authorizationUrl: string }> => {
    const offered = await offerHandoff(server);
    const browser = new OidcBrowser();
    const redeemed = await browser.fetch(`${server.url}/s/${offered.token}`, { method: 'POST', headers: { origin } });
    expect(redeemed.status).toBe(303);
    expect(redeemed.headers.get('location')).toBe('/s/verify/start');
    const started = await browser.fetch(`${server.url}/s/verify/start`);
    expect(started.status).toBe(303);
    const authorizationUrl = started.headers.get('location')!;
    expect(authorizationUrl.startsWith(`${idp.issuer}/auth?`)).toBe(true);
    return { offered, browser, authorizationUrl };
  };
  /** At the provider until it shows an interaction; returns its uid and prompt. */
  const interaction = async (browser: OidcBrowser, url: string) => {
    const { response } = await browser.follow(url, idp.issuer);
    expect(response.status).toBe(200);
    return (await response.json()) as { uid: string; prompt: 'login' | 'consent' };
  };
  const post = (browser: OidcBrowser, path: string, form: Record<string, string> = {}) =>
    browser.fetch(`${idp.issuer}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  /** Logs in and consents; returns the callback URL the provider sends the browser to, on the app's port. */
  const loginAndConsent = async (browser: OidcBrowser, authorizationUrl: string, password = ALEX.password): Promise<string> => {
    let consent = await interaction(browser, authorizationUrl);
    if (consent.prompt === 'login') {
      const afterLogin = await post(browser, `/interaction/${consent.uid}/login`, { login: ALEX.id, password });
      expect(afterLogin.status).toBe(303);
      consent = await interaction(browser, new URL(afterLogin.headers.get('location')!, idp.issuer).href);
    }
    expect(consent.prompt).toBe('consent');
    const afterConsent = await post(browser, `/interaction/${consent.uid}/confirm`);
    return toApp((await browser.follow(new URL(afterConsent.headers.get('location')!, idp.issuer).href, idp.issuer)).url);
  };
  const toApp = (callbackUrl: string) => {
    const url = new URL(callbackUrl);
    expect(url.origin + url.pathname).toBe('http://localhost:3000/s/verify/callback');
    return `${server.url}${url.pathname}${url.search}`;
  };

  it('verifies the customer: subject and mapped claims sealed on the handoff, shown to the session, and the chat opens', async () => {
    const { offered, browser, authorizationUrl } = await redeemAndStart();
    const pending = await session(browser);
    expect(pending.body).toMatchObject({ state: 'redeemed', verification: { method: 'oidc', status: 'pending', claims: null }, canChat: false });
    const authorization = new URL(authorizationUrl);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('state')).toBeTruthy();
    expect(authorization.searchParams.get('nonce')).toBeTruthy();
    expect(authorization.searchParams.get('scope')).toBe('openid profile');

    const callback = await loginAndConsent(browser, authorizationUrl);
    // Only the Lax flow cookie: a browser does not send the Strict session cookie on this cross-site redirect.
    const flowCookie = browser.cookie(server.url, OIDC_FLOW_COOKIE)!;
    expect(flowCookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const done = await fetch(callback, { redirect: 'manual', headers: { cookie: `${OIDC_FLOW_COOKIE}=${flowCookie}` } });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/chat');
    expect(done.headers.get('set-cookie')).toContain(`${OIDC_FLOW_COOKIE}=; Path=/; Max-Age=0`);

    await expect(stateOf(offered.handoffId)).resolves.toBe('verified');
    const verified = await session(browser);
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({
      handoffId: offered.handoffId,
      state: 'verified',
      verification: { method: 'oidc', status: 'verified', claims: { name: ALEX.name, customerNumber: ALEX.customerNumber } },
      canChat: true,
    });
    const staffView = await server.app.get(HandoffQueryService).get(offered.handoffId);
    expect(staffView.verification).toEqual({ method: 'oidc', verified: true, subject: ALEX.id, claims: { name: ALEX.name, customerNumber: ALEX.customerNumber } });
    // Encrypted at rest, never in the audit trail.
    const dump = await dumpAllTables(db);
    expect(dump).not.toContain(ALEX.customerNumber);
    expect(dump).not.toContain(ALEX.name);
    expect(dump).not.toContain(ALEX.id);
    const audit = (await db.query(`SELECT details::text AS d FROM audit_events WHERE resource_id = $1 AND action = 'handoff.verified'`, [offered.handoffId])) as { d: string }[];
    expect(audit).toHaveLength(1);
  });

  it('puts the bank login in the landing page form-action (the redemption redirects there)', async () => {
    const offered = await offerHandoff(server);
    const landing = await server.request(`/s/${offered.token}`);
    expect(landing.headers.get('content-security-policy')).toContain(`form-action 'self' ${idp.issuer}`);
  });

  it('keeps the handoff redeemed after a wrong password; the customer can still sign in', async () => {
    const { offered, browser, authorizationUrl } = await redeemAndStart();
    const login = await interaction(browser, authorizationUrl);
    const wrong = await post(browser, `/interaction/${login.uid}/login`, { login: ALEX.id, password: 'not my password' });
    expect(wrong.status).toBe(401);
    await expect(stateOf(offered.handoffId)).resolves.toBe('redeemed');
    expect((await session(browser)).body).toMatchObject({ verification: { status: 'pending' }, canChat: false });
    const right = await post(browser, `/interaction/${login.uid}/login`, { login: ALEX.id, password: ALEX.password });
    expect(right.status).toBe(303);
  });

  it('returns a cancelled consent to a page that lets the customer retry, the handoff still redeemed', async () => {
    const { offered, browser, authorizationUrl } = await redeemAndStart();
    const login = await interaction(browser, authorizationUrl);
    const afterLogin = await post(browser, `/interaction/${login.uid}/login`, { login: ALEX.id, password: ALEX.password });
    const consent = await interaction(browser, new URL(afterLogin.headers.get('location')!, idp.issuer).href);
    const aborted = await post(browser, `/interaction/${consent.uid}/abort`);
    const callback = toApp((await browser.follow(new URL(aborted.headers.get('location')!, idp.issuer).href, idp.issuer)).url);
    expect(new URL(callback).searchParams.get('error')).toBe('access_denied');

    const page = await browser.fetch(callback);
    expect(page.status).toBe(400);
    const html = await page.text();
    expect(html).toContain('You cancelled the sign-in');
    expect(html).toContain('href="/s/verify/start"');
    expect(page.headers.get('cache-control')).toBe('no-store');
    await expect(stateOf(offered.handoffId)).resolves.toBe('redeemed');
    await expect(verificationFailures(offered.handoffId)).resolves.toEqual(['cancelled']);
    expect((await session(browser)).status).toBe(200);

    // Retry: a new login starts and succeeds.
    const retry = await browser.fetch(`${server.url}/s/verify/start`);
    expect(retry.status).toBe(303);
    const done = await browser.fetch(await loginAndConsent(browser, retry.headers.get('location')!));
    expect(done.status).toBe(303);
    await expect(stateOf(offered.handoffId)).resolves.toBe('verified');
  });

  it('refuses a replayed callback and a callback whose state was changed', async () => {
    const { offered, browser, authorizationUrl } = await redeemAndStart();
    const callback = await loginAndConsent(browser, authorizationUrl);
    const flowCookie = browser.cookie(server.url, OIDC_FLOW_COOKIE)!;
    expect((await browser.fetch(callback)).status).toBe(303);
    const replay = await fetch(callback, { redirect: 'manual', headers: { cookie: `${OIDC_FLOW_COOKIE}=${flowCookie}` } });
    expect(replay.status).toBe(400);

    const second = await redeemAndStart();
    const secondCallback = new URL(await loginAndConsent(second.browser, second.authorizationUrl));
    secondCallback.searchParams.set('state', 'x' + secondCallback.searchParams.get('state'));
    expect((await second.browser.fetch(secondCallback.href)).status).toBe(400);
    await expect(stateOf(second.offered.handoffId)).resolves.toBe('redeemed');
    const reasons = await verificationFailures(second.offered.handoffId);
    expect(reasons).toHaveLength(1);
    // openid-client refuses the authorization response (state mismatch) before any token request.
    expect(reasons[0]).toBe('OAUTH_INVALID_RESPONSE');
    await expect(stateOf(offered.handoffId)).resolves.toBe('verified');
  });

  it('refuses an ID token whose nonce is not the one sent', async () => {
    const { offered, browser, authorizationUrl } = await redeemAndStart();
    const tampered = new URL(authorizationUrl);
    tampered.searchParams.set('nonce', 'a-nonce-the-app-never-issued');
    const callback = await loginAndConsent(browser, tampered.href);
    const result = await browser.fetch(callback);
    expect(result.status).toBe(400);
    await expect(stateOf(offered.handoffId)).resolves.toBe('redeemed');
    const reasons = await verificationFailures(offered.handoffId);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).not.toBe('no_flow');
  });

  it('refuses a login that comes back after the customer session expired', async () => {
    const { offered, browser, authorizationUrl } = await redeemAndStart();
    const callback = await loginAndConsent(browser, authorizationUrl);
    jest.spyOn(clock, 'now').mockReturnValue(new Date(Date.now() + (SESSION_IDLE_SECONDS + 60) * 1000));
    const late = await browser.fetch(callback);
    expect(late.status).toBe(400);
    await expect(stateOf(offered.handoffId)).resolves.toBe('redeemed');
    const start = await browser.fetch(`${server.url}/s/verify/start`);
    expect(start.status).toBe(401);
    await expect(start.text()).resolves.toContain('Your secure session has ended');
    expect((await session(browser)).status).toBe(401);
    expect(browser.cookie(server.url, CUSTOMER_SESSION_COOKIE)).toBeDefined();
  });
});
