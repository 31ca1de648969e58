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

/** Calls run one at a time per recipient, so that what a customer receives keeps its order. */
export function recipientQueue(pageId: string, psid: string): string {
  return `messenger:${pageId}:${psid}`;
}

/**
 * Writes Send API calls to the outbox inside the caller's transaction, with the job that will
 * deliver them: either both are committed or neither.
 */
@Injectable()
export class OutboxService {
  private readonly deliverTask: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly encryption: DataEncryptionService,
  ) {
    this.deliverTask = jobName(config, DELIVER_TASK);
  }

  async enqueue(manager: EntityManager, items: OutboxItem[]): Promise<string[]> {
    const ids: string[] = [];
    for (const item of items) {
      const rows: { id: string }[] = await manager.query(
        `INSERT INTO outbox_messages (conversation_id, page_id, recipient_psid, kind, body, sealed_body) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [
          item.conversationId,
          item.pageId,
          item.psid,
          item.kind,
          JSON.stringify(withoutLinkTokens(item.body)),
          this.encryption.encrypt(JSON.stringify(item.body), OUTBOX_BODY_PURPOSE),
        ],
      );
      const id = rows[0]!.id;
      await manager.query(`SELECT graphile_worker.add_job($1, json_build_object('outboxId', $2::text, 'queue', $3::text), queue_name => $3)`, [
        this.deliverTask,
        id,
        recipientQueue(item.pageId, item.psid),
      ]);
      ids.push(id);
    }
    return ids;
  }
}
