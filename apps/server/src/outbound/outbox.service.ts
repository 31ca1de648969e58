import { Inject, Injectable } from '@nestjs/common';
import type { SendRequestBody } from '@handoff/messenger';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { DataEncryptionService } from '../crypto/data-encryption.service.js';

/** Purpose of the sealed outbox bodies (DataEncryptionService). */
export const OUTBOX_BODY_PURPOSE = 'outbox-body';

/** The body as people may read it: secure-link tokens replaced. */
export function withoutLinkTokens(body: unknown): unknown {
  return JSON.parse(JSON.stringify(body).replace(/\/s\/[A-Za-z0-9_.~-]+/g, '/s/[sealed]'));
}
import type { OutboxKind } from './outbox-message.entity.js';

export const DELIVER_TASK = 'outbox.deliver';

/** A job's name in the shared queue: the deployment's namespace, then the task. */
export function jobName(config: AppConfig, task: string): string {
  return `${config.outbox.jobsNamespace}.${task}`;
}

export interface OutboxItem {
  conversationId: string;
  pageId: string;
  psid: string;
  kind: OutboxKind;
  /** For `message`/`sender_action` a Send API body; for thread control `{ target_app_id?, metadata? }`. */
  body: SendRequestBody | { target_app_id?: string; metadata?: string };
}

/**
 * How many job queues the recipients are spread over. A recipient's calls share one queue, so they
 * run one at a time and keep their order; one queue per recipient would be simpler, but the job
 * queue locks every free queue each time it looks for work (graphile-worker's named-queue
 * strategy), and its queue rows are never deleted: the cost would grow with every customer who
 * ever wrote. A fixed set keeps it flat. (Rows also wait for the recipient's earlier unfinished
 * rows, OutboxDeliveryService.claim, so order holds even while the count changes.)
 */
export const RECIPIENT_QUEUES = 64;

/** The job queue of a recipient's calls (and of the reactions to their messages). */
export function recipientQueue(config: AppConfig, pageId: string, psid: string): string {
  // FNV-1a: cheap, and spreads PSIDs (long decimal strings) evenly
  let hash = 0x811c9dc5;
  const key = `${pageId}:${psid}`;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return `${config.outbox.jobsNamespace}:recipients:${(hash >>> 0) % RECIPIENT_QUEUES}`;
}

/**
 * Writes Send API calls to the outbox inside the caller's transaction, with the job that will
 * deliver them: either both are committed or neither.
 */
@Injectable()
export class OutboxService {
  private readonly deliverTask: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly encryption: DataEncryptionService,
  ) {
    this.deliverTask = jobName(config, DELIVER_TASK);
  }

  async enqueue(manager: EntityManager, items: OutboxItem[]): Promise<string[]> {
    const ids: string[] = [];
    for (const item of items) {
      // the row and its delivery job in one round trip (add_jobs: the cheaper path). run_at is the
      // clock, not now(): the job queue takes jobs by run_at, and now() is the same for every row of
      // this transaction, so the rows of one reply would tie
      const rows: { id: string }[] = await manager.query(
        `WITH outbox_row AS (
           INSERT INTO outbox_messages (conversation_id, page_id, recipient_psid, kind, body, sealed_body) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id
         )
         SELECT id, (SELECT count(*) FROM graphile_worker.add_jobs(ARRAY[
           ROW($7::text, json_build_object('outboxId', id::text, 'queue', $8::text), $8::text, clock_timestamp(), NULL, NULL, NULL, NULL)::graphile_worker.job_spec])) AS jobs
         FROM outbox_row`,
        [
          item.conversationId,
          item.pageId,
          item.psid,
          item.kind,
          JSON.stringify(withoutLinkTokens(item.body)),
          this.encryption.encrypt(JSON.stringify(item.body), OUTBOX_BODY_PURPOSE),
          this.deliverTask,
          recipientQueue(this.config, item.pageId, item.psid),
        ],
      );
      const id = rows[0]!.id;
      ids.push(id);
    }
    return ids;
  }
}
