import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { hashNonce, LinkTokenService } from '@handoff/link-tokens';
import { buildButtonTemplate, buildTextMessage, SEND_LIMITS } from '@handoff/messenger';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { AuditActorType } from '../audit/audit.types.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { DetectionSummary } from '../conversations/message.entity.js';
import { OutboxService, type OutboxItem } from '../outbound/outbox.service.js';
import { SERVICE_MESSAGE_METADATA } from '../outbound/service-message.js';
import { Clock } from './clock.js';
import { HandoffEvents } from './handoff.events.js';
import { updateReturning } from './returning.js';
import type { HandoffAction, HandoffState, NewLinkOutcome, OfferInput, OfferOutcome } from './handoff.types.js';

/** Quick-reply payload of the "New link" button; the reactions service routes it to requestNewLink. */
export const NEW_LINK_PAYLOAD = 'SECURE_HANDOFF_NEW_LINK';
/** Typed texts that ask for a new link, compared after trimming and lower-casing. */
export const NEW_LINK_PHRASES: readonly string[] = ['new link', 'new link please', 'send a new link', 'send new link'];
/** The Page Inbox app (MESSENGER.md), the default target of pass_thread_control. */
export const PAGE_INBOX_APP_ID = '263902037430900';
/** A live offer is sent again at most this often, however many messages arrive. */
export const RESEND_INTERVAL_MS = 60_000;
/** A live offer with less time left than this is replaced by a fresh one instead of re-sent. */
const MIN_RESEND_REMAINING_SECONDS = 60;
const BUTTON_TITLE = 'Open secure chat';
const NEW_LINK_TITLE = 'New link';
const DEFAULT_OFFER_TEXT = 'For your security, let us continue this conversation in our secure chat.';
export const CLOSING_TEXT = 'Your secure conversation has ended. You can write to us here at any time.';

/** The row columns the lifecycle works with (no sealed identity). */
interface HandoffRow {
  id: string;
  conversation_id: string;
  page_id: string;
  psid: string;
  trigger_id: string | null;
  trigger_version: number | null;
  detection: DetectionSummary | null;
  queue: string;
  message_text: string;
  state: HandoffState;
  link_ttl_seconds: number;
  thread_passed_to: string | null;
  expires_at: Date;
  last_sent_at: Date;
}

const ROW_COLUMNS = `id, conversation_id, page_id, psid, trigger_id, trigger_version, detection, queue, message_text, state,
  link_ttl_seconds, thread_passed_to, expires_at, last_sent_at`;

export interface Actor {
  type: AuditActorType;
  id?: string;
  origin: string;
}

/** Whether the live offer went out (first or again) after the message that asks for it was stored. */
function sentSince(live: HandoffRow, messageAt: Date | undefined): boolean {
  return messageAt !== undefined && new Date(live.last_sent_at).getTime() > messageAt.getTime();
}

const SYSTEM: Actor = { type: 'system', origin: 'system' };
const WEBHOOK: Actor = { type: 'system', origin: 'webhook' };

/**
 * The handoff lifecycle on the Messenger side: offers (with their links and outbox rows), re-sends,
 * new links, expiry, revocation and closing. Every transition is one conditional UPDATE and one audit
 * event in the same transaction. Times come from the injected Clock.
 */
