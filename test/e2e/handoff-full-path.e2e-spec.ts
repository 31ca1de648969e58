import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FakeGraphApi, type RecordedCall } from '@handoff/messenger';
import { OIDC_FLOW_COOKIE } from '../../apps/server/src/handoff/customer-session.service.js';
import { NEW_LINK_PAYLOAD } from '../../apps/server/src/handoff/handoff.service.js';
import { linkOf } from '../support/handoff.factory.js';
import { envelope, messagingEvent, metaJson, newPsid, signedRequest } from '../support/messenger.factory.js';
import { OidcBrowser, startTestIdentityProvider, type TestIdentityProvider } from '../support/oidc-provider.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const SAM = { id: 'sam-91c2', password: 'sam-secret-password-1', name: 'Sam Saver', customerNumber: 'CN-77700042' };

/** The whole path, as a customer lives it: Messenger -> button -> landing -> redemption -> bank login -> chat session. */
describe('handoff: the full path', () => {
  let idp: TestIdentityProvider;
  let fake: FakeGraphApi;
  let server: TestApp;

  beforeAll(async () => {
    idp = await startTestIdentityProvider({ redirectUri: 'http://localhost:3000/s/verify/callback', users: [SAM] });
    fake = await FakeGraphApi.start();
    server = await startTestApp({
      MESSENGER_GRAPH_URL: fake.url,
      OUTBOX_RETRY_BASE_MS: '20',
      CUSTOMER_VERIFICATION: 'oidc',
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: idp.clientId,
      OIDC_CLIENT_SECRET: idp.clientSecret,
    });
  });

  afterAll(async () => {
    await server?.close();
    await fake?.close();
    await idp?.close();
  });

  const buttonMessage = async (psid: string, timeoutMs = 10_000): Promise<RecordedCall> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const call = fake.messagesTo(psid).find((c) => JSON.stringify(c.body).includes('"template_type":"button"'));
      if (call) return call;
      if (Date.now() > deadline) throw new Error(`no button template sent to ${psid}; calls: ${JSON.stringify(fake.messagesTo(psid).map((c) => c.body))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it('goes from a signed webhook with a sensitive message to a verified customer session able to open the chat', async () => {
    const pageId = server.config.messenger.pageId;
    const psid = newPsid();
    const card = '4111 1111 1111 1111';
    const text = `I lost my card and someone is using it, the number is ${card}`;
    const body = metaJson(envelope(pageId, [messagingEvent({ pageId, psid, text })]));
    const accepted = await server.request('/webhooks/messenger', signedRequest(body, server.config.messenger.appSecrets[0]!));
    expect(accepted.status).toBe(200);

    // The outbox delivers a button template to the (fake) Send API; nothing the customer said is repeated.
    const call = await buttonMessage(psid);
    expect(call.body).toMatchObject({ recipient: { id: psid }, messaging_type: 'RESPONSE' });
    const sent = JSON.stringify(call.body);
    expect(sent).not.toContain('1111 1111');
    expect(sent).not.toContain('someone is using it');
    expect(sent).toContain(NEW_LINK_PAYLOAD);
    const { url, token } = linkOf(call.body);
    expect(url.startsWith(`${server.config.publicBaseUrl}/s/`)).toBe(true);

    // The landing page (a preview crawler's GET first: it must not burn the link).
    expect((await fetch(`${server.url}/s/${token}`, { headers: { 'user-agent': 'facebookexternalhit/1.1' } })).status).toBe(200);
    const browser = new OidcBrowser();
    const landing = await browser.fetch(`${server.url}/s/${token}`);
    expect(landing.status).toBe(200);
    await expect(landing.text()).resolves.toContain('Continue to secure chat');

    // Redemption: the token leaves the URL for a cookie; next stop the bank's login.
    const redeemed = await browser.fetch(`${server.url}/s/${token}`, { method: 'POST', headers: { origin: new URL(server.config.publicBaseUrl).origin } });
    expect(redeemed.status).toBe(303);
    expect(redeemed.headers.get('location')).toBe('/s/verify/start');
    const started = await browser.fetch(`${server.url}/s/verify/start`);
    expect(started.status).toBe(303);

    // At the bank: login, consent, back to the callback.
    const atLogin = await browser.follow(started.headers.get('location')!, idp.issuer);
    const login = (await atLogin.response.json()) as { uid: string; prompt: string };
    expect(login.prompt).toBe('login');
    const form = (fields: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    const afterLogin = await browser.fetch(`${idp.issuer}/interaction/${login.uid}/login`, form({ login: SAM.id, password: SAM.password }));
    const atConsent = await browser.follow(new URL(afterLogin.headers.get('location')!, idp.issuer).href, idp.issuer);
    const consent = (await atConsent.response.json()) as { uid: string; prompt: string };
    expect(consent.prompt).toBe('consent');
    const afterConsent = await browser.fetch(`${idp.issuer}/interaction/${consent.uid}/confirm`, form({}));
    const back = await browser.follow(new URL(afterConsent.headers.get('location')!, idp.issuer).href, idp.issuer);
    const callback = new URL(back.url);
    expect(`${callback.origin}${callback.pathname}`).toBe(`${server.config.publicBaseUrl}/s/verify/callback`);
    expect(browser.cookie(server.url, OIDC_FLOW_COOKIE)).toBeDefined();
    const done = await browser.fetch(`${server.url}${callback.pathname}${callback.search}`);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/chat');

    // The session /chat will use.
    const session = await browser.fetch(`${server.url}/api/v1/customer/session`);
    expect(session.status).toBe(200);
    await expect(session.json()).resolves.toMatchObject({
      state: 'verified',
      verification: { method: 'oidc', status: 'verified', claims: { name: SAM.name, customerNumber: SAM.customerNumber } },
      canChat: true,
    });

    // And the link is spent.
    expect((await fetch(`${server.url}/s/${token}`, { method: 'POST', redirect: 'manual', headers: { origin: new URL(server.config.publicBaseUrl).origin } })).status).toBe(410);
  });
});
