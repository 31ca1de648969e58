import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type MessageDirection = 'inbound' | 'outbound';
/** customer: the Messenger user; page: the Page itself (an echo of a human or another app);
 * service: this service's own replies. */
export type MessageAuthor = 'customer' | 'page' | 'service';
export type MessageKind = 'text' | 'attachments' | 'quick_reply' | 'postback';

/** What detection found, without any value: entity types with counts, and the intent. */
export interface DetectionSummary {
  entities: { type: string; count: number }[];
  intent: { label: string; confidence: number; sensitive: boolean; theme: string | null } | null;
}

/** A message as stored: redacted text only, in Meta's order (per-conversation seq). */
@Entity({ name: 'messages' })
export class MessageEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @Column({ type: 'integer' })
  seq!: number;

  @Column({ type: 'text' })
  direction!: MessageDirection;

  @Column({ type: 'text' })
  author!: MessageAuthor;

  @Column({ type: 'text' })
  kind!: MessageKind;

  @Column({ type: 'text', nullable: true })
  mid!: string | null;

  @Column({ name: 'redacted_text', type: 'text', nullable: true })
  redactedText!: string | null;

  @Column({ type: 'boolean', default: false })
  sensitive!: boolean;

  @Column({ type: 'jsonb', nullable: true })
  detection!: DetectionSummary | null;

  @Column({ name: 'attachment_types', type: 'text', array: true, default: () => "'{}'" })
  attachmentTypes!: string[];

  @Column({ name: 'attachment_count', type: 'integer', default: 0 })
  attachmentCount!: number;

  @Column({ name: 'trigger_id', type: 'uuid', nullable: true })
  triggerId!: string | null;

  @Column({ name: 'trigger_version', type: 'integer', nullable: true })
  triggerVersion!: number | null;

  @Column({ name: 'reacted_at', type: 'timestamptz', nullable: true })
  reactedAt!: Date | null;

  @Column({ name: 'sent_at', type: 'timestamptz' })
  sentAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
