import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type pg from 'pg';
import type { Counter, Histogram } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { DomainException } from '../common/errors/domain.exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { MessageKind } from '../conversations/message.entity.js';
import { Clock } from '../handoff/clock.js';
import { RESEND_INTERVAL_MS } from '../handoff/handoff.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { jobName } from '../outbound/outbox.service.js';
import { REACT_LIST_TASK } from './conversation-reactions.service.js';

/** A message to store with its event: a customer's input or the Page's own (an echo). */
export interface IntakeMessage {
  psid: string;
  /** the customer's message time; null for the Page's own messages */
  customerAt: Date | null;
  direction: 'inbound' | 'outbound';
  author: 'customer' | 'page' | 'service';
  kind: MessageKind;
  mid: string | null;
  redactedText: string | null;
  sensitive: boolean;
  /** the detection summary: entity types and intent, never values */
  detection: object | null;
  attachmentTypes: string[];
  triggerId: string | null;
  triggerVersion: number | null;
  sentAt: Date;
  /** the reaction job to add with the message (a warning, a handoff offer), on the recipient's queue */
  reaction: { decision: object; queue: string } | null;
}

/** One verified webhook event to record: its dedupe key, and the message it carries if any. */
export interface IntakeRow {
  pageId: string;
  dedupeKey: string;
  eventKind: string;
  message: IntakeMessage | null;
}

/** `stored`: a new message; `recorded`: a new content-free event; `duplicate`: seen before. */
export type IntakeOutcome = 'stored' | 'recorded' | 'duplicate';

