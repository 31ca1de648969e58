import { Injectable } from '@nestjs/common';
import type { DetectionResult } from '@handoff/detection';
import { buildTextMessage } from '@handoff/messenger';
import type { EntityManager } from 'typeorm';
import { OutboxService } from '../outbound/outbox.service.js';
import { SERVICE_MESSAGE_METADATA } from '../outbound/service-message.js';

/** Everything known about one stored customer message, in memory only (text is raw). */
export interface CustomerInput {
  conversationId: string;
  conversationState: string;
  messageId: string;
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

export interface FiredTrigger {
  triggerId: string;
  version: number;
}

/**
 * What the service does about a customer message, inside the intake transaction: evaluate the
 * triggers and carry out the winner's action (a warning, or a handoff offer).
 */
@Injectable()
export class ConversationReactionsService {
  constructor(private readonly outbox: OutboxService) {}

  async onCustomerInput(manager: EntityManager, input: CustomerInput): Promise<FiredTrigger | null> {
    void manager;
    void input;
    void this.outbox;
    void buildTextMessage;
    void SERVICE_MESSAGE_METADATA;
    return null;
  }
}
