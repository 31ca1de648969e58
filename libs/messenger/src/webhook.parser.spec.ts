import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { customerPsid, isCustomerInput, isThreadControlEvent, type MessengerEvent } from './events.js';
import { MAX_EVENTS_PER_REQUEST, parseWebhook } from './webhook.parser.js';

const PAGE = '104512345678901';
const PSID = '6543210987654321';
const TS = 1_700_000_000_123;
const INBOX_APP = '263902037430900';
const OUR_APP = '1122334455667788';

function envelope(events: unknown[], source: 'messaging' | 'standby' = 'messaging', pageId: unknown = PAGE): unknown {
  return { object: 'page', entry: [{ id: pageId, time: TS, [source]: events }] };
}

function fromCustomer(fields: Record<string, unknown>): Record<string, unknown> {
  return { sender: { id: PSID }, recipient: { id: PAGE }, timestamp: TS, ...fields };
}

function only(body: unknown): MessengerEvent {
  const parsed = parseWebhook(body);
  expect(parsed.ignored).toBe(0);
  expect(parsed.events).toHaveLength(1);
  return parsed.events[0];
}

describe('parseWebhook: event kinds', () => {
  it('parses a text message', () => {
    const event = only(envelope([fromCustomer({ message: { mid: 'm_AG5Hz2Uq7tuw', text: 'hello, world!' } })]));
    expect(event).toEqual({
      kind: 'message',
      pageId: PAGE,
      source: 'messaging',
      senderId: PSID,
      recipientId: PAGE,
      timestamp: TS,
      dedupeKey: 'message:m_AG5Hz2Uq7tuw',
      mid: 'm_AG5Hz2Uq7tuw',
      text: 'hello, world!',
      attachments: [],
    });
    expect(isCustomerInput(event)).toBe(true);
    expect(customerPsid(event)).toBe(PSID);
  });

  it('parses a quick reply, a reply-to and attachments', () => {
    const event = only(
      envelope([
        fromCustomer({
          message: {
            mid: 'm_2',
            text: 'Red',
            quick_reply: { payload: 'DEVELOPER_DEFINED_PAYLOAD_FOR_PICKING_RED' },
            reply_to: { mid: 'm_1' },
            attachments: [
              { type: 'image', payload: { url: 'https://scontent.xx.fbcdn.net/v/t1.15752-9/img.jpg' } },
              { type: 'sticker', payload: { url: 'https://scontent.xx.fbcdn.net/sticker.png', sticker_id: 369239263222822 } },
              { type: 'fallback', payload: null, title: 'Shared link', url: 'https://example.com/article' },
              { type: 'location', payload: { coordinates: { lat: 52.1, long: 4.3 } } },
              'not an attachment',
            ],
          },
        }),
      ]),
    );
    expect(event).toMatchObject({
      kind: 'message',
      quickReplyPayload: 'DEVELOPER_DEFINED_PAYLOAD_FOR_PICKING_RED',
      replyToMid: 'm_1',
      attachments: [
        { type: 'image', url: 'https://scontent.xx.fbcdn.net/v/t1.15752-9/img.jpg' },
        { type: 'sticker', url: 'https://scontent.xx.fbcdn.net/sticker.png' },
        { type: 'fallback', url: 'https://example.com/article' },
        { type: 'location' },
      ],
    });
  });

  it('passes long inbound text on whole', () => {
    const text = 'x'.repeat(5000);
    const event = only(envelope([fromCustomer({ message: { mid: 'm_long', text } })]));
    expect(event.kind === 'message' && event.text).toBe(text);
  });

  it('parses an echo as the Page’s own message, never customer input', () => {
    const event = only(
      envelope([
        {
          sender: { id: PAGE },
          recipient: { id: PSID },
          timestamp: TS,
          message: { is_echo: true, app_id: 1517776481860111, metadata: 'outbox:42', mid: 'm_echo', text: 'Hi there' },
        },
      ]),
    );
    expect(event).toMatchObject({ kind: 'echo', mid: 'm_echo', appId: '1517776481860111', metadata: 'outbox:42', text: 'Hi there' });
    expect(event.dedupeKey).toBe('echo:m_echo');
    expect(isCustomerInput(event)).toBe(false);
    expect(customerPsid(event)).toBe(PSID);
  });

  it('treats a message sent by the Page as an echo even without the flag', () => {
    const event = only(envelope([{ sender: { id: PAGE }, recipient: { id: PSID }, timestamp: TS, message: { mid: 'm_x', text: 'hi' } }]));
    expect(event.kind).toBe('echo');
    expect(isCustomerInput(event)).toBe(false);
  });

  it('parses a postback with a referral', () => {
    const event = only(
      envelope([
        fromCustomer({
          postback: {
            mid: 'm_pb',
            title: 'Get Started',
            payload: 'GET_STARTED',
            referral: { ref: 'campaign-7', source: 'SHORTLINK', type: 'OPEN_THREAD' },
          },
        }),
      ]),
    );
    expect(event).toMatchObject({
      kind: 'postback',
      mid: 'm_pb',
      title: 'Get Started',
      payload: 'GET_STARTED',
      referral: { ref: 'campaign-7', source: 'SHORTLINK', type: 'OPEN_THREAD' },
      dedupeKey: 'postback:m_pb',
    });
    expect(isCustomerInput(event)).toBe(true);
  });

  it('parses a standby postback without payload or mid', () => {
    const event = only(envelope([fromCustomer({ postback: { title: 'Talk to a person' } })], 'standby'));
    expect(event).toMatchObject({ kind: 'postback', source: 'standby', title: 'Talk to a person' });
    expect(event.kind === 'postback' && event.payload).toBeUndefined();
    expect(event.dedupeKey).toBe(`postback:${PAGE}:${PSID}:${TS}`);
  });

  it('parses delivery and read receipts, keyed by sender and watermark', () => {
    const parsed = parseWebhook(
      envelope([
        fromCustomer({ delivery: { mids: ['m_1', 'm_2', 7], watermark: 1458668856253 } }),
        fromCustomer({ read: { watermark: '1458668856253' } }),
      ]),
    );
    expect(parsed.ignored).toBe(0);
    expect(parsed.events[0]).toMatchObject({ kind: 'delivery', mids: ['m_1', 'm_2'], watermark: 1458668856253 });
    expect(parsed.events[0].dedupeKey).toBe(`delivery:${PAGE}:${PSID}:1458668856253`);
    expect(parsed.events[1]).toMatchObject({ kind: 'read', watermark: 1458668856253 });
    expect(parsed.events[1].dedupeKey).toBe(`read:${PAGE}:${PSID}:1458668856253`);
  });

  it('parses reactions; react, unreact and react again are three keys', () => {
    const react = fromCustomer({ reaction: { reaction: 'love', emoji: '\u2764\uFE0F', action: 'react', mid: 'm_target' } });
    const unreact = { ...fromCustomer({ reaction: { action: 'unreact', mid: 'm_target' } }), timestamp: TS + 1 };
    const again = { ...react, timestamp: TS + 2 };
    const parsed = parseWebhook(envelope([react, unreact, again, react]));
    expect(parsed.events[0]).toMatchObject({ kind: 'reaction', mid: 'm_target', action: 'react', reaction: 'love', emoji: '\u2764\uFE0F' });
    expect(parsed.events[1]).toMatchObject({ kind: 'reaction', action: 'unreact' });
    const keys = parsed.events.map((e) => e.dedupeKey);
    expect(new Set(keys.slice(0, 3)).size).toBe(3);
    expect(keys[3]).toBe(keys[0]);
    expect(keys[0]).toBe(`reaction:${PAGE}:${PSID}:${TS}:m_target:react:${encodeURIComponent('\u2764\uFE0F')}`);
  });

  it('parses a referral and an optin', () => {
    const parsed = parseWebhook(
      envelope([
        fromCustomer({ referral: { ref: 'ad-123', ad_id: '6045246247433', source: 'ADS', type: 'OPEN_THREAD' } }),
        fromCustomer({ optin: { ref: 'PASS_THROUGH_PARAM', type: 'notification_messages', payload: 'ADDITIONAL-INFORMATION' } }),
      ]),
    );
    expect(parsed.events[0]).toMatchObject({
      kind: 'referral',
      referral: { ref: 'ad-123', adId: '6045246247433', source: 'ADS', type: 'OPEN_THREAD' },
      dedupeKey: `referral:${PAGE}:${PSID}:${TS}`,
    });
    expect(parsed.events[1]).toMatchObject({
      kind: 'optin',
      ref: 'PASS_THROUGH_PARAM',
      type: 'notification_messages',
      payload: 'ADDITIONAL-INFORMATION',
      dedupeKey: `optin:${PAGE}:${PSID}:${TS}`,
    });
  });

  it('parses the three thread-control events, keyed by sender, timestamp and kind', () => {
    const parsed = parseWebhook(
      envelope([
        fromCustomer({ pass_thread_control: { previous_owner_app_id: INBOX_APP, new_owner_app_id: OUR_APP, metadata: 'handback' } }),
        fromCustomer({ take_thread_control: { previous_owner_app_id: OUR_APP, new_owner_app_id: Number(INBOX_APP), metadata: '' } }),
        fromCustomer({ request_thread_control: { requested_owner_app_id: INBOX_APP, metadata: 'please' } }),
      ]),
    );
    expect(parsed.ignored).toBe(0);
    expect(parsed.events.map((e) => e.kind)).toEqual(['pass_thread_control', 'take_thread_control', 'request_thread_control']);
    expect(parsed.events[0]).toMatchObject({ previousOwnerAppId: INBOX_APP, newOwnerAppId: OUR_APP, metadata: 'handback' });
    expect(parsed.events[1]).toMatchObject({ previousOwnerAppId: OUR_APP, newOwnerAppId: INBOX_APP, metadata: '' });
    expect(parsed.events[2]).toMatchObject({ requestedOwnerAppId: INBOX_APP, metadata: 'please' });
    expect(parsed.events.map((e) => e.dedupeKey)).toEqual([
      `pass_thread_control:${PAGE}:${PSID}:${TS}`,
      `take_thread_control:${PAGE}:${PSID}:${TS}`,
      `request_thread_control:${PAGE}:${PSID}:${TS}`,
    ]);
    expect(parsed.events.every(isThreadControlEvent)).toBe(true);
    expect(parsed.events.some(isCustomerInput)).toBe(false);
  });

  it('keeps an unmodelled kind as unknown, with its field names only', () => {
    const event = only(envelope([fromCustomer({ app_roles: { '123': ['primary_receiver'] } })]));
    expect(event).toMatchObject({ kind: 'unknown', fields: ['app_roles'], dedupeKey: `unknown:${PAGE}:${PSID}:${TS}` });
  });
});

