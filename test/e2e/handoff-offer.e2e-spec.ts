import { DataEncryptionService } from '../../apps/server/src/crypto/data-encryption.service.js';
import { OUTBOX_BODY_PURPOSE } from '../../apps/server/src/outbound/outbox.service.js';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { hashNonce, LinkTokenService } from '@handoff/link-tokens';
import type { DataSource } from 'typeorm';
import { Clock } from '../../apps/server/src/handoff/clock.js';
import { HandoffService, NEW_LINK_PAYLOAD, PAGE_INBOX_APP_ID } from '../../apps/server/src/handoff/handoff.service.js';
import { SERVICE_MESSAGE_METADATA } from '../../apps/server/src/outbound/service-message.js';
import { dumpAllTables } from '../support/database-scan.js';
import { dataSourceOf, handoffAction, linkOf, newConversation, offerHandoff } from '../support/handoff.factory.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('HandoffService offers', () => {
  let server: TestApp;
  let db: DataSource;
  let clock: Clock;
  let handoffs: HandoffService;

  beforeAll(async () => {
    server = await startTestApp();
    db = dataSourceOf(server);
    clock = server.app.get(Clock);
    handoffs = server.app.get(HandoffService);
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  afterAll(async () => {
    await server.close();
  });

  const moveClock = (ms: number) => {
    const at = new Date(Date.now() + ms);
    jest.spyOn(clock, 'now').mockReturnValue(at);
    return at;
  };
  /** The outbox rows as the worker will send them (bodies unsealed). */
  const outboxOf = async (conversationId: string) =>
    (
      (await db.query(`SELECT kind, sealed_body FROM outbox_messages WHERE conversation_id = $1 ORDER BY created_at, id`, [conversationId])) as {
        kind: string;
        sealed_body: string;
      }[]
    ).map((row) => ({
      kind: row.kind,
      body: JSON.parse(server.app.get(DataEncryptionService).decrypt(row.sealed_body, OUTBOX_BODY_PURPOSE)) as Record<string, unknown>,
    }));
  const handoffRows = async (conversationId: string) =>
    (await db.query(`SELECT id, state, queue, trigger_id, trigger_version, detection, send_count, expires_at, offered_at FROM handoffs WHERE conversation_id = $1 ORDER BY offered_at`, [
      conversationId,
    ])) as { id: string; state: string; queue: string; trigger_id: string; trigger_version: number; detection: unknown; send_count: number; expires_at: Date; offered_at: Date }[];
  const auditActions = async (handoffId: string) =>
    ((await db.query(`SELECT action FROM audit_events WHERE resource_type = 'handoff' AND resource_id = $1 ORDER BY seq`, [handoffId])) as { action: string }[]).map(
      (r) => r.action,
    );

  it('offers once: a handoff row, a button template in the outbox, the conversation marked, an audit event', async () => {
    const offered = await offerHandoff(server);
    expect(offered.outcome).toBe('offered');
    const [row] = await handoffRows(offered.conversationId);
    expect(row).toMatchObject({ id: offered.handoffId, state: 'offered', queue: 'cards', trigger_version: 3, send_count: 1 });
    expect(row!.detection).toEqual({ entities: [{ type: 'CARD', count: 1 }], intent: { label: 'lost_card', confidence: 0.93, sensitive: true, theme: 'cards' } });
    // Lifetime from the trigger (600 s), within a second of the offer.
    expect(new Date(row!.expires_at).getTime() - new Date(row!.offered_at).getTime()).toBeGreaterThan(598_000);
    expect(new Date(row!.expires_at).getTime() - new Date(row!.offered_at).getTime()).toBeLessThanOrEqual(600_000);

    const outbox = await outboxOf(offered.conversationId);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]!.kind).toBe('message');
    expect(outbox[0]!.body).toMatchObject({
      recipient: { id: offered.psid },
      messaging_type: 'RESPONSE',
      message: {
        metadata: SERVICE_MESSAGE_METADATA,
        quick_replies: [{ content_type: 'text', title: 'New link', payload: NEW_LINK_PAYLOAD }],
        attachment: {
          type: 'template',
          payload: {
            template_type: 'button',
            text: 'For your security, please continue in our secure chat.',
            buttons: [{ type: 'web_url', title: 'Open secure chat', webview_height_ratio: 'full', messenger_extensions: false }],
          },
        },
      },
    });
    expect(offered.url).toBe(`${server.config.publicBaseUrl}/s/${offered.token}`);

    const conversation = (await db.query(`SELECT state FROM conversations WHERE id = $1`, [offered.conversationId])) as { state: string }[];
    expect(conversation[0]!.state).toBe('handoff_offered');
    await expect(auditActions(offered.handoffId)).resolves.toEqual(['handoff.offered']);
  });

  it('mints a link that carries only the handoff id and a 128-bit nonce, stored as its hash', async () => {
    const offered = await offerHandoff(server);
    const verified = await server.app.get(LinkTokenService).verify(offered.token);
    expect(verified.handoffId).toBe(offered.handoffId);
    const payload = JSON.parse(Buffer.from(offered.token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(payload).sort()).toEqual(['aud', 'exp', 'hid', 'iat', 'n']);
    expect(Buffer.from(verified.nonce, 'base64url')).toHaveLength(16);
    expect(offered.token).not.toContain(offered.psid);
    const links = (await db.query(`SELECT nonce_hash FROM handoff_links WHERE handoff_id = $1`, [offered.handoffId])) as { nonce_hash: string }[];
    expect(links).toEqual([{ nonce_hash: hashNonce(verified.nonce) }]);
    // Neither token nor nonce is stored in clear anywhere (the outbox keeps the URL sealed).
    const dump = await dumpAllTables(db);
    expect(dump).not.toContain(offered.token);
    expect(dump).not.toContain(verified.nonce);
  });

  it('suppresses repeated offers while one is live, and re-sends it at most once a minute', async () => {
    const offered = await offerHandoff(server);
    const again = await db.transaction((m) =>
      handoffs.offerFromMessenger(m, { ...offered, triggerId: 't', triggerVersion: 1, action: handoffAction(), detection: null }),
    );
    expect(again).toBe('suppressed');
    expect(await outboxOf(offered.conversationId)).toHaveLength(1);

    moveClock(61_000);
    const resent = await db.transaction((m) => handoffs.offerFromMessenger(m, { ...offered, triggerId: 't', triggerVersion: 1, action: handoffAction(), detection: null }));
    expect(resent).toBe('resent');
    const suppressed = await db.transaction((m) =>
      handoffs.offerFromMessenger(m, { ...offered, triggerId: 't', triggerVersion: 1, action: handoffAction(), detection: null }),
    );
    expect(suppressed).toBe('suppressed');

    const outbox = await outboxOf(offered.conversationId);
    expect(outbox).toHaveLength(2);
    const second = linkOf(outbox[1]!.body);
    expect(second.token).not.toBe(offered.token);
    // Same handoff, both links redeem it (once), the second expires with the handoff.
    const verified = await server.app.get(LinkTokenService).verify(second.token, { now: clock.now() });
    expect(verified.handoffId).toBe(offered.handoffId);
    const rows = await handoffRows(offered.conversationId);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.send_count).toBe(2);
    expect(verified.expiresAt.getTime()).toBeLessThanOrEqual(new Date(rows[0]!.expires_at).getTime());
    await expect(auditActions(offered.handoffId)).resolves.toEqual(['handoff.offered', 'handoff.link_resent']);
  });

  it('does not re-send an offer for a message that came in before the offer was sent (a late retry)', async () => {
    const offered = await offerHandoff(server);
    const sentAt = new Date(((await db.query(`SELECT last_sent_at FROM handoffs WHERE id = $1`, [offered.handoffId])) as { last_sent_at: Date }[])[0]!.last_sent_at);
    moveClock(61_000);
    const input = { ...offered, triggerId: 't', triggerVersion: 1, action: handoffAction(), detection: null };
    // the message that fired this reaction was stored before the offer went out: answered already
    const late = await db.transaction((m) => handoffs.offerFromMessenger(m, { ...input, messageAt: new Date(sentAt.getTime() - 1_000) }));
    expect(late).toBe('suppressed');
    const lateLink = await db.transaction((m) => handoffs.requestNewLink(m, { ...offered, messageAt: new Date(sentAt.getTime() - 1_000) }));
    expect(lateLink).toBe('suppressed');
    expect(await outboxOf(offered.conversationId)).toHaveLength(1);
    // a message stored after it, a minute on, gets the reminder
    const reminder = await db.transaction((m) => handoffs.offerFromMessenger(m, { ...input, messageAt: new Date(sentAt.getTime() + 60_000) }));
    expect(reminder).toBe('resent');
    expect(await outboxOf(offered.conversationId)).toHaveLength(2);
  });

  it('passes the thread to the Page Inbox when the trigger says so', async () => {
    const offered = await offerHandoff(server, { passThreadControl: true });
    const outbox = await outboxOf(offered.conversationId);
    expect(outbox.map((o) => o.kind)).toEqual(['message', 'pass_thread_control']);
    expect(outbox[1]!.body).toEqual({ target_app_id: PAGE_INBOX_APP_ID, metadata: SERVICE_MESSAGE_METADATA });
    const other = await offerHandoff(server, { passThreadControl: true, targetAppId: '1234567890' });
    expect((await outboxOf(other.conversationId))[1]!.body).toMatchObject({ target_app_id: '1234567890' });
  });

  it('answers a request for a new link: none before any offer, the live one, or a fresh one after expiry', async () => {
    const fresh = await newConversation(server);
    await expect(db.transaction((m) => handoffs.requestNewLink(m, fresh))).resolves.toBe('no_previous_offer');

    const offered = await offerHandoff(server, { passThreadControl: true });
    // Within the minute: nothing new.
    await expect(db.transaction((m) => handoffs.requestNewLink(m, offered))).resolves.toBe('suppressed');

    moveClock(11 * 60_000);
    await expect(db.transaction((m) => handoffs.requestNewLink(m, offered))).resolves.toBe('offered');
    const rows = await handoffRows(offered.conversationId);
    expect(rows.map((r) => r.state)).toEqual(['expired', 'offered']);
    expect(rows[1]!.queue).toBe('cards');
    await expect(auditActions(offered.handoffId)).resolves.toEqual(['handoff.offered', 'handoff.expired']);
    // The expired offer's thread was taken back; the new one passes it again.
    const kinds = (await outboxOf(offered.conversationId)).map((o) => o.kind);
    expect(kinds).toEqual(['message', 'pass_thread_control', 'take_thread_control', 'message', 'pass_thread_control']);
  });

  it('replaces a live offer that is about to expire instead of re-sending a dying link', async () => {
    const offered = await offerHandoff(server, { linkTtlSeconds: 90 });
    moveClock(61_000);
    await expect(db.transaction((m) => handoffs.requestNewLink(m, offered))).resolves.toBe('offered');
    const rows = await handoffRows(offered.conversationId);
    expect(rows.map((r) => r.state)).toEqual(['expired', 'offered']);
  });

  it('does not offer again while a secure session is under way', async () => {
    const offered = await offerHandoff(server);
    await db.query(`UPDATE handoffs SET state = 'redeemed' WHERE id = $1`, [offered.handoffId]);
    moveClock(120_000);
    await expect(
      db.transaction((m) => handoffs.offerFromMessenger(m, { ...offered, triggerId: 't', triggerVersion: 1, action: handoffAction(), detection: null })),
    ).resolves.toBe('suppressed');
    await expect(db.transaction((m) => handoffs.requestNewLink(m, offered))).resolves.toBe('suppressed');
  });

  it('keeps at most one live offer per conversation under concurrent triggers', async () => {
    const conversation = await newConversation(server);
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () =>
        db.transaction((m) => handoffs.offerFromMessenger(m, { ...conversation, triggerId: 't', triggerVersion: 1, action: handoffAction(), detection: null })),
      ),
    );
    expect(outcomes.filter((o) => o === 'offered')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'suppressed')).toHaveLength(7);
    expect(await handoffRows(conversation.conversationId)).toHaveLength(1);
  });

  it('expires offers in the periodic sweep with the injected clock', async () => {
    const offered = await offerHandoff(server, { linkTtlSeconds: 60 });
    await handoffs.sweepExpired();
    expect((await handoffRows(offered.conversationId))[0]!.state).toBe('offered');
    moveClock(61_000);
    await expect(handoffs.sweepExpired()).resolves.toBeGreaterThanOrEqual(1);
    expect((await handoffRows(offered.conversationId))[0]!.state).toBe('expired');
    const conversation = (await db.query(`SELECT state FROM conversations WHERE id = $1`, [offered.conversationId])) as { state: string }[];
    expect(conversation[0]!.state).toBe('open');
  });
});
