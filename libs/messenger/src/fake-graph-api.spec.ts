import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { FakeGraphApi, type RecordedCall } from './fake-graph-api.js';
import { appSecretProof } from './signature.js';

const SECRET = 'fake-secret';
const PAGE_ID = '104512345678901';
const TOKEN = 'EAAGpagetoken';
const PSID = '6543210987654321';

interface Answer {
  status: number;
  body: unknown;
}

describe(FakeGraphApi.name, () => {
  let fake: FakeGraphApi;

  async function post(path: string, body: unknown, query: Record<string, string> = { access_token: TOKEN }): Promise<Answer> {
    const url = new URL(`${fake.url}${path}`);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as unknown };
  }

  function message(psid = PSID, text = 'hello'): unknown {
    return { recipient: { id: psid }, messaging_type: 'RESPONSE', message: { text } };
  }

  beforeAll(async () => {
    fake = await FakeGraphApi.start();
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    await fake.close();
  });

  it('listens on 127.0.0.1 on a random port under a version prefix', () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:[0-9]+\/v25\.0$/);
  });

  it('answers a message like Meta and records the call', async () => {
    const before = Date.now();
    const answer = await post(`/${PAGE_ID}/messages`, message());
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ recipient_id: PSID, message_id: expect.stringMatching(/^m_[A-Za-z0-9_-]{20,}$/) });
    const [call] = fake.calls();
    expect(call).toMatchObject({
      seq: 1,
      method: 'POST',
      path: `/${PAGE_ID}/messages`,
      endpoint: 'messages',
      pageId: PAGE_ID,
      query: { access_token: TOKEN },
      body: message(),
      response: { status: 200, body: answer.body },
    });
    expect(call.at).toBeGreaterThanOrEqual(before);
  });

  it('gives distinct message ids', async () => {
    const a = await post(`/${PAGE_ID}/messages`, message());
    const b = await post(`/${PAGE_ID}/messages`, message());
    expect((a.body as { message_id: string }).message_id).not.toBe((b.body as { message_id: string }).message_id);
  });

  it('lists the messages accepted for one PSID only', async () => {
    await post(`/${PAGE_ID}/messages`, message(PSID, 'one'));
    await post(`/${PAGE_ID}/messages`, message('111', 'other'));
    await post(`/${PAGE_ID}/messages`, { recipient: { id: PSID }, sender_action: 'typing_on' });
    fake.failNext(1, { code: 551, subcode: 1545041 });
    await post(`/${PAGE_ID}/messages`, message(PSID, 'failed'));
    await post(`/me/messages`, message(PSID, 'two'));
    expect(fake.messagesTo(PSID).map((c) => (c.body as { message: { text: string } }).message.text)).toEqual(['one', 'two']);
  });

  it.each([
    ['no access token', `/${PAGE_ID}/messages`, message(), {}, 190],
    ['no recipient', `/${PAGE_ID}/messages`, { message: { text: 'hi' } }, { access_token: TOKEN }, 100],
    ['neither message nor action', `/${PAGE_ID}/messages`, { recipient: { id: PSID } }, { access_token: TOKEN }, 100],
    ['both message and action', `/${PAGE_ID}/messages`, { recipient: { id: PSID }, sender_action: 'typing_on', message: { text: 'x' } }, { access_token: TOKEN }, 100],
    ['text over 2000', `/${PAGE_ID}/messages`, message(PSID, 'x'.repeat(2001)), { access_token: TOKEN }, 100],
    ['invalid JSON', `/${PAGE_ID}/messages`, '{"recipient":', { access_token: TOKEN }, 100],
    ['an unknown path', `/${PAGE_ID}/feed`, message(), { access_token: TOKEN }, 2500],
    ['pass without target', `/${PAGE_ID}/pass_thread_control`, { recipient: { id: PSID } }, { access_token: TOKEN }, 100],
  ])('refuses %s like Meta', async (_name, path, body, query, code) => {
    const answer = await post(path, body, query);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: { message: expect.any(String), type: 'OAuthException', code, fbtrace_id: expect.any(String) },
    });
  });

  it('checks appsecret_proof when configured', async () => {
    const strict = await FakeGraphApi.start({ appSecret: SECRET });
    try {
      const url = (query: string): string => `${strict.url}/${PAGE_ID}/messages?${query}`;
      const send = async (query: string): Promise<Answer> => {
        const response = await fetch(url(query), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message()) });
        return { status: response.status, body: (await response.json()) as unknown };
      };
      await expect(send(`access_token=${TOKEN}`)).resolves.toMatchObject({ status: 400, body: { error: { code: 100 } } });
      await expect(send(`access_token=${TOKEN}&appsecret_proof=${appSecretProof(TOKEN, 'other')}`)).resolves.toMatchObject({
        status: 400,
        body: { error: { code: 100 } },
      });
      await expect(send(`access_token=${TOKEN}&appsecret_proof=${appSecretProof(TOKEN, SECRET)}`)).resolves.toMatchObject({ status: 200 });
    } finally {
      await strict.close();
    }
  });

  it('fails the next calls as asked, in order, then recovers', async () => {
    fake.failNext(1, { code: 613 });
    fake.failNext(1, { code: 10, subcode: 2018278, httpStatus: 403 });
    fake.failNext(1, { httpStatus: 503 });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await post(`/${PAGE_ID}/messages`, message()));
    expect(answers.map((a) => a.status)).toEqual([400, 403, 503, 200]);
    expect(answers[0].body).toMatchObject({ error: { code: 613, type: 'OAuthException' } });
    expect(answers[1].body).toMatchObject({ error: { code: 10, error_subcode: 2018278 } });
  });

  it('fails always until cleared, after queued failures', async () => {
    fake.failNext(1, { code: 2 });
    fake.failAlways({ httpStatus: 500 });
    const first = await post(`/${PAGE_ID}/messages`, message());
    const second = await post(`/${PAGE_ID}/messages`, message());
    const third = await post(`/${PAGE_ID}/messages`, message());
    fake.clearFailures();
    const fourth = await post(`/${PAGE_ID}/messages`, message());
    expect([first.status, second.status, third.status, fourth.status]).toEqual([400, 500, 500, 200]);
    expect(first.body).toMatchObject({ error: { code: 2 } });
    expect(second.body).toMatchObject({ error: { code: 2 } });
  });

  it('holds a timed-out request until close, and close does not hang', async () => {
    const held = await FakeGraphApi.start();
    held.failNext(1, { timeout: true });
    const pending = fetch(`${held.url}/${PAGE_ID}/messages?access_token=${TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message()),
    });
    const [call] = await held.waitForCalls(1, 2000);
    expect(call.response).toBeNull();
    const outcome = Promise.race([pending.then(() => 'answered', () => 'dropped'), new Promise((r) => setTimeout(() => r('still held'), 200))]);
    await expect(outcome).resolves.toBe('still held');
    await held.close();
    await expect(pending).rejects.toThrow();
  });

  it('delays answers by the latency set', async () => {
    fake.setLatency(150);
    const started = Date.now();
    await post(`/${PAGE_ID}/messages`, message());
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('does not record, after reset(), a call that was in flight before it', async () => {
    fake.setLatency(300);
    const inFlight = post(`/${PAGE_ID}/messages`, message());
    while (fake.inFlight() === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    fake.reset();
    await expect(inFlight).resolves.toMatchObject({ status: 200 });
    expect(fake.calls()).toEqual([]);
  });

  it('waits for calls, and rejects naming the count on timeout', async () => {
    const waiting = fake.waitForCalls(2, 2000);
    void post(`/${PAGE_ID}/messages`, message());
    void post(`/${PAGE_ID}/messages`, message());
    await expect(waiting).resolves.toHaveLength(2);
    await expect(fake.waitForCalls(3, 100)).rejects.toThrow('expected 3 calls within 100 ms, got 2');
  });

  it('tells listeners about each call until unsubscribed', async () => {
    const seen: RecordedCall[] = [];
    const unsubscribe = fake.onCall((call) => seen.push(call));
    fake.onCall(() => {
      throw new Error('a broken listener');
    });
    await post(`/${PAGE_ID}/messages`, message(PSID, 'first'));
    unsubscribe();
    await post(`/${PAGE_ID}/messages`, message(PSID, 'second'));
    expect(seen).toHaveLength(1);
    expect(seen[0].body).toEqual(message(PSID, 'first'));
  });

  it('accepts bodies of a few MB and refuses larger ones', async () => {
    const big = await post(`/${PAGE_ID}/messages`, { ...(message() as object), padding: 'x'.repeat(3 * 1024 * 1024) });
    expect(big.status).toBe(200);
    const huge = await post(`/${PAGE_ID}/messages`, { ...(message() as object), padding: 'x'.repeat(9 * 1024 * 1024) });
    expect(huge).toMatchObject({ status: 400, body: { error: { code: 100 } } });
  });

  it('tracks thread owners and answers thread_owner', async () => {
    const owner = async (): Promise<unknown> =>
      (await fetch(`${fake.url}/${PAGE_ID}/thread_owner?recipient=${PSID}&access_token=${TOKEN}`)).json();
    await expect(owner()).resolves.toEqual({ data: [{ thread_owner: { app_id: '100000000000001' } }] });
    await expect(post(`/${PAGE_ID}/pass_thread_control`, { recipient: { id: PSID }, target_app_id: 263902037430900 })).resolves.toEqual({
      status: 200,
      body: { success: true },
    });
    await expect(owner()).resolves.toEqual({ data: [{ thread_owner: { app_id: '263902037430900' } }] });
    expect(fake.threadOwner(PSID)).toBe('263902037430900');
    fake.reset();
    expect(fake.threadOwner(PSID)).toBe('100000000000001');
    expect(fake.calls()).toEqual([]);
  });
});