describe('parseWebhook: envelopes', () => {
  it('loops over every entry and both lists, keeping order', () => {
    const body = {
      object: 'page',
      entry: [
        {
          id: PAGE,
          time: TS,
          messaging: [fromCustomer({ message: { mid: 'm_a', text: 'a' } }), fromCustomer({ message: { mid: 'm_b', text: 'b' } })],
          standby: [fromCustomer({ message: { mid: 'm_c', text: 'c' } })],
        },
        { id: '999000111', time: TS, messaging: [{ ...fromCustomer({ read: { watermark: TS } }), recipient: { id: '999000111' } }] },
      ],
    };
    const parsed = parseWebhook(body);
    expect(parsed).toMatchObject({ object: 'page', ignored: 0 });
    expect(parsed.events.map((e) => [e.kind, e.source, e.pageId])).toEqual([
      ['message', 'messaging', PAGE],
      ['message', 'messaging', PAGE],
      ['message', 'standby', PAGE],
      ['read', 'messaging', '999000111'],
    ]);
  });

  it('normalises numeric ids and string timestamps', () => {
    const event = only({
      object: 'page',
      entry: [
        {
          id: 104512345678901,
          time: String(TS),
          messaging: [{ sender: { id: 1234567890123 }, recipient: { id: 104512345678901 }, timestamp: String(TS), message: { mid: 'm_n', text: 'hi' } }],
        },
      ],
    });
    expect(event).toMatchObject({ pageId: PAGE, senderId: '1234567890123', recipientId: PAGE, timestamp: TS });
  });

  it('falls back to entry.time when an event has no timestamp', () => {
    const { timestamp: _ignored, ...noTimestamp } = fromCustomer({ message: { mid: 'm_t', text: 'hi' } });
    expect(only(envelope([noTimestamp])).timestamp).toBe(TS);
  });

  it.each([
    ['a non-digit sender id', { ...fromCustomer({ message: { mid: 'm', text: 't' } }), sender: { id: '12ab' } }],
    ['a negative sender id', { ...fromCustomer({ message: { mid: 'm', text: 't' } }), sender: { id: -5 } }],
    ['an unsafe numeric id', { ...fromCustomer({ message: { mid: 'm', text: 't' } }), sender: { id: 2 ** 60 } }],
    ['a fractional timestamp', { ...fromCustomer({ message: { mid: 'm', text: 't' } }), timestamp: 1.5 }],
    ['a missing recipient', { sender: { id: PSID }, timestamp: TS, message: { mid: 'm', text: 't' } }],
    ['a message without mid', fromCustomer({ message: { text: 't' } })],
    ['a message that is a string', fromCustomer({ message: 'hello' })],
    ['a delivery without watermark', fromCustomer({ delivery: { mids: ['m'] } })],
    ['a reaction without action', fromCustomer({ reaction: { mid: 'm' } })],
    ['a null event', null],
    ['an array event', [1, 2]],
  ])('ignores %s', (_name, event) => {
    expect(parseWebhook(envelope([event]))).toEqual({ object: 'page', events: [], ignored: 1 });
  });

  it('ignores the events of an entry whose id is not a page id', () => {
    const parsed = parseWebhook(envelope([fromCustomer({ message: { mid: 'm', text: 't' } })], 'messaging', 'abc'));
    expect(parsed).toEqual({ object: 'page', events: [], ignored: 1 });
  });

  it('type-checks text instead of trusting it', () => {
    const event = only(envelope([fromCustomer({ message: { mid: 'm_obj', text: { toString: 'evil' }, attachments: 'x' } })]));
    expect(event).toMatchObject({ kind: 'message', attachments: [] });
    expect(event.kind === 'message' && event.text).toBeUndefined();
  });

  it('treats __proto__ and constructor keys as data', () => {
    const body: unknown = JSON.parse(
      `{"object":"page","__proto__":{"entry":[]},"entry":[{"id":"${PAGE}","messaging":[{"__proto__":{"message":{"mid":"m_evil"}},"constructor":{"prototype":{"polluted":true}},"sender":{"id":"${PSID}"},"recipient":{"id":"${PAGE}"},"timestamp":${TS}}]}]}`,
    );
    const parsed = parseWebhook(body);
    expect(parsed.events).toHaveLength(1);
    expect(parsed.events[0]).toMatchObject({ kind: 'unknown', fields: ['__proto__', 'constructor'] });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reads own properties only, never inherited ones', () => {
    const inherited = Object.create(envelope([fromCustomer({ message: { mid: 'm', text: 't' } })]) as object) as unknown;
    expect(parseWebhook(inherited)).toEqual({ object: null, events: [], ignored: 0 });
    const event = Object.create({ message: { mid: 'm_inherited', text: 't' } }) as Record<string, unknown>;
    Object.assign(event, fromCustomer({}));
    expect(parseWebhook(envelope([event])).events).toMatchObject([{ kind: 'unknown' }]);
  });

  it('caps the events handled per request and counts the rest as ignored', () => {
    const events = Array.from({ length: MAX_EVENTS_PER_REQUEST + 7 }, (_, i) => fromCustomer({ message: { mid: `m_${i}`, text: 'x' } }));
    const parsed = parseWebhook(envelope(events));
    expect(parsed.events).toHaveLength(MAX_EVENTS_PER_REQUEST);
    expect(parsed.ignored).toBe(7);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'page'],
    ['an array', [{ object: 'page' }]],
    ['no entry', { object: 'page' }],
    ['entry not a list', { object: 'page', entry: { id: PAGE } }],
  ])('returns nothing for %s', (_name, body) => {
    const parsed = parseWebhook(body);
    expect(parsed.events).toEqual([]);
  });

  it('survives exotic objects (throwing getters, proxies)', () => {
    const throwing = Object.defineProperty({}, 'entry', { enumerable: true, get: () => { throw new Error('boom'); } });
    expect(parseWebhook(throwing)).toEqual({ object: null, events: [], ignored: 1 });
    const proxy = new Proxy({}, { get: () => { throw new Error('boom'); }, has: () => { throw new Error('boom'); }, getOwnPropertyDescriptor: () => { throw new Error('boom'); } });
    expect(() => parseWebhook(proxy)).not.toThrow();
    const badEvent = Object.defineProperty(fromCustomer({}), 'message', { enumerable: true, get: () => { throw new Error('boom'); } });
    expect(parseWebhook(envelope([badEvent, fromCustomer({ read: { watermark: TS } })]))).toMatchObject({ ignored: 1, events: [{ kind: 'read' }] });
  });
});

