import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type OutboxKind = 'message' | 'sender_action' | 'pass_thread_control' | 'take_thread_control';
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'cancelled';

/** A Send API call waiting to be made, or the record of how it went. */
@Entity({ name: 'outbox_messages' })
export class OutboxMessageEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @Column({ name: 'page_id', type: 'text' })
  pageId!: string;

  @Column({ name: 'recipient_psid', type: 'text' })
  recipientPsid!: string;

  @Column({ type: 'text' })
  kind!: OutboxKind;

  @Column({ type: 'jsonb' })
  body!: Record<string, unknown>;

  /** The body to send, sealed until it is sent; `body` has its link tokens replaced. */
  @Column({ name: 'sealed_body', type: 'text', nullable: true, select: false })
  sealedBody!: string | null;

  @Column({ type: 'text', default: 'pending' })
  status!: OutboxStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'last_error_kind', type: 'text', nullable: true })
  lastErrorKind!: string | null;

  @Column({ name: 'last_error_code', type: 'integer', nullable: true })
  lastErrorCode!: number | null;

  @Column({ name: 'last_error_subcode', type: 'integer', nullable: true })
  lastErrorSubcode!: number | null;

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason!: string | null;

  @Column({ name: 'message_id', type: 'text', nullable: true })
  messageId!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;
}
