import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FakeGraphApi } from '@handoff/messenger';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { luhnValidRuns } from '../support/database-scan.js';
import { envelope, messagingEvent, metaJson, newPsid, signedRequest } from '../support/messenger.factory.js';
import { testConfig } from '../support/test-config.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Values a customer (or an attacker) sends; none may appear in any log line, in any form. */
const SECRETS = {
  cards: ['4111 1111 1111 1111', '5500-0055-5555-5559', '4012888888881881'],
  ssn: '078-05-1120',
  iban: 'GB82 WEST 1234 5698 7654 32',
  cvv: '7391',
  pin: '8264',
  password: 'Tr0ub4dor&3xq',
};

async function until(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * SECURITY.md 5 (the log half) and 6: after sensitive values went through every door (signed and
 * unsigned webhooks, malformed bodies, link URLs, login, a handoff with its Send API call), none of
 * them, and no Luhn-valid digit run, is in the log output at debug level, in what was sent to the
 * Send API, in the metrics, or in any answer the service gave.
 */
describe('what leaves the service', () => {
  const lines: string[] = [];
  let fake: FakeGraphApi;
  let server: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    fake = await FakeGraphApi.start();
    const config = testConfig({ LOG_LEVEL: 'debug', MESSENGER_GRAPH_URL: fake.url });
    config.logDestination = { write: (line: string) => void lines.push(line) };
    server = await startTestApp({}, config);
    db = server.app.get<DataSource>(getDataSourceToken());
  });

  afterAll(async () => {
    await server.close();
    await fake.close();
  });

  it('holds no card number, SSN, IBAN, CVV, PIN or password that went through the service', async () => {
    const pageId = server.config.messenger.pageId;
    const secret = server.config.messenger.appSecrets[0]!;
    const psid = newPsid();
    const texts = [
      `my card is ${SECRETS.cards[0]} and cvv ${SECRETS.cvv}`,
      `card ${SECRETS.cards[1]} was charged twice, my pin is ${SECRETS.pin}`,
      `ssn ${SECRETS.ssn}, iban ${SECRETS.iban}`,
      `my password is ${SECRETS.password}`,
    ];
    const answers: string[] = [];
    const request = async (path: string, init?: RequestInit) => {
      const response = await server.request(path, init);
      answers.push(`${response.status} ${JSON.stringify([...response.headers])} ${await response.clone().text()}`);
      return response;
    };
    const post = (_body: string, init: RequestInit) => request('/webhooks/messenger', init);
    // signed: stored redacted, a handoff offered and sent through the fake Graph API
    for (const text of texts) {
      const body = metaJson(envelope(pageId, [messagingEvent({ pageId, psid, text })]));
      expect((await post(body, signedRequest(body, secret))).status).toBe(200);
    }
    // unsigned, wrongly signed and malformed bodies carrying a card number
    const unsigned = metaJson(envelope(pageId, [messagingEvent({ pageId, psid, text: `card ${SECRETS.cards[2]}` })]));
    expect((await post(unsigned, { method: 'POST', headers: { 'content-type': 'application/json' }, body: unsigned })).status).toBe(403);
    expect((await post(unsigned, signedRequest(unsigned, 'not-the-app-secret'))).status).toBe(403);
    const malformed = `{"object":"page","entry":[{"text":"${SECRETS.cards[2]}"`;
    expect((await post(malformed, signedRequest(malformed, secret))).status).toBe(400);
    // link URLs with values in the path and the query string
    expect((await request(`/s/${SECRETS.cards[2].replace(/ /g, '')}?card=${encodeURIComponent(SECRETS.cards[0])}`)).status).toBeGreaterThanOrEqual(400);
    expect((await request(`/nowhere/${encodeURIComponent(SECRETS.ssn)}?pin=${SECRETS.pin}`)).status).toBe(404);
    // a staff login with a password (no such account)
    const login = await request('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'nobody@bank.example', password: SECRETS.password }),
    });
    expect(login.status).toBe(401);

    // the handoff offer reached the Send API: the reaction and delivery jobs ran and logged
    await until(async () => {
      const [row] = (await db.query(`SELECT count(*)::int AS n FROM outbox_messages WHERE recipient_psid = $1 AND status = 'sent'`, [psid])) as { n: number }[];
      return row!.n > 0;
    });

    const logs = lines.join('');
    // something was written at all: request lines from every door above, the offer sent to Meta
    expect(logs).toContain('"path":"/nowhere/:number"');
    expect(logs).toContain('"path":"/api/v1/auth/login"');
    expect(logs).toContain('request completed 401');
    const sent = JSON.stringify(fake.calls());
    expect(sent).toContain(psid);
    const metrics = await (await server.request('/metrics')).text();
    expect(metrics).toContain('webhook_events_total');

    const places: [string, string][] = [
      ['logs', logs.replace(/"pid":\d+/g, '')], // (a process id could be any number)
      ['Send API calls', sent],
      ['metrics', metrics],
      ['answers', answers.join('\n')],
    ];
    const ids = new Set([psid, pageId]);
    for (const [place, text] of places) {
      for (const value of [...SECRETS.cards, SECRETS.ssn, SECRETS.iban, SECRETS.password]) {
        expect({ place, found: text.includes(value) || text.includes(value.replace(/[ -]/g, '')) || text.includes(encodeURIComponent(value)) }).toEqual({ place, found: false });
      }
      // (UUIDs hold four-digit groups: request ids, message and handoff ids)
      const withoutUuids = text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, ' ');
      expect({ place, found: new RegExp(`\\b(?:${SECRETS.cvv}|${SECRETS.pin})\\b`).test(withoutUuids) }).toEqual({ place, found: false });
      expect({ place, runs: luhnValidRuns(text).filter((run) => !ids.has(run)) }).toEqual({ place, runs: [] });
    }
  });
});
