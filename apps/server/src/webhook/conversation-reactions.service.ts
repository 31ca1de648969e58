import { Injectable } from '@nestjs/common';
import type { DetectionResult } from '@handoff/detection';
import { buildTextMessage } from '@handoff/messenger';
import type { EntityManager } from 'typeorm';
import { DetectionService } from '../detection/detection.service.js';
import { HandoffService, NEW_LINK_PAYLOAD, NEW_LINK_PHRASES } from '../handoff/handoff.service.js';
import { OutboxService } from '../outbound/outbox.service.js';
import { SERVICE_MESSAGE_METADATA } from '../outbound/service-message.js';
import { TriggerEvaluator } from '../triggers/trigger.evaluator.js';
import type { TriggerDecision } from '../triggers/trigger.types.js';

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

/** What the service will do about a message, decided in memory before the transaction. */
export type Reaction = { type: 'trigger'; decision: TriggerDecision } | { type: 'new_link' };

const NO_DETECTION: DetectionResult = { redactedText: '', entities: [], intent: null, sensitive: false };
const NEW_LINK_TEXTS = new Set(NEW_LINK_PHRASES);

/**
 * Decides (pure, in memory) and then carries out, inside the intake transaction, what the service
 * does about a customer message: a warning, a handoff offer, or a fresh link on request.
 */
@Injectable()
export class ConversationReactionsService {
  constructor(
    private readonly triggers: TriggerEvaluator,
    private readonly handoffs: HandoffService,
    private readonly outbox: OutboxService,
  ) {}

  decide(facts: CustomerInputFacts): Reaction | null {
    if (facts.standby) return null;
    if (facts.payload === NEW_LINK_PAYLOAD || NEW_LINK_TEXTS.has(facts.text.trim().toLowerCase())) return { type: 'new_link' };
    const decision = this.triggers.evaluate({
      pageId: facts.pageId,
      detection: facts.detection ?? NO_DETECTION,
      text: facts.text,
      attachmentTypes: facts.attachmentTypes,
    });
    return decision ? { type: 'trigger', decision } : null;
  }

  async apply(manager: EntityManager, conversationId: string, facts: CustomerInputFacts, reaction: Reaction): Promise<void> {
    const target = { conversationId, pageId: facts.pageId, psid: facts.psid };
    if (reaction.type === 'new_link') {
      await this.handoffs.requestNewLink(manager, target);
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
          detection: facts.detection ? DetectionService.summarise(facts.detection) : null,
        });
        return;
      case 'warn':
        await this.outbox.enqueue(manager, [
          {
            ...target,
            kind: 'message',
            body: buildTextMessage(facts.psid, decision.action.messageText, { messagingType: 'RESPONSE', metadata: SERVICE_MESSAGE_METADATA }),
          },
        ]);
        return;
      default: {
        const unknownAction: never = decision.action;
        throw new Error(`unknown trigger action ${JSON.stringify(unknownAction)}`);
      }
    }
  }
}