@Injectable()
export class HandoffService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly links: LinkTokenService,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly events: HandoffEvents,
  ) {}

  /**
   * A `handoff` trigger fired: offer the secure chat, unless an offer is live (then re-send it, at
   * most once a minute, and not at all when it was sent after the message came in: a reaction
   * carried out late, on a retry, is answered already) or a secure session is already under way.
   * Runs in the caller's transaction.
   */
  async offerFromMessenger(manager: EntityManager, input: OfferInput): Promise<OfferOutcome> {
    const now = this.clock.now();
    const { live, inSession } = await this.lockConversation(manager, input.conversationId, now);
    if (live) return sentSince(live, input.messageAt) ? 'suppressed' : this.resend(manager, live, now);
    if (inSession) return 'suppressed';
    await this.create(manager, {
      conversationId: input.conversationId,
      pageId: input.pageId,
      psid: input.psid,
      triggerId: input.triggerId,
      triggerVersion: input.triggerVersion,
      detection: input.detection,
      action: input.action,
      reason: 'trigger',
      now,
    });
    return 'offered';
  }

  /** The customer asked for a new link ("new link" or the quick reply). Runs in the caller's transaction. */
  async requestNewLink(manager: EntityManager, input: { conversationId: string; pageId: string; psid: string; messageAt?: Date }): Promise<NewLinkOutcome> {
    const now = this.clock.now();
    const { live, inSession } = await this.lockConversation(manager, input.conversationId, now);
    if (live) return sentSince(live, input.messageAt) ? 'suppressed' : this.resend(manager, live, now);
    if (inSession) return 'suppressed';
    const previous = (await manager.query(
      `SELECT ${ROW_COLUMNS} FROM handoffs WHERE conversation_id = $1 ORDER BY offered_at DESC LIMIT 1`,
      [input.conversationId],
    )) as HandoffRow[];
    const last = previous[0];
    if (!last) return 'no_previous_offer';
    await this.create(manager, {
      conversationId: input.conversationId,
      pageId: input.pageId,
      psid: input.psid,
      triggerId: last.trigger_id,
      triggerVersion: last.trigger_version,
      detection: last.detection,
      action: {
        type: 'handoff',
        queue: last.queue,
        messageText: last.message_text,
        linkTtlSeconds: last.link_ttl_seconds,
        passThreadControl: last.thread_passed_to !== null,
        ...(last.thread_passed_to ? { targetAppId: last.thread_passed_to } : {}),
      },
      reason: 'customer_request',
      now,
    });
    return 'offered';
  }

  /** Marks every offer past its expiry as expired (the periodic sweep; also done lazily on access). */
  async sweepExpired(): Promise<number> {
    const now = this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `SELECT ${ROW_COLUMNS} FROM handoffs WHERE state IN ('offered', 'opened') AND expires_at <= $1 ORDER BY expires_at LIMIT 500 FOR UPDATE SKIP LOCKED`,
        [now],
      )) as HandoffRow[];
      let expired = 0;
      for (const row of rows) if (await this.expire(manager, row, now)) expired++;
      return expired;
    });
  }

  /** Expires one handoff if it is an offer past its expiry; true when it did. */
  async expireIfDue(manager: EntityManager, handoffId: string, now: Date): Promise<boolean> {
    const rows = (await manager.query(
      `SELECT ${ROW_COLUMNS} FROM handoffs WHERE id = $1 AND state IN ('offered', 'opened') AND expires_at <= $2 FOR UPDATE`,
      [handoffId, now],
    )) as HandoffRow[];
    return rows[0] ? this.expire(manager, rows[0], now) : false;
  }

  /** Staff revoke a handoff: its link and its customer session stop working at once. */
  async revoke(handoffId: string, actor: Actor, reason: string | null): Promise<boolean> {
    const now = this.clock.now();
    const revoked = await this.dataSource.transaction(async (manager) => {
      const rows = await updateReturning<HandoffRow>(
        manager,
        `UPDATE handoffs SET state = 'revoked', revoked_at = $2, revoked_by = $3, revoked_reason = $4, updated_at = $2
          WHERE id = $1 AND state NOT IN ('closed', 'expired', 'revoked') RETURNING ${ROW_COLUMNS}`,
        [handoffId, now, actor.id ?? null, reason],
      );
      const row = rows[0];
      if (!row) return false;
      await manager.query(`UPDATE customer_sessions SET revoked_at = $2 WHERE handoff_id = $1 AND revoked_at IS NULL`, [handoffId, now]);
      await this.afterEnd(manager, row, false);
      await this.record(manager, 'handoff.revoked', row.id, actor, { conversationId: row.conversation_id, reason });
      return true;
    });
    if (revoked) this.events.emitRevoked(handoffId);
    return revoked;
  }

  /** The secure conversation ended: the thread is taken back and the customer told, with no content. */
  async close(handoffId: string, actor: Actor): Promise<boolean> {
    const now = this.clock.now();
    const closed = await this.dataSource.transaction(async (manager) => {
      const rows = await updateReturning<HandoffRow>(
        manager,
        `UPDATE handoffs SET state = 'closed', closed_at = $2, updated_at = $2
          WHERE id = $1 AND state IN ('redeemed', 'verified', 'active') RETURNING ${ROW_COLUMNS}`,
        [handoffId, now],
      );
      const row = rows[0];
      if (!row) return false;
      await manager.query(`UPDATE customer_sessions SET revoked_at = $2 WHERE handoff_id = $1 AND revoked_at IS NULL`, [handoffId, now]);
      await this.afterEnd(manager, row, true);
      await this.record(manager, 'handoff.closed', row.id, actor, { conversationId: row.conversation_id });
      return true;
    });
    if (closed) this.events.emitClosed(handoffId);
    return closed;
  }

  private async create(
    manager: EntityManager,
    input: {
      conversationId: string;
      pageId: string;
      psid: string;
      triggerId: string | null;
      triggerVersion: number | null;
      detection: DetectionSummary | null;
      action: HandoffAction;
      reason: 'trigger' | 'customer_request' | 'replaced';
      now: Date;
    },
  ): Promise<string> {
    const { action, now } = input;
    const id = randomUUID();
    const ttl = this.ttlOf(action);
    const messageText = offerText(action.messageText);
    const minted = await this.links.mint({ handoffId: id, ttlSeconds: ttl, now });
    const threadTarget = action.passThreadControl ? (action.targetAppId?.trim() || PAGE_INBOX_APP_ID) : null;
    // the handoff, its link and the conversation's state in one statement (one round trip)
    await manager.query(
      `WITH handoff AS (
         INSERT INTO handoffs (id, conversation_id, page_id, psid, trigger_id, trigger_version, detection, queue, message_text, state,
                               link_ttl_seconds, thread_passed_to, expires_at, last_sent_at, offered_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'offered', $10, $11, $12, $13, $13, $13)
         RETURNING id
       ), link AS (
         INSERT INTO handoff_links (nonce_hash, handoff_id, kid, issued_at, expires_at) SELECT $14, id, $15, $16, $12 FROM handoff
       ), conversation AS (
         UPDATE conversations SET state = 'handoff_offered', updated_at = now() WHERE id = $2
       )
       SELECT 1`,
      [
        id,
        input.conversationId,
        input.pageId,
        input.psid,
        input.triggerId,
        input.triggerVersion,
        input.detection ? JSON.stringify(contentFree(input.detection)) : null,
        action.queue,
        messageText,
        ttl,
        threadTarget,
        minted.expiresAt,
        now,
        hashNonce(minted.nonce),
        minted.kid,
        minted.issuedAt,
      ],
    );
    const items: OutboxItem[] = [this.offerMessage(input, messageText, minted.token)];
    if (threadTarget) {
      items.push({
        conversationId: input.conversationId,
        pageId: input.pageId,
        psid: input.psid,
        kind: 'pass_thread_control',
        body: { target_app_id: threadTarget, metadata: SERVICE_MESSAGE_METADATA },
      });
    }
    await this.outbox.enqueue(manager, items);
    await this.record(manager, 'handoff.offered', id, WEBHOOK, {
      conversationId: input.conversationId,
      reason: input.reason,
      triggerId: input.triggerId,
      triggerVersion: input.triggerVersion,
      queue: action.queue,
      detection: input.detection ? contentFree(input.detection) : null,
      kid: minted.kid,
      expiresAt: minted.expiresAt,
      threadPassedTo: threadTarget,
    });
    return id;
  }

  /** The live offer again, with a fresh link to the same handoff (both links redeem it, once). */
  private async resend(manager: EntityManager, live: HandoffRow, now: Date): Promise<OfferOutcome> {
    if (now.getTime() - new Date(live.last_sent_at).getTime() < RESEND_INTERVAL_MS) return 'suppressed';
    const remaining = Math.floor((new Date(live.expires_at).getTime() - now.getTime()) / 1000);
    if (remaining < MIN_RESEND_REMAINING_SECONDS) {
      // About to expire: a link that dies in seconds helps nobody. Replace the offer.
      await this.expire(manager, live, now, true);
      await this.create(manager, {
        conversationId: live.conversation_id,
        pageId: live.page_id,
        psid: live.psid,
        triggerId: live.trigger_id,
        triggerVersion: live.trigger_version,
        detection: live.detection,
        action: {
          type: 'handoff',
          queue: live.queue,
          messageText: live.message_text,
          linkTtlSeconds: live.link_ttl_seconds,
          passThreadControl: live.thread_passed_to !== null,
          ...(live.thread_passed_to ? { targetAppId: live.thread_passed_to } : {}),
        },
        reason: 'replaced',
        now,
      });
      return 'offered';
    }
    const minted = await this.links.mint({ handoffId: live.id, ttlSeconds: remaining, now });
    await this.storeLink(manager, live.id, minted);
    await manager.query(`UPDATE handoffs SET last_sent_at = $2, send_count = send_count + 1, updated_at = $2 WHERE id = $1`, [live.id, now]);
    await this.outbox.enqueue(manager, [
      this.offerMessage({ conversationId: live.conversation_id, pageId: live.page_id, psid: live.psid }, live.message_text, minted.token),
    ]);
    await this.record(manager, 'handoff.link_resent', live.id, WEBHOOK, { conversationId: live.conversation_id, kid: minted.kid, expiresAt: minted.expiresAt });
    return 'resent';
  }

  /** `replaced`: ended early because a fresh offer takes its place. */
  private async expire(manager: EntityManager, row: HandoffRow, now: Date, replaced = false): Promise<boolean> {
    const updated = await updateReturning<{ id: string }>(
      manager,
      `UPDATE handoffs SET state = 'expired', expired_at = $2, updated_at = $2
        WHERE id = $1 AND state IN ('offered', 'opened') AND ($3 OR expires_at <= $2) RETURNING id`,
      [row.id, now, replaced],
    );
    if (updated.length === 0) return false;
    await this.afterEnd(manager, row, false);
    await this.record(manager, 'handoff.expired', row.id, SYSTEM, { conversationId: row.conversation_id, expiresAt: row.expires_at, replaced });
    return true;
  }

  /** After a handoff ends: the conversation is open again, and a passed thread is taken back. */
  private async afterEnd(manager: EntityManager, row: HandoffRow, closingMessage: boolean): Promise<void> {
    await manager.query(
      `UPDATE conversations SET state = 'open', updated_at = now() WHERE id = $1 AND state IN ('handoff_offered', 'handed_off')
         AND NOT EXISTS (SELECT 1 FROM handoffs WHERE conversation_id = $1 AND id <> $2 AND state IN ('offered', 'opened', 'redeemed', 'verified', 'active'))`,
      [row.conversation_id, row.id],
    );
    const items: OutboxItem[] = [];
    const base = { conversationId: row.conversation_id, pageId: row.page_id, psid: row.psid };
    if (row.thread_passed_to) items.push({ ...base, kind: 'take_thread_control', body: { metadata: SERVICE_MESSAGE_METADATA } });
    if (closingMessage) {
      items.push({ ...base, kind: 'message', body: buildTextMessage(row.psid, CLOSING_TEXT, { messagingType: 'RESPONSE', metadata: SERVICE_MESSAGE_METADATA }) });
    }
    if (items.length > 0) await this.outbox.enqueue(manager, items);
  }

  private offerMessage(target: { conversationId: string; pageId: string; psid: string }, text: string, token: string): OutboxItem {
    const url = `${this.config.publicBaseUrl}/s/${token}`;
    return {
      conversationId: target.conversationId,
      pageId: target.pageId,
      psid: target.psid,
      kind: 'message',
      body: buildButtonTemplate(
        target.psid,
        { text, buttons: [{ title: BUTTON_TITLE, url }] },
        { messagingType: 'RESPONSE', metadata: SERVICE_MESSAGE_METADATA, quickReplies: [{ title: NEW_LINK_TITLE, payload: NEW_LINK_PAYLOAD }] },
      ),
    };
  }

  private async storeLink(manager: EntityManager, handoffId: string, minted: { nonce: string; kid: string; issuedAt: Date; expiresAt: Date }): Promise<void> {
    await manager.query(`INSERT INTO handoff_links (nonce_hash, handoff_id, kid, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5)`, [
      hashNonce(minted.nonce),
      handoffId,
      minted.kid,
      minted.issuedAt,
      minted.expiresAt,
    ]);
  }

  private ttlOf(action: HandoffAction): number {
    const ttl = Number.isInteger(action.linkTtlSeconds) && action.linkTtlSeconds > 0 ? action.linkTtlSeconds : this.config.links.ttlSeconds;
    return Math.min(Math.max(ttl, 30), 3600);
  }

  /**
   * Locks the conversation, then its live offer; expires an offer past its expiry, and tells what is
   * left: the live offer, or else whether a secure session is under way. The reads are statements
   * of their own after the lock, to see what the previous holder committed; session rows are read,
   * not locked (closing or revoking a session locks the handoff before the conversation).
   */
  private async lockConversation(manager: EntityManager, conversationId: string, now: Date): Promise<{ live: HandoffRow | null; inSession: boolean }> {
    await manager.query(`SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE`, [conversationId]);
    const offers = (await manager.query(`SELECT ${ROW_COLUMNS} FROM handoffs WHERE conversation_id = $1 AND state IN ('offered', 'opened') FOR UPDATE`, [
      conversationId,
    ])) as HandoffRow[];
    let live: HandoffRow | null = null;
    for (const row of offers) {
      if (new Date(row.expires_at).getTime() <= now.getTime()) await this.expire(manager, row, now);
      else live ??= row;
    }
    if (live) return { live, inSession: false };
    const sessions = (await manager.query(`SELECT 1 FROM handoffs WHERE conversation_id = $1 AND state IN ('redeemed', 'verified', 'active') LIMIT 1`, [
      conversationId,
    ])) as unknown[];
    return { live: null, inSession: sessions.length > 0 };
  }

  private record(manager: EntityManager, action: string, handoffId: string, actor: Actor, details: Record<string, unknown>): Promise<void> {
    return this.audit.record(
      {
        actor: actor.id ? { type: actor.type, id: actor.id } : { type: actor.type },
        action,
        resource: { type: 'handoff', id: handoffId },
        outcome: 'success',
        origin: actor.origin,
        details,
      },
      manager,
    );
  }
}

/** The offer's text: the trigger's, within the template's limit; a default when empty. */
function offerText(text: string): string {
  const trimmed = (text ?? '').trim();
  const chars = Array.from(trimmed.length > 0 ? trimmed : DEFAULT_OFFER_TEXT);
  return chars.slice(0, SEND_LIMITS.templateTextMaxChars).join('');
}

/** Types, counts and the intent's label and theme: nothing the customer typed. */
function contentFree(detection: DetectionSummary): DetectionSummary {
  return {
    entities: (detection.entities ?? []).map((e) => ({ type: String(e.type), count: Number(e.count) || 0 })),
    intent: detection.intent
      ? { label: String(detection.intent.label), confidence: Number(detection.intent.confidence) || 0, sensitive: Boolean(detection.intent.sensitive), theme: detection.intent.theme ?? null }
      : null,
  };
}
