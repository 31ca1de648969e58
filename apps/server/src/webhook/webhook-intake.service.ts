import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DetectionResult } from '@handoff/detection';
import type { EchoEvent, MessageEvent, MessengerEvent, ParsedWebhook, PostbackEvent } from '@handoff/messenger';
import type { Counter } from 'prom-client';
import type pg from 'pg';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { MessageKind } from '../conversations/message.entity.js';
import { DetectionService } from '../detection/detection.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { jobName, recipientQueue } from '../outbound/outbox.service.js';
import { SERVICE_MESSAGE_METADATA } from '../outbound/service-message.js';
import { PagesService } from '../pages/pages.service.js';
import { ConversationReactionsService, type CustomerInputFacts, REACT_TASK } from './conversation-reactions.service.js';

export { SERVICE_MESSAGE_METADATA } from '../outbound/service-message.js';

type IntakeResult = 'stored' | 'duplicate' | 'recorded' | 'ignored_page' | 'ignored_kind';

/** PostgreSQL text cannot hold NUL: a message carrying one would fail its insert (and Meta would
 * redeliver it forever). It is replaced, like other unprintable input, by U+FFFD. */
function storable(value: string): string {
  return value.includes('\u0000') ? value.replace(/\u0000/g, '\ufffd') : value;
}

/** Meta's timestamp as a date; one outside what a date can hold (only a forged or broken event
 * carries it) becomes the time of arrival rather than a failed insert Meta would retry forever. */
function sentAt(timestamp: number): Date {
  const date = new Date(timestamp);
  return Number.isNaN(date.getTime()) || timestamp < 0 ? new Date() : date;
}

interface StoredRow {
  conversation_id: string;
}

/**
 * One statement: records the event's dedupe key, creates or locks the conversation and takes its
 * next seq, and stores the message. A redelivered event inserts no key, so nothing follows; a
 * concurrent copy waits on the key's index entry until the first commits, then finds it.
 * $5 is the customer's message time (null for the Page's own messages); $16 Meta's timestamp.
 */
const STORE_MESSAGE_CTES = `
  WITH first_delivery AS (
    INSERT INTO messenger_events (page_id, dedupe_key, kind) VALUES ($1, $2, $3)
    ON CONFLICT DO NOTHING RETURNING 1
  ), conversation AS (
    INSERT INTO conversations (page_id, psid, last_seq, last_customer_message_at)
    SELECT $1, $4, 1, $5::timestamptz FROM first_delivery
    ON CONFLICT (page_id, psid) DO UPDATE SET last_seq = conversations.last_seq + 1,
      last_customer_message_at = COALESCE(GREATEST(conversations.last_customer_message_at, EXCLUDED.last_customer_message_at), conversations.last_customer_message_at),
      updated_at = now()
    RETURNING id, last_seq
  ), message AS (
    INSERT INTO messages (conversation_id, seq, direction, author, kind, mid, redacted_text, sensitive, detection, attachment_types, attachment_count, trigger_id, trigger_version, sent_at)
    SELECT conversation.id, conversation.last_seq, $6, $7, $8, $9, $10, $11, $12::jsonb, $13::text[], cardinality($13::text[]), $14::uuid, $15::int, $16::timestamptz
    FROM conversation
    RETURNING id, conversation_id
  )`;

const STORE_MESSAGE_SQL = `${STORE_MESSAGE_CTES} SELECT conversation_id FROM message`;

/** The same, plus the reaction job ($17 the decision, $18 the recipient's queue, so the reaction
 * runs in order with the recipient's outbox deliveries). */
function storeAndReactSql(reactTask: string): string {
  return `${STORE_MESSAGE_CTES}
  SELECT message.conversation_id,
    (graphile_worker.add_job('${reactTask}',
      json_build_object('messageId', message.id, 'conversationId', message.conversation_id, 'pageId', $1::text, 'psid', $4::text,
                        'detection', $12::jsonb, 'reaction', $17::jsonb),
      queue_name => $18::text)).id AS job_id
  FROM message`;
}

/**
 * Turns verified webhook events into rows. Each event is one statement, so one transaction: the
 * dedupe key, the conversation, the redacted message with its detection summary, the trigger
 * decision and, when the service must act, the durable job that writes the reply (a warning, a
 * handoff offer) commit together before Meta gets its 200. Detection and the trigger decision
 * happen in memory first; raw text exists only there, in this request.
 */