interface Pending {
  row: IntakeRow;
  conversation: string | null;
  resolve: (outcome: IntakeOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * PostgreSQL text cannot hold NUL, and jsonb rejects unpaired surrogates: an event carrying one
 * would fail its insert (and Meta would redeliver it forever). Both become U+FFFD.
 */
export function storable(value: string): string {
  const wellFormed = (value as string & { toWellFormed(): string }).toWellFormed();
  return wellFormed.includes('\u0000') ? wellFormed.replace(/\u0000/g, '\ufffd') : wellFormed;
}

function storableJson(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? storable(value) : value;
}

/** JSON of the rows with every string storable: plain JSON.stringify, and the replacer only when
 * the output shows an escaped NUL or lone surrogate (JSON.stringify escapes exactly those). */
function storableJsonText(value: unknown): string {
  const json = JSON.stringify(value);
  return /\\u(?:0000|d[89a-f])/i.test(json) ? JSON.stringify(value, storableJson) : json;
}

/**
 * Records a batch of events in one statement (one transaction). Every row's dedupe key is inserted
 * first, in key order; only first deliveries go on. Each conversation is created or locked once,
 * in (page, psid) order, and takes as many seqs as it has new messages; each message gets its seq
 * by its place in the batch. A reaction job is added with its message, unless the handoff lifecycle
 * would suppress it. A redelivery inserts no key, so nothing follows for it; a concurrent copy in
 * another transaction waits on the key's index entry until the first commits, then finds it; a
 * copy in the same batch is dropped by DISTINCT ON. The batch's reaction jobs are added in one call
 * (one NOTIFY), a conversation's offer reactions as one keyed job. Returns the ordinals of first
 * deliveries and whether each stored a message.
 */
function batchSql(reactTask: string): string {
  return `
  WITH input AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(
      ord int, page_id text, dedupe_key text, event_kind text, psid text, customer_at timestamptz,
      direction text, author text, kind text, mid text, redacted_text text, sensitive boolean,
      detection jsonb, attachment_types jsonb, trigger_id uuid, trigger_version int, sent_at timestamptz,
      reaction jsonb, queue text)
  ), firsts AS (
    SELECT DISTINCT ON (page_id, dedupe_key) * FROM input ORDER BY page_id, dedupe_key, ord
  ), first_delivery AS (
    INSERT INTO messenger_events (page_id, dedupe_key, kind)
    SELECT page_id, dedupe_key, event_kind FROM firsts ORDER BY page_id, dedupe_key
    ON CONFLICT DO NOTHING RETURNING page_id, dedupe_key
  ), fresh AS (
    SELECT f.*,
      row_number() OVER (PARTITION BY f.page_id, f.psid ORDER BY f.ord) AS k,
      count(*) OVER (PARTITION BY f.page_id, f.psid) AS n
    FROM firsts f JOIN first_delivery d USING (page_id, dedupe_key)
    WHERE f.psid IS NOT NULL
  ), conversation AS (
    INSERT INTO conversations (page_id, psid, last_seq, last_customer_message_at)
    SELECT page_id, psid, count(*), max(customer_at) FROM fresh GROUP BY page_id, psid ORDER BY page_id, psid
    ON CONFLICT (page_id, psid) DO UPDATE SET last_seq = conversations.last_seq + EXCLUDED.last_seq,
      last_customer_message_at = COALESCE(GREATEST(conversations.last_customer_message_at, EXCLUDED.last_customer_message_at), conversations.last_customer_message_at),
      updated_at = now()
    RETURNING id, page_id, psid, last_seq
  ), placed AS (
    SELECT f.*, c.id AS conversation_id, (c.last_seq - f.n + f.k)::int AS seq
    FROM fresh f JOIN conversation c USING (page_id, psid)
  ), message AS (
    INSERT INTO messages (conversation_id, seq, direction, author, kind, mid, redacted_text, sensitive, detection, attachment_types, attachment_count, trigger_id, trigger_version, sent_at)
    SELECT conversation_id, seq, direction, author, kind, mid, redacted_text, sensitive, detection,
      ARRAY(SELECT jsonb_array_elements_text(attachment_types)), jsonb_array_length(attachment_types), trigger_id, trigger_version, sent_at
    FROM placed ORDER BY ord
    RETURNING id, conversation_id, seq
  ), reacted AS (
    SELECT p.ord, m.id AS message_id, m.conversation_id, p.page_id, p.psid, p.detection, p.reaction, p.queue
    FROM placed p JOIN message m ON m.conversation_id = p.conversation_id AND m.seq = p.seq
    WHERE p.reaction IS NOT NULL
      -- an offer (or a new link) that the handoff lifecycle would suppress needs no job: the live
      -- offer went out less than a resend interval ago, or, with no live offer, a secure session
      -- is under way (HandoffService.offerFromMessenger and requestNewLink, read here without locks:
      -- an offer committed meanwhile is found by the job, which decides under the lock; an offer
      -- revoked or closed at the same moment leaves this one message without a new offer, and the
      -- customer's next sensitive message gets it)
      AND NOT ((p.reaction #>> '{decision,action,type}' = 'handoff' OR p.reaction ->> 'type' = 'new_link') AND (
        EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = m.conversation_id AND h.state IN ('offered', 'opened')
                  AND h.expires_at > $2::timestamptz AND h.last_sent_at > $2::timestamptz - make_interval(secs => $3::int / 1000.0))
        OR (NOT EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = m.conversation_id AND h.state IN ('offered', 'opened') AND h.expires_at > $2::timestamptz)
            AND EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = m.conversation_id AND h.state IN ('redeemed', 'verified', 'active')))))
  ), grouped AS (
    -- An offer's (or new link's) reactions share one job per conversation, keyed by it: a customer
    -- who sends several sensitive messages before the first job runs gets them appended to that job
    -- (graphile-worker concatenates array payloads on a key), carried out in order (each in a
    -- transaction of its own), instead of one job each that would find the offer made and do nothing.
    -- Warnings keep a job each.
    SELECT min(ord) AS ord, conversation_id, queue,
      bool_or(reaction #>> '{decision,action,type}' = 'handoff' OR reaction ->> 'type' = 'new_link') AS keyed,
      json_agg(json_build_object('messageId', message_id, 'conversationId', conversation_id, 'pageId', page_id, 'psid', psid,
                                 'detection', detection, 'reaction', reaction) ORDER BY ord) AS payload
    FROM reacted
    GROUP BY conversation_id, queue,
      CASE WHEN reaction #>> '{decision,action,type}' = 'handoff' OR reaction ->> 'type' = 'new_link' THEN NULL ELSE ord END
  ), job_specs AS (
    -- run_at one microsecond apart in arrival order: add_jobs inserts in no set order, and the job
    -- queue takes jobs by run_at, so a customer's reactions keep the order of their messages (a keyed
    -- job keeps its first run_at when appended to: add_jobs' preserve_run_at)
    SELECT array_agg(ROW('${reactTask}', payload, queue, now() + make_interval(secs => rank / 1e6), NULL,
      CASE WHEN keyed THEN '${reactTask}:' || conversation_id END, NULL, NULL)::graphile_worker.job_spec ORDER BY ord) AS specs
    FROM (SELECT grouped.*, row_number() OVER (ORDER BY ord) - 1 AS rank FROM grouped) ranked
  ), added AS (
    SELECT j.key FROM job_specs, LATERAL graphile_worker.add_jobs(specs, true) j WHERE specs IS NOT NULL
  ), skipped AS (
    -- add_jobs clears the key of a locked job with the spec's key, then inserts, appending to a waiting
    -- job with that key "where locked_at is null": a worker that takes the waiting job between the two
    -- leaves the spec neither appended nor inserted, and returns no row for it. Added again, its key is
    -- cleared from the taken job (now locked) and it gets a job of its own.
    SELECT array_agg(s) AS specs FROM job_specs, unnest(specs) s
    WHERE s.job_key IS NOT NULL AND s.job_key NOT IN (SELECT key FROM added WHERE key IS NOT NULL)
  ), readded AS (
    SELECT j.key FROM skipped, LATERAL graphile_worker.add_jobs(specs, true) j WHERE specs IS NOT NULL
  )
  -- jobs_added is read by no caller, yet it is what runs add_jobs: a plain SELECT in a WITH runs only
  -- as far as something reads it, so without this column no reaction job would be added
  SELECT f.ord, p.seq IS NOT NULL AS stored, (SELECT count(*) FROM added) AS jobs_added, (SELECT count(*)::int FROM readded) AS readded
  FROM firsts f JOIN first_delivery d USING (page_id, dedupe_key)
  LEFT JOIN placed p ON p.ord = f.ord
  ORDER BY f.ord`;
}

/** A statement in flight this long lets another start beside it (see IntakeWriterService.pump). */
const WIDEN_AFTER_MS = 20;

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint), plus a deadlock or
 * serialization failure: errors of one event or of the moment, worth retrying one event at a time. */
function isDataError(code: unknown): boolean {
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23') || code === '40P01' || code === '40001');
}

/**
 * The webhook's writer. Events that arrive while earlier writes are in flight are gathered and
 * written together, one statement per batch: under load, one round trip and one commit carry many
 * events (group commit), so PostgreSQL and this process do a fraction of the work per event;
 * alone, an event is written at once. Every caller still waits for its own commit before Meta
 * gets its 200. A conversation is in at most one batch in flight, so its messages take their seqs
 * in the order they arrived here. A batch that fails on its data is retried one event at a time, so
 * one bad event cannot fail the others; other failures (no connection) fail the batch's events.
 */
@Injectable()
export class IntakeWriterService implements OnModuleDestroy {
  private readonly logger = new Logger(IntakeWriterService.name);
  private readonly sql: string;
  private readonly maxInFlight: number;
  private readonly maxBatch: number;
  private readonly batchSizes: Histogram;
  private readonly refused: Counter;
  private readonly readded: Counter;
  private readonly maxPending: number;
  private pending: Pending[] = [];
  private inFlight = 0;
  /** when each statement in flight started (performance.now()), oldest first */
  private readonly startedAt: number[] = [];
  private widenTimer: NodeJS.Timeout | null = null;
  private readonly busyConversations = new Map<string, number>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    metrics: MetricsService,
    private readonly clock: Clock,
  ) {
    this.sql = batchSql(jobName(config, REACT_LIST_TASK));
    this.maxInFlight = config.intake.writeConcurrency;
    this.maxBatch = config.intake.batchMax;
    this.batchSizes = metrics.histogram('webhook_write_batch_size', 'Webhook events written per statement', [], [1, 2, 4, 8, 16, 32, 64, 128, 256]);
    this.refused = metrics.counter('webhook_write_refused_total', 'Webhook events refused (503) because too many already waited to be written', []);
    this.readded = metrics.counter(
      'webhook_reactions_readded_total',
      "Offer reactions added again because a worker took their conversation's waiting job while they were being appended to it",
      [],
    );
    this.maxPending = this.maxBatch * this.maxInFlight * 10;
  }

