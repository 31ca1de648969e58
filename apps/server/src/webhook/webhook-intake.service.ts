import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DetectionResult } from '@handoff/detection';
import type { EchoEvent, MessageEvent, MessengerEvent, ParsedWebhook, PostbackEvent } from '@handoff/messenger';
import type { Counter } from 'prom-client';
import type { DataSource, EntityManager } from 'typeorm';
import type { MessageKind } from '../conversations/message.entity.js';
import { DetectionService } from '../detection/detection.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { SERVICE_MESSAGE_METADATA } from '../outbound/service-message.js';
import { PagesService } from '../pages/pages.service.js';
import { ConversationReactionsService } from './conversation-reactions.service.js';

export { SERVICE_MESSAGE_METADATA } from '../outbound/service-message.js';

type IntakeResult = 'stored' | 'duplicate' | 'recorded' | 'ignored_page' | 'ignored_kind';

interface ConversationRow {
  id: string;
  last_seq: number;
  state: string;
}

/**
 * Turns verified webhook events into rows. Each event is one transaction: the dedupe key, the
 * conversation, the redacted message with its detection summary and any replies (outbox rows)
 * commit together, before Meta gets its 200. Raw text exists only in memory, in this request.
 */
@Injectable()
export class WebhookIntakeService {
  private readonly logger = new Logger(WebhookIntakeService.name);
  private readonly events: Counter<'kind' | 'result'>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pages: PagesService,
    private readonly detection: DetectionService,
    private readonly reactions: ConversationReactionsService,
    metrics: MetricsService,
  ) {
    this.events = metrics.counter('webhook_events_total', 'Messenger webhook events by kind and outcome', ['kind', 'result']);
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
    const attachmentTypes = event.kind === 'message' ? event.attachments.map((a) => a.type) : [];

    return this.dataSource.transaction(async (manager) => {
      if (!(await this.firstDelivery(manager, event))) return 'duplicate';
      const conversation = await this.nextInConversation(manager, event.pageId, event.senderId, new Date(event.timestamp), true);
      const messageRows: { id: string }[] = await manager.query(
        `INSERT INTO messages (conversation_id, seq, direction, author, kind, mid, redacted_text, sensitive, detection, attachment_types, attachment_count, sent_at)
         VALUES ($1, $2, 'inbound', 'customer', $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
        [
          conversation.id,
          conversation.last_seq,
          kind,
          event.mid ?? null,
          detection ? detection.redactedText : null,
          detection?.sensitive ?? false,
          detection ? JSON.stringify(DetectionService.summarise(detection)) : null,
          attachmentTypes,
          attachmentTypes.length,
          new Date(event.timestamp),
        ],
      );
      const fired = await this.reactions.onCustomerInput(manager, {
        conversationId: conversation.id,
        conversationState: conversation.state,
        messageId: messageRows[0]!.id,
        pageId: event.pageId,
        psid: event.senderId,
        standby: event.source === 'standby',
        text,
        detection,
        attachmentTypes,
        payload: event.kind === 'message' ? event.quickReplyPayload : event.payload,
      });
      if (fired) {
        await manager.query(`UPDATE messages SET trigger_id = $2, trigger_version = $3 WHERE id = $1`, [messageRows[0]!.id, fired.triggerId, fired.version]);
      }
      return 'stored';
    });
  }

  /** The Page's own messages: a person in the Page Inbox, another app, or this service. */
  private async echo(event: EchoEvent): Promise<IntakeResult> {
    const text = event.text ?? '';
    const ours = event.metadata === SERVICE_MESSAGE_METADATA;
    // A person at the bank can type sensitive data too: redact before storing, as for customers.
    const detection = text.length > 0 ? this.detection.detect(text) : null;
    return this.dataSource.transaction(async (manager) => {
      if (!(await this.firstDelivery(manager, event))) return 'duplicate';
      const conversation = await this.nextInConversation(manager, event.pageId, event.recipientId, new Date(event.timestamp), false);
      await manager.query(
        `INSERT INTO messages (conversation_id, seq, direction, author, kind, mid, redacted_text, sensitive, detection, attachment_types, attachment_count, sent_at)
         VALUES ($1, $2, 'outbound', $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          conversation.id,
          conversation.last_seq,
          ours ? 'service' : 'page',
          text.length > 0 ? 'text' : 'attachments',
          event.mid,
          detection ? detection.redactedText : null,
          detection?.sensitive ?? false,
          detection ? JSON.stringify(DetectionService.summarise(detection)) : null,
          event.attachments.map((a) => a.type),
          event.attachments.length,
          new Date(event.timestamp),
        ],
      );
      return 'stored';
    });
  }

  /** Delivery and read receipts, reactions, referrals, opt-ins and thread control: kept as seen, content-free. */
  private async recordOnly(event: MessengerEvent): Promise<IntakeResult> {
    return this.dataSource.transaction(async (manager) => ((await this.firstDelivery(manager, event)) ? 'recorded' : 'duplicate'));
  }

  /** True the first time an event's dedupe key is seen. Concurrent copies wait on the key's index
   * entry until the first transaction ends, then find it. */
  private async firstDelivery(manager: EntityManager, event: MessengerEvent): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO messenger_events (page_id, dedupe_key, kind) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1`,
      [event.pageId, event.dedupeKey, event.kind],
    );
    return rows.length > 0;
  }

  /** Creates or locks the conversation and takes its next seq. */
  private async nextInConversation(manager: EntityManager, pageId: string, psid: string, at: Date, fromCustomer: boolean): Promise<ConversationRow> {
    const rows: ConversationRow[] = await manager.query(
      `INSERT INTO conversations (page_id, psid, last_seq, last_customer_message_at) VALUES ($1, $2, 1, $3)
       ON CONFLICT (page_id, psid) DO UPDATE SET last_seq = conversations.last_seq + 1,
         last_customer_message_at = COALESCE(GREATEST(conversations.last_customer_message_at, EXCLUDED.last_customer_message_at), conversations.last_customer_message_at),
         updated_at = now()
       RETURNING id, last_seq, state`,
      [pageId, psid, fromCustomer ? at : null],
    );
    return rows[0]!;
  }
}
