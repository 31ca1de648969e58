import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { FakeGraphApi } from './fake-graph-api.js';
import { GraphApiError, SendValidationError } from './graph-api.error.js';
import { SendApiClient } from './send-api.client.js';
import { buildTextMessage, SEND_LIMITS, type SendRequestBody } from './send-request.js';
import { appSecretProof } from './signature.js';

const APP_SECRET = 'fake-app-secret';
// Shaped like a real Page token (EAA...), assembled so that secret scanners do not take it for one.
const PAGE = { pageId: '104512345678901', accessToken: ['EAAG', 'tokenSECRETvalue1234567890abcdef'].join('') };
const PSID = '6543210987654321';
const CARD_TEXT = 'my card is 4111 1111 1111 1111';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error: unknown) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe(SendApiClient.name, () => {
  let fake: FakeGraphApi;
  let client: SendApiClient;

  beforeAll(async () => {
    fake = await FakeGraphApi.start({ appSecret: APP_SECRET });
    client = new SendApiClient({ graphUrl: fake.url, appSecret: APP_SECRET, timeoutMs: 2000 });
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    await fake.close();
  });

  describe('sending', () => {
    it('sends a text with quick replies to /{pageId}/messages, token and proof in the query', async () => {
      const result = await client.sendText(PAGE, PSID, 'How can we help?', {
        quickReplies: [{ title: 'Cards', payload: 'CARDS' }, { title: 'Loans', payload: 'LOANS', imageUrl: 'https://bank.example/l.png' }],
        metadata: 'outbox:1',
      });
      expect(result.recipientId).toBe(PSID);
      expect(result.messageId).toMatch(/^m_/);
      const [call] = fake.calls();
      expect(call).toMatchObject({ method: 'POST', path: `/${PAGE.pageId}/messages`, pageId: PAGE.pageId, endpoint: 'messages' });
      expect(call.query).toEqual({ access_token: PAGE.accessToken, appsecret_proof: appSecretProof(PAGE.accessToken, APP_SECRET) });
      expect(call.body).toEqual({
        recipient: { id: PSID },
        messaging_type: 'RESPONSE',
        message: {
          text: 'How can we help?',
          quick_replies: [
            { content_type: 'text', title: 'Cards', payload: 'CARDS' },
            { content_type: 'text', title: 'Loans', payload: 'LOANS', image_url: 'https://bank.example/l.png' },
          ],
          metadata: 'outbox:1',
        },
      });
    });

    it('sends a human-agent tagged message', async () => {
      await expect(client.sendText(PAGE, PSID, 'An agent replies', { messagingType: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' })).resolves.toMatchObject({
        recipientId: PSID,
      });
      expect(fake.calls()[0].body).toMatchObject({ messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' });
    });

    it('sends a button template with full-height web_url buttons and no Messenger extensions', async () => {
      await expect(
        client.sendButtonTemplate(PAGE, PSID, {
          text: 'Let us continue in our secure chat.',
          buttons: [{ title: 'Open secure chat', url: 'https://bank.example/s/abc' }],
        }),
      ).resolves.toMatchObject({ recipientId: PSID });
      expect(fake.messagesTo(PSID)).toHaveLength(1);
      expect(fake.calls()[0].body).toEqual({
        recipient: { id: PSID },
        messaging_type: 'RESPONSE',
        message: {
          attachment: {
            type: 'template',
            payload: {
              template_type: 'button',
              text: 'Let us continue in our secure chat.',
              buttons: [
                { type: 'web_url', url: 'https://bank.example/s/abc', title: 'Open secure chat', webview_height_ratio: 'full', messenger_extensions: false },
              ],
            },
          },
        },
      });
    });

    it('sends a sender action alone, with only the recipient', async () => {
      await expect(client.sendSenderAction(PAGE, PSID, 'typing_on')).resolves.toEqual({ recipientId: PSID });
      expect(fake.calls()[0].body).toEqual({ recipient: { id: PSID }, sender_action: 'typing_on' });
      expect(fake.messagesTo(PSID)).toHaveLength(0);
    });

    it('sends a stored body later through send()', async () => {
      const stored: unknown = JSON.parse(JSON.stringify(buildTextMessage(PSID, 'stored reply')));
      await expect(client.send(PAGE, stored as SendRequestBody)).resolves.toMatchObject({ recipientId: PSID, messageId: expect.stringMatching(/^m_/) });
    });

    it('uses the older /me/messages form when asked', async () => {
      await expect(client.sendText({ pageId: 'me', accessToken: PAGE.accessToken }, PSID, 'hi')).resolves.toMatchObject({ recipientId: PSID });
      expect(fake.calls()[0].path).toBe('/me/messages');
    });

    it('omits appsecret_proof without an app secret, and the fake then refuses the call', async () => {
      const noProof = new SendApiClient({ graphUrl: fake.url });
      const error = await rejection(noProof.sendText(PAGE, PSID, 'hi'));
      expect(fake.calls()[0].query).toEqual({ access_token: PAGE.accessToken });
      expect(error).toBeInstanceOf(GraphApiError);
      expect(error).toMatchObject({ code: 100, kind: 'permanent', httpStatus: 400 });
    });

    it('is refused with a wrong app secret (wrong proof)', async () => {
      const wrong = new SendApiClient({ graphUrl: fake.url, appSecret: 'not-the-secret' });
      await expect(wrong.sendText(PAGE, PSID, 'hi')).rejects.toMatchObject({ code: 100, kind: 'permanent' });
    });
  });

  describe('validation before sending', () => {
    const button = { title: 'Open', url: 'https://bank.example/s/x' };
    it.each([
      ['empty text', () => client.sendText(PAGE, PSID, '  '), 'EMPTY_TEXT'],
      ['text over 2000', () => client.sendText(PAGE, PSID, 'x'.repeat(SEND_LIMITS.textMaxChars + 1)), 'TEXT_TOO_LONG'],
      [
        '14 quick replies',
        () => client.sendText(PAGE, PSID, 'hi', { quickReplies: Array.from({ length: 14 }, (_, i) => ({ title: `q${i}`, payload: `P${i}` })) }),
        'TOO_MANY_QUICK_REPLIES',
      ],
      ['a quick reply title over 20', () => client.sendText(PAGE, PSID, 'hi', { quickReplies: [{ title: 'x'.repeat(21), payload: 'P' }] }), 'INVALID_QUICK_REPLY'],
      ['template text over 640', () => client.sendButtonTemplate(PAGE, PSID, { text: 'x'.repeat(641), buttons: [button] }), 'TEMPLATE_TEXT_TOO_LONG'],
      ['no button', () => client.sendButtonTemplate(PAGE, PSID, { text: 'hi', buttons: [] }), 'INVALID_BUTTON_COUNT'],
      ['four buttons', () => client.sendButtonTemplate(PAGE, PSID, { text: 'hi', buttons: [button, button, button, button] }), 'INVALID_BUTTON_COUNT'],
      ['a button title over 20', () => client.sendButtonTemplate(PAGE, PSID, { text: 'hi', buttons: [{ ...button, title: 'x'.repeat(21) }] }), 'BUTTON_TITLE_TOO_LONG'],
      ['a javascript: url', () => client.sendButtonTemplate(PAGE, PSID, { text: 'hi', buttons: [{ ...button, url: 'javascript:alert(1)' }] }), 'INVALID_BUTTON_URL'],
      ['a non-digit psid', () => client.sendText(PAGE, 'abc', 'hi'), 'INVALID_RECIPIENT'],
      ['MESSAGE_TAG without tag', () => client.sendText(PAGE, PSID, 'hi', { messagingType: 'MESSAGE_TAG' }), 'TAG_REQUIRED'],
      ['a tag with RESPONSE', () => client.sendText(PAGE, PSID, 'hi', { tag: 'HUMAN_AGENT' }), 'TAG_NOT_ALLOWED'],
      ['a bad page id', () => client.sendText({ pageId: '../x', accessToken: 't' }, PSID, 'hi'), 'INVALID_PAGE'],
      ['an empty token', () => client.sendText({ pageId: PAGE.pageId, accessToken: '' }, PSID, 'hi'), 'INVALID_PAGE'],
      ['a stored body with extra fields on a sender action', () => client.send(PAGE, { recipient: { id: PSID }, sender_action: 'typing_on', message: { text: 'x' } } as SendRequestBody), 'INVALID_BODY'],
    ])('refuses %s without calling Meta', async (_name, act, code) => {
      const error = await rejection(Promise.resolve().then(act));
      expect(error).toBeInstanceOf(SendValidationError);
      expect(error).toMatchObject({ code });
      expect(fake.calls()).toHaveLength(0);
    });

    it('counts characters, not UTF-16 units', async () => {
      await expect(client.sendText(PAGE, PSID, '\u{1F600}'.repeat(2000))).resolves.toMatchObject({ recipientId: PSID });
      await expect(client.sendText(PAGE, PSID, '\u{1F600}'.repeat(2001))).rejects.toBeInstanceOf(SendValidationError);
    });

    it('never puts the text in a validation error', async () => {
      const error = await rejection(client.sendText(PAGE, PSID, CARD_TEXT.repeat(100)));
      expect(String((error as Error).message)).not.toContain('4111');
    });
  });

  describe('errors', () => {
    it.each([
      [1, undefined],
      [2, undefined],
      [4, undefined],
      [17, undefined],
      [32, undefined],
      [613, undefined],
    ])('classifies code %i as transient', async (code, subcode) => {
      fake.failNext(1, { code, subcode });
      await expect(client.sendText(PAGE, PSID, 'hi')).rejects.toMatchObject({ name: 'GraphApiError', kind: 'transient', code, httpStatus: 400, reason: 'graph' });
    });

    it.each([
      [10, 2018278],
      [551, 1545041],
      [100, undefined],
      [190, undefined],
      [200, undefined],
      [12345, undefined],
    ])('classifies code %i (subcode %s) as permanent', async (code, subcode) => {
      fake.failNext(1, { code, subcode });
      const error = await rejection(client.sendText(PAGE, PSID, 'hi'));
      expect(error).toBeInstanceOf(GraphApiError);
      expect(error).toMatchObject({ kind: 'permanent', code, subcode: subcode ?? null, type: 'OAuthException', httpStatus: 400 });
      expect((error as GraphApiError).fbtraceId).toEqual(expect.any(String));
    });

    it.each([500, 502, 503] as const)('classifies HTTP %i as transient', async (httpStatus) => {
      fake.failNext(1, { httpStatus });
      await expect(client.sendText(PAGE, PSID, 'hi')).rejects.toMatchObject({ kind: 'transient', httpStatus });
    });

    it('classifies an unknown 4xx without a Graph error as permanent', async () => {
      const stub = (async () => new Response('nope', { status: 404 })) as typeof fetch;
      const stubbed = new SendApiClient({ graphUrl: 'http://graph.invalid/v25.0', fetch: stub });
      await expect(stubbed.sendText(PAGE, PSID, 'hi')).rejects.toMatchObject({ kind: 'permanent', reason: 'http', httpStatus: 404 });
    });

    it('times out with a short timeoutMs, as a transient error', async () => {
      fake.failNext(1, { timeout: true });
      const quick = new SendApiClient({ graphUrl: fake.url, appSecret: APP_SECRET, timeoutMs: 150 });
      const started = Date.now();
      await expect(quick.sendText(PAGE, PSID, 'hi')).rejects.toMatchObject({ kind: 'transient', reason: 'timeout', httpStatus: null });
      expect(Date.now() - started).toBeLessThan(1500);
    });

    it('times out on latency too', async () => {
      fake.setLatency(500);
      const quick = new SendApiClient({ graphUrl: fake.url, appSecret: APP_SECRET, timeoutMs: 100 });
      await expect(quick.sendText(PAGE, PSID, 'hi')).rejects.toMatchObject({ reason: 'timeout', kind: 'transient' });
    });

    it('classifies a dropped connection as a transient network error', async () => {
      fake.failNext(1, { networkError: true });
      await expect(client.sendText(PAGE, PSID, 'hi')).rejects.toMatchObject({ kind: 'transient', reason: 'network' });
    });

    it('classifies a refused connection as a transient network error', async () => {
      const closed = await FakeGraphApi.start();
      const url = closed.url;
      await closed.close();
      const nowhere = new SendApiClient({ graphUrl: url, timeoutMs: 1000 });
      await expect(nowhere.sendText(PAGE, PSID, 'hi')).rejects.toMatchObject({ kind: 'transient', reason: 'network' });
    });

    it('recovers after failNext is used up', async () => {
      fake.failNext(2, { code: 613 });
      await expect(client.sendText(PAGE, PSID, 'one')).rejects.toMatchObject({ code: 613 });
      await expect(client.sendText(PAGE, PSID, 'two')).rejects.toMatchObject({ code: 613 });
      await expect(client.sendText(PAGE, PSID, 'three')).resolves.toMatchObject({ recipientId: PSID });
    });

    it('never puts the token, the proof or the message in an error', async () => {
      const proof = appSecretProof(PAGE.accessToken, APP_SECRET);
      // A hostile or careless upstream quoting everything back.
      fake.failNext(1, { code: 100, message: `Invalid parameter: ${CARD_TEXT} token ${PAGE.accessToken} proof ${proof}` });
      const error = await rejection(client.sendText(PAGE, PSID, CARD_TEXT, { quickReplies: [{ title: 'Yes', payload: 'CARD_4111' }] }));
      expect(error).toBeInstanceOf(GraphApiError);
      const everything = `${(error as Error).message} ${(error as Error).stack ?? ''} ${JSON.stringify(error)}`;
      for (const secret of [PAGE.accessToken, proof, CARD_TEXT, '4111 1111']) expect(everything).not.toContain(secret);
      expect((error as GraphApiError).graphMessage).toContain('Invalid parameter');
    });

    it('never puts the token in a network error', async () => {
      const stub = (async () => {
        throw new TypeError(`fetch failed for http://graph.invalid/?access_token=${PAGE.accessToken}`);
      }) as typeof fetch;
      const stubbed = new SendApiClient({ graphUrl: 'http://graph.invalid/v25.0', fetch: stub });
      const error = await rejection(stubbed.sendText(PAGE, PSID, CARD_TEXT));
      expect(error).toMatchObject({ reason: 'network', kind: 'transient' });
      expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain(PAGE.accessToken);
      expect((error as Error).cause).toBeUndefined();
    });

    it('treats an unreadable 2xx as permanent (Meta probably sent it; no duplicate)', async () => {
      const stub = (async () => new Response('<html>ok</html>', { status: 200 })) as typeof fetch;
      const stubbed = new SendApiClient({ graphUrl: 'http://graph.invalid/v25.0', fetch: stub });
      await expect(stubbed.sendText(PAGE, PSID, 'hi')).rejects.toMatchObject({ kind: 'permanent', reason: 'invalid_response' });
    });
  });

  describe('thread control', () => {
    const INBOX = '263902037430900';

    it('passes, takes, requests and releases the thread, and reads the owner', async () => {
      await expect(client.getThreadOwner(PAGE, PSID)).resolves.toBe('100000000000001');
      await expect(client.passThreadControl(PAGE, PSID, INBOX, 'to-inbox')).resolves.toBeUndefined();
      await expect(client.getThreadOwner(PAGE, PSID)).resolves.toBe(INBOX);
      await expect(client.requestThreadControl(PAGE, PSID, 'please')).resolves.toBeUndefined();
      await expect(client.takeThreadControl(PAGE, PSID, 'back')).resolves.toBeUndefined();
      await expect(client.getThreadOwner(PAGE, PSID)).resolves.toBe('100000000000001');
      await expect(client.releaseThreadControl(PAGE, PSID)).resolves.toBeUndefined();

      const calls = fake.calls();
      expect(calls.map((c) => `${c.method} ${c.endpoint}`)).toEqual([
        'GET thread_owner',
        'POST pass_thread_control',
        'GET thread_owner',
        'POST request_thread_control',
        'POST take_thread_control',
        'GET thread_owner',
        'POST release_thread_control',
      ]);
      expect(calls[0].query).toMatchObject({ recipient: PSID, access_token: PAGE.accessToken });
      expect(calls[1].body).toEqual({ recipient: { id: PSID }, target_app_id: INBOX, metadata: 'to-inbox' });
      expect(calls[6].body).toEqual({ recipient: { id: PSID } });
    });

    it('surfaces thread-control errors typed', async () => {
      fake.failNext(1, { code: 10, subcode: 2018300 });
      await expect(client.passThreadControl(PAGE, PSID, INBOX)).rejects.toMatchObject({ name: 'GraphApiError', kind: 'permanent', code: 10 });
    });
  });
});