  onModuleDestroy(): void {
    if (this.widenTimer) clearTimeout(this.widenTimer);
    this.widenTimer = null;
  }

  /**
   * Records the events in order; each promise settles when its event is committed. When the
   * database has fallen so far behind that `maxPending` events already wait, throws at once
   * (503: Meta redelivers later) rather than queueing without bound.
   */
  write(rows: readonly IntakeRow[]): Promise<IntakeOutcome>[] {
    if (this.pending.length + rows.length > this.maxPending) {
      this.refused.inc(rows.length);
      throw new DomainException(ErrorCode.DependencyUnavailable, 'Busy, retry later');
    }
    const outcomes = rows.map(
      (row) =>
        new Promise<IntakeOutcome>((resolve, reject) => {
          const conversation = row.message ? `${row.pageId}\u0000${row.message.psid}` : null;
          this.pending.push({ row, conversation, resolve, reject });
        }),
    );
    this.pump();
    return outcomes;
  }

  /**
   * Starts statements for the pending events. One statement in flight is the usual state: the
   * events that arrive meanwhile make the next batch, so each commit carries as many as possible
   * (on the 2-core benchmark machine, four statements always in flight gave 0.38-0.41x the
   * baseline's events/s where one gave 0.52-0.60x: more, smaller transactions competing for the
   * same two cores). Another statement starts beside it only when a full batch already waits, or
   * when the one in flight has taken longer than WIDEN_AFTER_MS (a lock wait, a slow disk): a
   * stalled statement never holds up every webhook.
   */
  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.pending.length > 0) {
      if (this.inFlight > 0 && this.pending.length < this.maxBatch && performance.now() - this.oldestStartedAt() < WIDEN_AFTER_MS) {
        this.armWiden();
        return;
      }
      const batch = this.takeBatch();
      if (batch.length === 0) return; // every pending event waits for its conversation
      this.inFlight++;
      const startedAt = performance.now();
      this.startedAt.push(startedAt);
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.startedAt.splice(this.startedAt.indexOf(startedAt), 1);
        for (const item of batch) this.release(item.conversation);
        this.pump();
      });
    }
  }

  /** When the oldest statement in flight started (the list is in start order). */
  private oldestStartedAt(): number {
    return this.startedAt[0] ?? Infinity;
  }

  /** Looks again once the statement in flight has taken WIDEN_AFTER_MS. */
  private armWiden(): void {
    if (this.widenTimer) return;
    const wait = Math.max(1, WIDEN_AFTER_MS - (performance.now() - this.oldestStartedAt()));
    this.widenTimer = setTimeout(() => {
      this.widenTimer = null;
      this.pump();
    }, wait);
    this.widenTimer.unref();
  }

  /** The oldest pending events whose conversations are not in flight, up to the batch size. */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const taken = new Set<string>();
    const waiting = new Set<string>();
    for (const item of this.pending) {
      const key = item.conversation;
      // once one of a conversation's events waits, its later ones wait too (they keep their order)
      const free = key === null || taken.has(key) || (!this.busyConversations.has(key) && !waiting.has(key));
      if (batch.length < this.maxBatch && free) {
        batch.push(item);
        if (key !== null) taken.add(key);
      } else {
        rest.push(item);
        if (key !== null) waiting.add(key);
      }
    }
    for (const key of taken) this.busyConversations.set(key, (this.busyConversations.get(key) ?? 0) + 1);
    this.pending = rest;
    return batch;
  }

  private release(key: string | null): void {
    if (key === null) return;
    const count = this.busyConversations.get(key);
    if (count === undefined) return;
    if (count <= 1) this.busyConversations.delete(key);
    else this.busyConversations.set(key, count - 1);
  }

  private async run(batch: Pending[]): Promise<void> {
    this.batchSizes.observe(batch.length);
    try {
      const outcomes = await this.execute(batch.map((p) => p.row));
      batch.forEach((p, i) => p.resolve(outcomes[i] as IntakeOutcome));
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (batch.length === 1 || !isDataError(code)) {
        // the database is unreachable, overloaded or shutting down: every event fails now (Meta
        // redelivers), rather than each waiting its own turn to fail
        for (const p of batch) p.reject(error);
        return;
      }
      this.logger.warn({ events: batch.length, code }, 'webhook batch failed on its data; writing its events one at a time');
      for (const p of batch) {
        try {
          const [outcome] = await this.execute([p.row]);
          p.resolve(outcome as IntakeOutcome);
        } catch (single) {
          p.reject(single);
        }
      }
    }
  }

  /** One statement for the rows, as a named prepared statement straight on TypeORM's pg pool. */
  private async execute(rows: readonly IntakeRow[]): Promise<IntakeOutcome[]> {
    const payload = storableJsonText(
      rows.map((row, ord) => {
        const m = row.message;
        return {
          ord,
          page_id: row.pageId,
          dedupe_key: row.dedupeKey,
          event_kind: row.eventKind,
          ...(m && {
            psid: m.psid,
            customer_at: m.customerAt,
            direction: m.direction,
            author: m.author,
            kind: m.kind,
            mid: m.mid,
            redacted_text: m.redactedText,
            sensitive: m.sensitive,
            detection: m.detection,
            attachment_types: m.attachmentTypes,
            trigger_id: m.triggerId,
            trigger_version: m.triggerVersion,
            sent_at: m.sentAt,
            reaction: m.reaction?.decision ?? null,
            queue: m.reaction?.queue ?? null,
          }),
        };
      }),
    );
    const pool = (this.dataSource.driver as unknown as { master: pg.Pool }).master;
    const result = await pool.query<{ ord: number; stored: boolean; readded: number }>({
      name: 'webhook-write-batch',
      text: this.sql,
      values: [payload, this.clock.now(), RESEND_INTERVAL_MS],
    });
    const outcomes: IntakeOutcome[] = rows.map(() => 'duplicate');
    for (const r of result.rows) outcomes[r.ord] = r.stored ? 'stored' : 'recorded';
    const readded = result.rows[0]?.readded ?? 0;
    if (readded > 0) this.readded.inc(readded);
    return outcomes;
  }
}
