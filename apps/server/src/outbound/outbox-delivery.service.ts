import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { GraphApiError, SendValidationError, type SendRequestBody } from '@handoff/messenger';
import type { Counter } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { PagesService } from '../pages/pages.service.js';
import { RedisService } from '../redis/redis.module.js';
import { DataEncryptionService } from '../crypto/data-encryption.service.js';
import { MessengerGraphService } from './messenger-graph.service.js';
import { OUTBOX_BODY_PURPOSE } from './outbox.service.js';
import type { OutboxKind } from './outbox-message.entity.js';
import { PageRateLimiter } from './page-rate-limiter.js';

/** The longest wait between two tries of one call. */
const MAX_RETRY_DELAY_MS = 15 * 60_000;
/** How soon to look again when an earlier call to the same recipient is still unfinished. */
const PREDECESSOR_WAIT_MS = 250;

interface ClaimedRow {
  id: string;
  page_id: string;
  recipient_psid: string;
  kind: OutboxKind;
  body: Record<string, unknown>;
  sealed_body: string | null;
  attempts: number;
}

/** What the worker should do after one try. */
export type DeliveryOutcome =
  | { type: 'done' }
  | { type: 'retry'; delayMs: number }
  | { type: 'wait-for-predecessor'; delayMs: number };

/**
 * Delivers one outbox row. The guarantee: at least once, in order per recipient. A row is marked
 * `sending` (committed) before the call and `sent` after it; a crash between Meta's answer and
 * that second commit makes the row be sent again on restart, the only duplicate possible, since the
 * Send API has no idempotency key.
 */
@Injectable()
export class OutboxDeliveryService {
  private readonly logger = new Logger(OutboxDeliveryService.name);
  private readonly limiter: PageRateLimiter;
  private readonly results: Counter<'kind' | 'result'>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly pages: PagesService,
    private readonly graph: MessengerGraphService,
    private readonly encryption: DataEncryptionService,
    metrics: MetricsService,
    redis: RedisService,
  ) {
    this.limiter = new PageRateLimiter(config.outbox.pageRatePerSecond, redis.client);
    this.results = metrics.counter('outbox_deliveries_total', 'Send API deliveries by kind and result', ['kind', 'result']);
  }

  async deliver(outboxId: string): Promise<DeliveryOutcome> {
    const row = await this.claim(outboxId);
    if (row === 'finished') return { type: 'done' };
    if (row === 'blocked') return { type: 'wait-for-predecessor', delayMs: PREDECESSOR_WAIT_MS + Math.floor(Math.random() * PREDECESSOR_WAIT_MS) };

    const page = await this.pages.credentials(row.page_id);
    if (!page) {
      await this.fail(row, 'page_unavailable', null);
      return { type: 'done' };
    }
    try {
      await this.limiter.acquire(row.page_id);
      const messageId = await this.call(row, page);
      await this.dataSource.query(
        `UPDATE outbox_messages SET status = 'sent', message_id = $2, sent_at = now(), updated_at = now(), sealed_body = NULL WHERE id = $1`,
        [row.id, messageId],
      );
      this.results.inc({ kind: row.kind, result: 'sent' });
      return { type: 'done' };
    } catch (error) {
      if (error instanceof GraphApiError && error.kind === 'transient' && row.attempts < this.config.outbox.maxAttempts) {
        await this.dataSource.query(
          `UPDATE outbox_messages SET status = 'pending', last_error_kind = $2, last_error_code = $3, last_error_subcode = $4, updated_at = now() WHERE id = $1`,
          [row.id, `transient:${error.reason}`, error.code ?? error.httpStatus, error.subcode],
        );
        this.results.inc({ kind: row.kind, result: 'retry' });
        return { type: 'retry', delayMs: this.backoff(row.attempts) };
      }
      if (error instanceof GraphApiError) {
        const reason = error.kind === 'transient' ? 'transient_attempts_exhausted' : `permanent:${error.reason}`;
        await this.fail(row, reason, error);
        return { type: 'done' };
      }
      if (error instanceof SendValidationError) {
        await this.fail(row, `invalid_request:${error.code}`, null);
        return { type: 'done' };
      }
      throw error;
    }
  }

  /** Exponential backoff with "equal jitter": half fixed, half random. */
  backoff(attempt: number): number {
    const ceiling = Math.min(MAX_RETRY_DELAY_MS, this.config.outbox.retryBaseMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  /** Marks the row `sending` unless it is finished or an earlier row for the same recipient is not. */
  private async claim(outboxId: string): Promise<ClaimedRow | 'finished' | 'blocked'> {
    const [rows] = (await this.dataSource.query(
      `UPDATE outbox_messages o SET status = 'sending', attempts = o.attempts + 1, updated_at = now()
       WHERE o.id = $1 AND o.status IN ('pending', 'sending')
         AND NOT EXISTS (
           SELECT 1 FROM outbox_messages p
           WHERE p.conversation_id = o.conversation_id AND p.status IN ('pending', 'sending')
             AND (p.created_at, p.id) < (o.created_at, o.id))
       RETURNING o.id, o.page_id, o.recipient_psid, o.kind, o.body, o.sealed_body, o.attempts`,
      [outboxId],
    )) as [ClaimedRow[], number];
    if (rows[0]) return rows[0];
    const state: { status: string }[] = await this.dataSource.query(`SELECT status FROM outbox_messages WHERE id = $1`, [outboxId]);
    const status = state[0]?.status;
    return status === 'pending' || status === 'sending' ? 'blocked' : 'finished';
  }

  private async call(row: ClaimedRow, page: { pageId: string; accessToken: string }): Promise<string | null> {
    const client = this.graph.client;
    const sendable = (row.sealed_body ? JSON.parse(this.encryption.decrypt(row.sealed_body, OUTBOX_BODY_PURPOSE)) : row.body) as Record<string, unknown>;
    const body = sendable as { target_app_id?: string; metadata?: string };
    switch (row.kind) {
      case 'message':
      case 'sender_action':
        return (await client.send(page, sendable as unknown as SendRequestBody)).messageId;
      case 'pass_thread_control':
        await client.passThreadControl(page, row.recipient_psid, body.target_app_id ?? '', body.metadata);
        return null;
      case 'take_thread_control':
        await client.takeThreadControl(page, row.recipient_psid, body.metadata);
        return null;
      default: {
        const unknownKind: never = row.kind;
        throw new Error(`unknown outbox kind ${String(unknownKind)}`);
      }
    }
  }

  private async fail(row: ClaimedRow, reason: string, error: GraphApiError | null): Promise<void> {
    await this.dataSource.query(
      `UPDATE outbox_messages SET status = 'failed', failure_reason = $2, last_error_kind = $3, last_error_code = $4, last_error_subcode = $5, updated_at = now(), sealed_body = NULL WHERE id = $1`,
      [row.id, reason, error ? `${error.kind}:${error.reason}` : null, error?.code ?? error?.httpStatus ?? null, error?.subcode ?? null],
    );
    this.results.inc({ kind: row.kind, result: 'failed' });
    this.logger.warn({ outboxId: row.id, reason, code: error?.code ?? null, subcode: error?.subcode ?? null }, 'outbox delivery failed permanently');
  }
}
