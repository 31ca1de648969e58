import { Inject, Injectable, Logger } from '@nestjs/common';
import type { DetectionResult } from '@handoff/detection';
import type { EchoEvent, MessageEvent, MessengerEvent, ParsedWebhook, PostbackEvent } from '@handoff/messenger';
import type { Counter } from 'prom-client';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { MessageKind } from '../conversations/message.entity.js';
import { DetectionService } from '../detection/detection.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { recipientQueue } from '../outbound/outbox.service.js';
import { SERVICE_MESSAGE_METADATA } from '../outbound/service-message.js';
import { PagesService } from '../pages/pages.service.js';
import { ConversationReactionsService, type CustomerInputFacts } from './conversation-reactions.service.js';
import { IntakeWriterService, type IntakeRow } from './intake-writer.service.js';

export { SERVICE_MESSAGE_METADATA } from '../outbound/service-message.js';

/** 9999-12-31T23:59:59.999Z: a later date is written with a six-digit year, which PostgreSQL refuses. */
const LAST_STORABLE_MS = 253_402_300_799_999;

/** Meta's timestamp as a date; one outside what a date can hold (only a forged or broken event
 * carries it) becomes the time of arrival rather than a failed insert Meta would retry forever. */
function sentAt(timestamp: number): Date {
  const date = new Date(timestamp);
  return Number.isNaN(date.getTime()) || timestamp < 0 || timestamp > LAST_STORABLE_MS ? new Date() : date;
}

/**
 * Turns verified webhook events into rows. Detection and the trigger decision happen in memory
 * first; raw text exists only there, in this request. Then each event's dedupe key, conversation,
 * redacted message with its detection summary and, when the service must act, the durable job that
 * writes the reply (a warning, a handoff offer) commit together, in one statement, before Meta gets
 * its 200 (IntakeWriterService gathers concurrent events into one statement).
 */
@Injectable()
export class WebhookIntakeService {
  private readonly logger = new Logger(WebhookIntakeService.name);
  private readonly events: Counter<'kind' | 'result'>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly pages: PagesService,
    private readonly detection: DetectionService,
    private readonly reactions: ConversationReactionsService,
    private readonly writer: IntakeWriterService,
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
    // In Meta's order: the writer keeps it, and a conversation's seqs follow it.
    const rows: IntakeRow[] = [];
    const kinds: string[] = [];
    for (const event of parsed.events) {
      const row = await this.toRow(event);
      if (typeof row === 'string') this.events.inc({ kind: event.kind, result: row });
      else {
        rows.push(row);
        kinds.push(event.kind);
      }
    }
    if (rows.length === 0) return;
    const outcomes = await Promise.all(this.writer.write(rows));
    outcomes.forEach((result, i) => this.events.inc({ kind: kinds[i] as string, result }));
  }

  private async toRow(event: MessengerEvent): Promise<IntakeRow | 'ignored_page' | 'ignored_kind'> {
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
        // receipts, reactions, referrals, opt-ins and thread control: kept as seen, content-free
        return { pageId: event.pageId, dedupeKey: event.dedupeKey, eventKind: event.kind, message: null };
      default: {
        const unhandled: never = event;
        return unhandled;
      }
    }
  }

  private customerInput(event: MessageEvent | PostbackEvent, kind: MessageKind): IntakeRow {
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
    const at = sentAt(event.timestamp);
    return {
      pageId: event.pageId,
      dedupeKey: event.dedupeKey,
      eventKind: event.kind,
      message: {
        psid: event.senderId,
        customerAt: at,
        direction: 'inbound',
        author: 'customer',
        kind,
        mid: event.mid ?? null,
        redactedText: detection?.redactedText ?? null,
        sensitive: detection?.sensitive ?? false,
        detection: detection ? DetectionService.summarise(detection) : null,
        attachmentTypes: facts.attachmentTypes,
        triggerId: fired?.triggerId ?? null,
        triggerVersion: fired?.version ?? null,
        sentAt: at,
        // The decision rides with the message as a job on the recipient's queue, so the reaction
        // runs in order with the recipient's outbox deliveries.
        reaction: reaction ? { decision: reaction, queue: recipientQueue(this.config, event.pageId, event.senderId) } : null,
      },
    };
  }

  /** The Page's own messages: a person in the Page Inbox, another app, or this service. */
  private echo(event: EchoEvent): IntakeRow {
    const text = event.text ?? '';
    // A person at the bank can type sensitive data too: redact before storing, as for customers.
    const detection = text.length > 0 ? this.detection.detect(text) : null;
    return {
      pageId: event.pageId,
      dedupeKey: event.dedupeKey,
      eventKind: event.kind,
      message: {
        psid: event.recipientId,
        customerAt: null,
        direction: 'outbound',
        author: event.metadata === SERVICE_MESSAGE_METADATA ? 'service' : 'page',
        kind: text.length > 0 ? 'text' : 'attachments',
        mid: event.mid,
        redactedText: detection?.redactedText ?? null,
        sensitive: detection?.sensitive ?? false,
        detection: detection ? DetectionService.summarise(detection) : null,
        attachmentTypes: event.attachments.map((a) => a.type),
        triggerId: null,
        triggerVersion: null,
        sentAt: sentAt(event.timestamp),
        reaction: null,
      },
    };
  }
}
