import { AuditEventEntity } from '../audit/audit-event.entity.js';
import { StaffAccountEntity } from '../identity/staff-account.entity.js';
import { StaffSessionEntity } from '../identity/staff-session.entity.js';
import { TriggerEntity } from '../triggers/trigger.entity.js';
import { TriggerVersionEntity } from '../triggers/trigger-version.entity.js';
import { ConversationEntity } from '../conversations/conversation.entity.js';
import { MessageEntity } from '../conversations/message.entity.js';
import { OutboxMessageEntity } from '../outbound/outbox-message.entity.js';
import { PageEntity } from '../pages/page.entity.js';
import { CustomerSessionEntity } from '../handoff/customer-session.entity.js';
import { HandoffEntity, HandoffLinkEntity } from '../handoff/handoff.entity.js';

/** Every TypeORM entity of the server, listed once for the data source and the migration generator. */
export const ENTITIES: Function[] = [PageEntity, ConversationEntity, MessageEntity, OutboxMessageEntity, AuditEventEntity, StaffAccountEntity, StaffSessionEntity, TriggerEntity, TriggerVersionEntity, HandoffEntity, HandoffLinkEntity, CustomerSessionEntity];