describe('parseWebhook: properties', () => {
  it('never throws on anything', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true, withSet: true, withSparseArray: true }), (value) => {
        const parsed = parseWebhook(value);
        return Array.isArray(parsed.events) && parsed.ignored >= 0;
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on any JSON, nor on JSON placed where entries and events go', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        parseWebhook(value);
        parseWebhook({ object: 'page', entry: [value] });
        parseWebhook({ object: 'page', entry: [{ id: PAGE, messaging: [value], standby: value }] });
        parseWebhook(envelope([fromCustomer({ message: value })]));
        parseWebhook(envelope([fromCustomer({ postback: value, reaction: value })]));
      }),
      { numRuns: 500 },
    );
  });

  const id = fc.oneof(fc.bigInt({ min: 1n, max: 10n ** 17n }).map(String), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }));
  const mid = fc.string({ minLength: 1, maxLength: 60 }).map((s) => `m_${s}`);

  it('round-trips the fields of valid message envelopes', () => {
    fc.assert(
      fc.property(id, id, fc.integer({ min: 0, max: 2 ** 42 }), mid, fc.string({ maxLength: 3000 }), fc.boolean(), (page, sender, ts, m, text, standby) => {
        fc.pre(String(page) !== String(sender));
        const body = JSON.parse(
          JSON.stringify(
            envelope([{ sender: { id: sender }, recipient: { id: page }, timestamp: ts, message: { mid: m, text } }], standby ? 'standby' : 'messaging', page),
          ),
        ) as unknown;
        const parsed = parseWebhook(body);
        expect(parsed.ignored).toBe(0);
        expect(parsed.events).toEqual([
          {
            kind: 'message',
            pageId: String(page),
            source: standby ? 'standby' : 'messaging',
            senderId: String(sender),
            recipientId: String(page),
            timestamp: ts,
            dedupeKey: `message:${m}`,
            mid: m,
            text,
            attachments: [],
          },
        ]);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps valid events whole when siblings are mutated into junk', () => {
    const valid = fromCustomer({ message: { mid: 'm_valid', text: 'keep me' } });
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 5 }), fc.array(fc.jsonValue(), { maxLength: 5 }), (before, after) => {
        const parsed = parseWebhook(envelope([...before, valid, ...after]));
        const kept = parsed.events.filter((e) => e.dedupeKey === 'message:m_valid');
        expect(kept).toHaveLength(1);
        expect(kept[0]).toMatchObject({ text: 'keep me', senderId: PSID });
        expect(parsed.events.length + parsed.ignored).toBe(before.length + after.length + 1);
      }),
      { numRuns: 300 },
    );
  });

  it('never yields an event with an invalid id or timestamp, whatever a field is replaced with', () => {
    const paths: ((e: Record<string, unknown>, v: unknown) => void)[] = [
      (e, v) => { e.sender = v; },
      (e, v) => { e.sender = { id: v }; },
      (e, v) => { e.recipient = { id: v }; },
      (e, v) => { e.timestamp = v; },
      (e, v) => { e.message = { mid: v, text: 'x' }; },
      (e, v) => { e.message = { mid: 'm', text: v, attachments: v, quick_reply: v, reply_to: v }; },
    ];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: paths.length - 1 }), fc.jsonValue(), (which, value) => {
        const event = fromCustomer({ message: { mid: 'm', text: 'x' } });
        paths[which](event, value);
        for (const parsed of parseWebhook(envelope([event])).events) {
          expect(parsed.senderId).toMatch(/^[0-9]+$/);
          expect(parsed.recipientId).toMatch(/^[0-9]+$/);
          expect(Number.isSafeInteger(parsed.timestamp)).toBe(true);
          expect(typeof parsed.dedupeKey).toBe('string');
          if (parsed.kind === 'message') {
            expect(['string', 'undefined']).toContain(typeof parsed.text);
            expect(Array.isArray(parsed.attachments)).toBe(true);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
