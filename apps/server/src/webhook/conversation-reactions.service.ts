import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DetectionResult, normalise } from '@handoff/detection';
import { buildTextMessage } from '@handoff/messenger';
import type { DataSource, EntityManager } from 'typeorm';
import type { DetectionSummary } from '../conversations/message.entity.js';
import { HandoffService, NEW_LINK_PAYLOAD, NEW_LINK_PHRASES } from '../handoff/handoff.service.js';
import { OutboxService } from '../outbound/outbox.service.js';
import { OutboxWorker } from '../outbound/outbox.worker.js';
import { SERVICE_MESSAGE_METADATA } from '../outbound/service-message.js';
import { TriggerEvaluator } from '../triggers/trigger.evaluator.js';
import type { TriggerDecision } from '../triggers/trigger.types.js';

/** The task of jobs queued before reactions were listed: one reaction as the payload. */
export const REACT_TASK = 'conversation.react';
/**
 * The task of a list of reactions (see IntakeWriterService). A task of its own, so that an instance
 * still running the code from before lists (during a rolling deploy) leaves these jobs to the new
 * ones rather than reading a list as an unknown payload and dropping it.
 */
export const REACT_LIST_TASK = 'conversation.react-list';

/** What is known about a customer message before it is stored (text is raw: memory only). */
export interface CustomerInputFacts {
  pageId: string;
  psid: string;
  /** Another app owns the thread: record, but send nothing. */
  standby: boolean;
  text: string;
  detection: DetectionResult | null;
  attachmentTypes: string[];
  /** A quick reply's or postback's payload (set by this service). */
  payload?: string;
}

/** What the service will do about a message, decided in memory before anything is stored. */
export type Reaction = { type: 'trigger'; decision: TriggerDecision } | { type: 'new_link' };

/** The reaction job's payload, committed with the message: content-free (no text, no values). */
export interface ReactionJob {
  messageId: string;
  conversationId: string;
  pageId: string;
  psid: string;
  detection: DetectionSummary | null;
  reaction: Reaction;
}

const NO_DETECTION: DetectionResult = { redactedText: '', entities: [], intent: null, sensitive: false };
const NEW_LINK_TEXTS = new Set(NEW_LINK_PHRASES);

/**
 * What the service does about a customer message. `decide` runs in the webhook request, in memory,
 * on the current trigger set; the decision is committed with the message as a job (one statement),
 * and the job carries it out in a transaction of its own: a warning, a handoff offer with its
 * link, or a fresh link on request, each with its outbox rows. At most once per message.
 */
@Injectable()
export class ConversationReactionsService implements OnModuleInit {
  private readonly logger = new Logger(ConversationReactionsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly triggers: TriggerEvaluator,
    private readonly handoffs: HandoffService,
    private readonly outbox: OutboxService,
    private readonly worker: OutboxWorker,
  ) {}

  onModuleInit(): void {
    this.worker.registerTask(REACT_TASK, (payload) => this.carryOut(payload as ReactionJob | ReactionJob[]));
    this.worker.registerTask(REACT_LIST_TASK, (payload) => this.carryOut(payload as ReactionJob[]));
  }

  decide(facts: CustomerInputFacts): Reaction | null {
    if (facts.standby) return null;
    if (facts.payload === NEW_LINK_PAYLOAD || NEW_LINK_TEXTS.has(facts.text.trim().toLowerCase())) return { type: 'new_link' };
    const decision = this.triggers.evaluate({
      pageId: facts.pageId,
      detection: facts.detection ?? NO_DETECTION,
      // Normalised as in the admin dry run, so keywords and patterns see through evasions
      // (zero-width characters, full-width letters) exactly as the admin's test showed.
      text: normalise(facts.text).text,
      attachmentTypes: facts.attachmentTypes,
    });
    return decision ? { type: 'trigger', decision } : null;
  }

  /**
   * The job: for each reaction in order, claims the message's reaction (once) and carries it out, in
   * a transaction of its own, so that one that keeps failing does not hold back the others (they are
   * done and claimed; the job's retry finds only the failed one unclaimed). The payload is a list (a
   * conversation's offer reactions gathered under one job key, in message order, or a warning) or,
   * from jobs queued before lists, a single reaction.
   *
   * A list job that is already running when another reaction for its conversation arrives is left
   * alone by graphile-worker, which gives up retrying it and queues the new reaction as a new job:
   * its reactions are all offers or new links for that conversation, and the new job makes the same
   * offer if the running one failed.
   */
  async carryOut(payload: ReactionJob | readonly ReactionJob[]): Promise<void> {
    const jobs = (Array.isArray(payload) ? payload : [payload]).filter(
      (job): job is ReactionJob => typeof job === 'object' && job !== null && typeof job.messageId === 'string' && typeof job.reaction === 'object' && job.reaction !== null,
    );
    let failed = false;
    let failure: unknown;
    for (const job of jobs) {
      try {
        await this.dataSource.transaction(async (manager) => {
          const claimed: { created_at: Date }[] = await manager.query(`UPDATE messages SET reacted_at = now() WHERE id = $1 AND reacted_at IS NULL RETURNING created_at`, [
            job.messageId,
          ]);
          if (claimed[0]) await this.apply(manager, job, new Date(claimed[0].created_at));
        });
      } catch (error) {
        if (!failed) failure = error;
        failed = true;
      }
    }
    // the job fails (and is retried) once every reaction has had its turn
    if (failed) throw failure;
  }

  private async apply(manager: EntityManager, job: ReactionJob, messageAt: Date): Promise<void> {
    const target = { conversationId: job.conversationId, pageId: job.pageId, psid: job.psid };
    const { reaction } = job;
    if (reaction.type === 'new_link') {
      await this.handoffs.requestNewLink(manager, { ...target, messageAt });
      return;
    }
    const { decision } = reaction;
    switch (decision.action.type) {
      case 'handoff':
        await this.handoffs.offerFromMessenger(manager, {
          ...target,
          triggerId: decision.triggerId,
          triggerVersion: decision.version,
          action: decision.action,
          detection: job.detection,
          messageAt,
        });
        return;
      case 'warn':
        await this.outbox.enqueue(manager, [
          {
            ...target,
            kind: 'message',
            body: buildTextMessage(job.psid, decision.action.messageText, { messagingType: 'RESPONSE', metadata: SERVICE_MESSAGE_METADATA }),
          },
        ]);
        return;
      default: {
        const unknownAction: never = decision.action;
        this.logger.error({ action: String((unknownAction as { type?: unknown }).type) }, 'unknown trigger action');
      }
    }
  }
}