@Injectable()
export class WebhookIntakeService {
  private readonly logger = new Logger(WebhookIntakeService.name);
  private readonly events: Counter<'kind' | 'result'>;
  private readonly storeAndReactSql: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pages: PagesService,
    private readonly detection: DetectionService,
    private readonly reactions: ConversationReactionsService,
    metrics: MetricsService,
  ) {
    this.events = metrics.counter('webhook_events_total', 'Messenger webhook events by kind and outcome', ['kind', 'result']);
    this.storeAndReactSql = storeAndReactSql(jobName(config, REACT_TASK));
  }

  async receive(parsed: ParsedWebhook): Promise<void> {
    if (parsed.object !== 'page') {
      this.events.inc({ kind: 'envelope', result: 'ignored_kind' });
      return;
    }
    if (parsed.ignored > 0) this.events.inc({ kind: 'malformed', result: 'ignored_kind' }, parsed.ignored);
    // In order: Meta delivers a conversation's events in order, and seq follows.
    for (const event of parsed.events) {
      const result = await this.handle(event);
      this.events.inc({ kind: event.kind, result });
    }
  }

  private async handle(event: MessengerEvent): Promise<IntakeResult> {
    if (event.kind === 'unknown') {
      this.logger.debug({ pageId: event.pageId }, 'unknown webhook event ignored');
      return 'ignored_kind';
    }
    const page = await this.pages.findEnabled(event.pageId);
    if (!page) return 'ignored_page';
    switch (event.kind) {
      case 'message':
        return this.customerInput(event, event.quickReplyPayload !== undefined ? 'quick_reply' : event.text !== undefined ? 'text' : 'attachments');
      case 'postback':
        return this.customerInput(event, 'postback');
      case 'echo':
        return this.echo(event);
      case 'delivery':
      case 'read':
      case 'reaction':
      case 'referral':
      case 'optin':
      case 'pass_thread_control':
      case 'take_thread_control':
      case 'request_thread_control':
        return this.recordOnly(event);
      default: {
        const unhandled: never = event;
        return unhandled;
      }
    }
  }

  private async customerInput(event: MessageEvent | PostbackEvent, kind: MessageKind): Promise<IntakeResult> {
    // Postbacks carry the button's title (our own text) and a payload we set; messages the customer's text.
    const text = event.kind === 'message' ? (event.text ?? '') : (event.title ?? '');
    const detection: DetectionResult | null = text.length > 0 ? this.detection.detect(text) : null;
    const facts: CustomerInputFacts = {
      pageId: event.pageId,
      psid: event.senderId,
      standby: event.source === 'standby',
      text,
      detection,
      attachmentTypes: event.kind === 'message' ? event.attachments.map((a) => a.type) : [],
      payload: event.kind === 'message' ? event.quickReplyPayload : event.payload,
    };
    const reaction = this.reactions.decide(facts);
    const fired = reaction?.type === 'trigger' ? reaction.decision : null;
    const summary = detection ? DetectionService.summarise(detection) : null;
    const params: unknown[] = [
      event.pageId,
      storable(event.dedupeKey),
      event.kind,
      event.senderId,
      sentAt(event.timestamp),
      'inbound',
      'customer',
      kind,
      event.mid === undefined ? null : storable(event.mid),
      detection ? storable(detection.redactedText) : null,
      detection?.sensitive ?? false,
      summary ? JSON.stringify(summary) : null,
      facts.attachmentTypes.map(storable),
      fired?.triggerId ?? null,
      fired?.version ?? null,
      sentAt(event.timestamp),
    ];
    if (!reaction) return (await this.store('webhook-store-message', STORE_MESSAGE_SQL, params)) ? 'stored' : 'duplicate';
    // The decision rides with the message as a job, in the same statement: one round trip for Meta.
    params.push(JSON.stringify(reaction), recipientQueue(event.pageId, event.senderId));
    return (await this.store('webhook-store-message-and-react', this.storeAndReactSql, params)) ? 'stored' : 'duplicate';
  }

  /** The Page's own messages: a person in the Page Inbox, another app, or this service. */
  private async echo(event: EchoEvent): Promise<IntakeResult> {
    const text = event.text ?? '';
    const ours = event.metadata === SERVICE_MESSAGE_METADATA;
    // A person at the bank can type sensitive data too: redact before storing, as for customers.
    const detection = text.length > 0 ? this.detection.detect(text) : null;
    const attachmentTypes = event.attachments.map((a) => a.type);
    const stored = await this.store('webhook-store-message', STORE_MESSAGE_SQL, [
      event.pageId,
      storable(event.dedupeKey),
      event.kind,
      event.recipientId,
      null,
      'outbound',
      ours ? 'service' : 'page',
      text.length > 0 ? 'text' : 'attachments',
      storable(event.mid),
      detection ? storable(detection.redactedText) : null,
      detection?.sensitive ?? false,
      detection ? JSON.stringify(DetectionService.summarise(detection)) : null,
      attachmentTypes.map(storable),
      null,
      null,
      sentAt(event.timestamp),
    ]);
    return stored ? 'stored' : 'duplicate';
  }

  /**
   * The hot path: one statement (its own transaction), as a named prepared statement (parsed and
   * planned once per connection) straight on TypeORM's pg pool. False for a redelivery.
   */
  private async store(name: string, text: string, params: unknown[]): Promise<boolean> {
    const pool = (this.dataSource.driver as unknown as { master: pg.Pool }).master;
    const result = await pool.query({ name, text, values: params });
    return (result.rowCount ?? 0) > 0;
  }

  /** Delivery and read receipts, reactions, referrals, opt-ins and thread control: kept as seen, content-free. */
  private async recordOnly(event: MessengerEvent): Promise<IntakeResult> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO messenger_events (page_id, dedupe_key, kind) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1`,
      [event.pageId, storable(event.dedupeKey), event.kind],
    );
    return rows.length > 0 ? 'recorded' : 'duplicate';
  }
}
