import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ConversationReactionsService, type Reaction } from '../../apps/server/src/webhook/conversation-reactions.service.js';
import { IntakeWriterService } from '../../apps/server/src/webhook/intake-writer.service.js';
import { dumpAllTables, luhnValidRuns } from '../support/database-scan.js';
import { handoffAction } from '../support/handoff.factory.js';
import { envelope, messagingEvent, metaJson, newMid, newPsid, signedRequest } from '../support/messenger.factory.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('Messenger webhook intake', () => {
  let server: TestApp;
  let db: DataSource;
  let pageId: string;
  let secret: string;
  const secondSecret = 'second-app-secret-for-rotation-0123456789';

  beforeAll(async () => {
    server = await startTestApp();
    // A second instance of the config with two secrets would need another app; rotation is tested
    // by restarting below. Here: the first secret of the configured list.
    db = server.app.get<DataSource>(getDataSourceToken());
    pageId = server.config.messenger.pageId;
    secret = server.config.messenger.appSecrets[0]!;
  });

  afterAll(async () => {
    await server.close();
  });

  const post = (body: string, init: RequestInit = signedRequest(body, secret)) => server.request('/webhooks/messenger', init);
  const countRows = async (psid: string) => {
    const [row] = await db.query(
      `SELECT (SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.psid = $1)::int AS messages,
              (SELECT count(*) FROM conversations WHERE psid = $1)::int AS conversations,
              (SELECT count(*) FROM outbox_messages WHERE recipient_psid = $1)::int AS outbox`,
      [psid],
    );
    return row as { messages: number; conversations: number; outbox: number };
  };
  const messagesOf = async (psid: string) =>
    (await db.query(
      `SELECT m.seq, m.direction, m.author, m.kind, m.mid, m.redacted_text, m.sensitive, m.detection, m.attachment_types, m.attachment_count
       FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.psid = $1 ORDER BY m.seq`,
      [psid],
    )) as {
      seq: number;
      direction: string;
      author: string;
      kind: string;
      mid: string;
      redacted_text: string | null;
      sensitive: boolean;
      detection: { entities: { type: string; count: number }[] } | null;
      attachment_types: string[];
      attachment_count: number;
    }[];

  describe('verification (GET)', () => {
    it('echoes the challenge as text for the right token', async () => {
      const token = server.config.messenger.verifyToken;
      const response = await server.request(`/webhooks/messenger?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=1158201444`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      await expect(response.text()).resolves.toBe('1158201444');
    });

    it('refuses a wrong token or mode with 403', async () => {
      const token = server.config.messenger.verifyToken;
      const wrong = await server.request(`/webhooks/messenger?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`);
      expect(wrong.status).toBe(403);
      const mode = await server.request(`/webhooks/messenger?hub.mode=unsubscribe&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=1`);
      expect(mode.status).toBe(403);
    });
  });

  describe('signature (POST)', () => {
    it('refuses a flipped byte, a wrong secret, no header and re-serialised JSON with 403, storing nothing', async () => {
      const psid = newPsid();
      const body = metaJson(envelope(pageId, [messagingEvent({ pageId, psid, text: 'Grüße, my card 4111 1111 1111 1111' })]));
      const flipped = Buffer.from(body);
      flipped[20] = flipped[20]! ^ 0x01;
      const attempts: RequestInit[] = [
        { ...signedRequest(body, secret), body: flipped },
        signedRequest(body, 'the-wrong-app-secret-0123456789'),
        { method: 'POST', headers: { 'content-type': 'application/json' }, body },
        { ...signedRequest(body, secret), body: JSON.stringify(JSON.parse(body)) },
        { ...signedRequest(body, secret), headers: { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=zz' } },
      ];
      for (const init of attempts) {
        const response = await post(body, init);
        expect(response.status).toBe(403);
      }
      await expect(countRows(psid)).resolves.toEqual({ messages: 0, conversations: 0, outbox: 0 });
      const [{ count }] = await db.query(`SELECT count(*)::int AS count FROM messenger_events WHERE page_id = $1 AND dedupe_key LIKE 'x%'`, [pageId]);
      expect(count).toBe(0);
    });

    it('answers 400 to authentic but malformed JSON, 413 over 1 MB, and stays up', async () => {
      const malformed = await post('{"object":"page","entry":[');
      expect(malformed.status).toBe(400);
      const big = metaJson(envelope(pageId, [messagingEvent({ pageId, psid: newPsid(), text: 'x'.repeat(1_100_000) })]));
      const tooLarge = await post(big);
      expect(tooLarge.status).toBe(413);
      const health = await server.request('/health');
      expect(health.status).toBe(200);
    });
  });

  describe('events', () => {
    it('stores only redacted text and a summary of what was found', async () => {
      const psid = newPsid();
      const body = metaJson(envelope(pageId, [messagingEvent({ pageId, psid, text: 'hi my card is 4111 1111 1111 1111 and my ssn is 078-05-1120' })]));
      const response = await post(body);
      expect(response.status).toBe(200);
      const [message] = await messagesOf(psid);
      expect(message).toBeDefined();
      expect(message!.redacted_text).not.toContain('4111 1111 1111 1111');
      expect(message!.redacted_text).not.toContain('078-05-1120');
      expect(message!.redacted_text).toContain('1111');
      expect(message!.sensitive).toBe(true);
      const types = message!.detection!.entities.map((e) => e.type).sort();
      expect(types).toEqual(['CARD', 'SSN']);
    });

    it('keeps Meta order within a batch and across entries, and records attachments by type and count', async () => {
      const psid = newPsid();
      const t = Date.now();
      const body = metaJson({
        object: 'page',
        entry: [
          { id: pageId, time: t, messaging: [messagingEvent({ pageId, psid, text: 'first', timestamp: t }), messagingEvent({ pageId, psid, text: 'second', timestamp: t + 1 })] },
          {
            id: pageId,
            time: t,
            messaging: [messagingEvent({ pageId, psid, timestamp: t + 2, attachments: [{ type: 'image', payload: { url: 'https://cdn.example/a.jpg' } }, { type: 'file', payload: { url: 'https://cdn.example/b.pdf' } }] })],
          },
        ],
      });
      expect((await post(body)).status).toBe(200);
      const messages = await messagesOf(psid);
      expect(messages.map((m) => [m.seq, m.kind, m.redacted_text])).toEqual([
        [1, 'text', 'first'],
        [2, 'text', 'second'],
        [3, 'attachments', null],
      ]);
      expect(messages[2]!.attachment_types).toEqual(['image', 'file']);
      expect(messages[2]!.attachment_count).toBe(2);
      expect(JSON.stringify(messages)).not.toContain('cdn.example');
    });

    it('stores a message holding NUL characters (which PostgreSQL text refuses) instead of failing the delivery', async () => {
      const psid = newPsid();
      const body = metaJson(envelope(pageId, [messagingEvent({ pageId, psid, text: 'hello\u0000world', mid: `m_nul\u0000${newMid()}` })]));
      expect((await post(body)).status).toBe(200);
      const [message] = await messagesOf(psid);
      expect(message!.redacted_text).toBe('hello\ufffdworld');
    });

    it('stores a message whose timestamp no date (or no PostgreSQL date) can hold, at its arrival time', async () => {
      // beyond what a JavaScript date holds; and after the year 9999, which PostgreSQL refuses
      for (const timestamp of [9_007_199_254_740_000, 260_000_000_000_000]) {
        const psid = newPsid();
        const body = metaJson(envelope(pageId, [messagingEvent({ pageId, psid, text: 'hello', timestamp })]));
        expect((await post(body)).status).toBe(200);
        await expect(countRows(psid)).resolves.toMatchObject({ messages: 1 });
      }
    });

    it('gives one message for five concurrent copies of one mid', async () => {
      const psid = newPsid();
      const body = metaJson(envelope(pageId, [messagingEvent({ pageId, psid, text: 'hello there', mid: newMid() })]));
      const responses = await Promise.all(Array.from({ length: 5 }, () => post(body)));
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      await expect(countRows(psid)).resolves.toMatchObject({ messages: 1, conversations: 1 });
    });

    it('records echoes as the Page speaking, never as customer input', async () => {
      const psid = newPsid();
      const echo = { sender: { id: pageId }, recipient: { id: psid }, timestamp: Date.now(), message: { mid: newMid(), is_echo: true, app_id: 263902037430900, text: 'Hello from the bank' } };
      expect((await post(metaJson(envelope(pageId, [echo])))).status).toBe(200);
      const [message] = await messagesOf(psid);
      expect(message).toMatchObject({ direction: 'outbound', author: 'page', redacted_text: 'Hello from the bank' });
    });

    it('ignores events for unknown Pages and unknown objects with 200', async () => {
      const psid = newPsid();
      const unknownPage = '999999999999999';
      expect((await post(metaJson(envelope(unknownPage, [messagingEvent({ pageId: unknownPage, psid, text: 'hi' })])))).status).toBe(200);
      expect((await post(metaJson({ object: 'instagram', entry: [] }))).status).toBe(200);
      expect((await post(metaJson({ object: 'page', entry: [{ id: pageId, messaging: [{ sender: { id: psid }, weird: true }] }] }))).status).toBe(200);
      await expect(countRows(psid)).resolves.toMatchObject({ messages: 0, conversations: 0 });
    });

    it('records receipts once and stores no content for them', async () => {
      const psid = newPsid();
      const delivery = { sender: { id: psid }, recipient: { id: pageId }, timestamp: Date.now(), delivery: { mids: [newMid()], watermark: Date.now() } };
      const body = metaJson(envelope(pageId, [delivery]));
      expect((await post(body)).status).toBe(200);
      expect((await post(body)).status).toBe(200);
      await expect(countRows(psid)).resolves.toMatchObject({ messages: 0 });
    });
  });

  it('leaves no raw card number, SSN or IBAN anywhere in the database', async () => {
    const psid = newPsid();
    const secrets = ['4111 1111 1111 1111', '5500-0055-5555-5559', '078-05-1120', 'GB82 WEST 1234 5698 7654 32', 'DE89370400440532013000'];
    const texts = [
      'my visa is 4111 1111 1111 1111 exp 12/27',
      'card 5500-0055-5555-5559 was charged twice',
      'ssn 078-05-1120',
      'send it to GB82 WEST 1234 5698 7654 32 please',
      'iban DE89370400440532013000',
    ];
    for (const text of texts) {
      expect((await post(metaJson(envelope(pageId, [messagingEvent({ pageId, psid, text })])))).status).toBe(200);
    }
    const dump = await dumpAllTables(db);
    for (const secret of secrets) {
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(secret.replace(/[ -]/g, ''));
    }
    const ids = new Set(((await db.query(`SELECT psid AS id FROM conversations UNION SELECT page_id FROM pages`)) as { id: string }[]).map((r) => r.id));
    expect(luhnValidRuns(dump).filter((run) => !ids.has(run))).toEqual([]);
  });

  it('carries out a fired trigger once per message, even when its job runs again', async () => {
    const psid = newPsid();
    const body = metaJson(envelope(pageId, [messagingEvent({ pageId, psid, text: 'I lost my card, please block it' })]));
    expect((await post(body)).status).toBe(200);
    const [message] = (await db.query(
      `SELECT m.id, m.conversation_id, m.trigger_id, m.trigger_version FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.psid = $1`,
      [psid],
    )) as { id: string; conversation_id: string; trigger_id: string | null; trigger_version: number | null }[];
    expect(message!.trigger_id).not.toBeNull();
    const handoffs = async () =>
      ((await db.query(`SELECT count(*)::int AS n FROM handoffs WHERE conversation_id = $1`, [message!.conversation_id])) as { n: number }[])[0]!.n;
    const deadline = Date.now() + 10_000;
    while ((await handoffs()) === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await handoffs()).toBe(1);

    const reactedAt = async () =>
      ((await db.query(`SELECT reacted_at::text AS at FROM messages WHERE id = $1`, [message!.id])) as { at: string | null }[])[0]!.at;
    const first = await reactedAt();
    expect(first).not.toBeNull();

    // The same job again (a retry after a crash): claimed already, so nothing happens.
    const reactions = server.app.get(ConversationReactionsService);
    const decision = reactions.decide({ pageId, psid, standby: false, text: 'I lost my card, please block it', detection: null, attachmentTypes: [] });
    await reactions.carryOut({ messageId: message!.id, conversationId: message!.conversation_id, pageId, psid, detection: null, reaction: decision ?? { type: 'new_link' } });
    expect(await handoffs()).toBe(1);
    expect(await reactedAt()).toBe(first);
    const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM outbox_messages WHERE conversation_id = $1`, [message!.conversation_id])) as { n: number }[];
    expect(n).toBe(1);
  });

  it("makes one offer for a burst of sensitive messages and carries out every message's reaction", async () => {
    const psid = newPsid();
    const texts = ['I lost my card, please block it', 'my card was stolen', 'someone took my card, block it please'];
    const body = metaJson(envelope(pageId, texts.map((text) => messagingEvent({ pageId, psid, text, mid: newMid() }))));
    expect((await post(body)).status).toBe(200);
    const state = async () =>
      ((await db.query(
        `SELECT (SELECT count(*)::int FROM handoffs h WHERE h.conversation_id = c.id) AS handoffs,
                (SELECT count(*)::int FROM outbox_messages o WHERE o.conversation_id = c.id) AS outbox,
                (SELECT count(*)::int FROM messages m WHERE m.conversation_id = c.id AND m.trigger_id IS NOT NULL) AS triggered,
                (SELECT count(*)::int FROM messages m WHERE m.conversation_id = c.id AND m.reacted_at IS NOT NULL) AS reacted
           FROM conversations c WHERE c.page_id = $1 AND c.psid = $2`,
        [pageId, psid],
      )) as { handoffs: number; outbox: number; triggered: number; reacted: number }[])[0]!;
    const deadline = Date.now() + 10_000;
    while ((await state()).reacted < texts.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await state()).toEqual({ handoffs: 1, outbox: 1, triggered: 3, reacted: 3 });
  });

  it('carries out the other reactions of a list when one fails, and leaves the failed one for the retry', async () => {
    const writer = server.app.get(IntakeWriterService);
    const reactions = server.app.get(ConversationReactionsService);
    const [failing, working] = [newPsid(), newPsid()];
    const stored = async (psid: string) => {
      const mid = newMid();
      const rows = [{ pageId, dedupeKey: `mid:${mid}`, eventKind: 'message', message: {
        psid, customerAt: new Date(), direction: 'inbound' as const, author: 'customer' as const, kind: 'text' as const, mid, redactedText: 'I lost my card', sensitive: true,
        detection: null, attachmentTypes: [], triggerId: null, triggerVersion: null, sentAt: new Date(), reaction: null } }];
      await Promise.all(writer.write(rows));
      return ((await db.query(
        `SELECT m.id, m.conversation_id FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.page_id = $1 AND c.psid = $2`,
        [pageId, psid],
      )) as { id: string; conversation_id: string }[])[0]!;
    };
    const [a, b] = [await stored(failing), await stored(working)];
    const reaction = { type: 'trigger' as const, decision: { triggerId: null, version: 1, action: handoffAction() } } as unknown as Reaction;
    // the first names a conversation that does not exist: its handoff cannot be written
    await expect(
      reactions.carryOut([
        { messageId: a.id, conversationId: randomUUID(), pageId, psid: failing, detection: null, reaction },
        { messageId: b.id, conversationId: b.conversation_id, pageId, psid: working, detection: null, reaction },
      ]),
    ).rejects.toThrow();
    const state = (await db.query(
      `SELECT m.id, m.reacted_at IS NOT NULL AS reacted, (SELECT count(*)::int FROM handoffs h WHERE h.conversation_id = m.conversation_id) AS handoffs
         FROM messages m WHERE m.id = ANY($1)`,
      [[a.id, b.id]],
    )) as { id: string; reacted: boolean; handoffs: number }[];
    expect(state.find((r) => r.id === a.id)).toMatchObject({ reacted: false, handoffs: 0 });
    expect(state.find((r) => r.id === b.id)).toMatchObject({ reacted: true, handoffs: 1 });
  });

  it('accepts any configured app secret during rotation', async () => {
    const rotated = await startTestApp({}, { ...server.config, port: 0, messenger: { ...server.config.messenger, appSecrets: [secondSecret, secret] } });
    try {
      const psid = newPsid();
      const body = metaJson(envelope(pageId, [messagingEvent({ pageId, psid, text: 'hello' })]));
      expect((await rotated.request('/webhooks/messenger', signedRequest(body, secret))).status).toBe(200);
      const other = metaJson(envelope(pageId, [messagingEvent({ pageId, psid, text: 'again' })]));
      expect((await rotated.request('/webhooks/messenger', signedRequest(other, secondSecret))).status).toBe(200);
      await expect(countRows(psid)).resolves.toMatchObject({ messages: 2 });
    } finally {
      await rotated.close();
    }
  });
});
