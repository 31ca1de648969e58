import { CreatedPages1764000000000 } from './1764000000000-created-pages.js';
import { CreatedConversationsAndMessages1764000001000 } from './1764000001000-created-conversations-and-messages.js';
import { CreatedOutbox1764000002000 } from './1764000002000-created-outbox.js';
import { AddedMessagesReactedAt1764000003000 } from './1764000003000-added-messages-reacted-at.js';
import { LoweredConversationsFillfactor1764000004000 } from './1764000004000-lowered-conversations-fillfactor.js';
import { AddedOutboxSealedBody1764000005000 } from './1764000005000-added-outbox-sealed-body.js';
import { CreatedAuditEvents1764100000000 } from './1764100000000-created-audit-events.js';
import { MadeAuditEventsAppendOnly1764100001000 } from './1764100001000-made-audit-events-append-only.js';
import { CreatedStaffAccounts1764100002000 } from './1764100002000-created-staff-accounts.js';
import { CreatedStaffSessions1764100003000 } from './1764100003000-created-staff-sessions.js';
import { CreatedTriggers1764100004000 } from './1764100004000-created-triggers.js';
import { CreatedAuditChain1764100005000 } from './1764100005000-created-audit-chain.js';
import { MovedAuditHashesToAuditChain1764100006000 } from './1764100006000-moved-audit-hashes-to-audit-chain.js';
import { CreatedHandoffs1764200000000 } from './1764200000000-created-handoffs.js';
import { CreatedCustomerSessions1764200001000 } from './1764200001000-created-customer-sessions.js';

/** Every migration, in order. A landed migration is never edited: add a new one. */
export const MIGRATIONS: Function[] = [
  CreatedPages1764000000000,
  CreatedConversationsAndMessages1764000001000,
  CreatedOutbox1764000002000,
  AddedMessagesReactedAt1764000003000,
  LoweredConversationsFillfactor1764000004000,
  AddedOutboxSealedBody1764000005000,
  CreatedAuditEvents1764100000000,
  MadeAuditEventsAppendOnly1764100001000,
  CreatedStaffAccounts1764100002000,
  CreatedStaffSessions1764100003000,
  CreatedTriggers1764100004000,
  CreatedAuditChain1764100005000,
  MovedAuditHashesToAuditChain1764100006000,
  CreatedHandoffs1764200000000,
  CreatedCustomerSessions1764200001000,
];
