import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { DetectionSummary } from '../conversations/message.entity.js';
import type { HandoffState } from './handoff.types.js';

/** One offer of the secure chat to a Messenger conversation, and what became of it. */
@Entity({ name: 'handoffs' })
export class HandoffEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @Column({ name: 'page_id', type: 'text' })
  pageId!: string;

  @Column({ type: 'text' })
  psid!: string;

  @Column({ name: 'trigger_id', type: 'text', nullable: true })
  triggerId!: string | null;

  @Column({ name: 'trigger_version', type: 'integer', nullable: true })
  triggerVersion!: number | null;

  @Column({ type: 'jsonb', nullable: true })
  detection!: DetectionSummary | null;

  @Column({ type: 'text' })
  queue!: string;

  /** The trigger's text above the button (admin-written, never customer text). */
  @Column({ name: 'message_text', type: 'text' })
  messageText!: string;

  @Column({ type: 'text', default: 'offered' })
  state!: HandoffState;

  @Column({ name: 'link_ttl_seconds', type: 'integer' })
  linkTtlSeconds!: number;

  @Column({ name: 'thread_passed_to', type: 'text', nullable: true })
  threadPassedTo!: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'last_sent_at', type: 'timestamptz' })
  lastSentAt!: Date;

  @Column({ name: 'send_count', type: 'integer', default: 1 })
  sendCount!: number;

  @Column({ name: 'verification_method', type: 'text', nullable: true })
  verificationMethod!: 'oidc' | 'none' | null;

  @Column({ name: 'verified_subject_sealed', type: 'text', nullable: true, select: false })
  verifiedSubjectSealed!: string | null;

  @Column({ name: 'verified_claims_sealed', type: 'text', nullable: true, select: false })
  verifiedClaimsSealed!: string | null;

  @Column({ name: 'revoked_by', type: 'text', nullable: true })
  revokedBy!: string | null;

  @Column({ name: 'revoked_reason', type: 'text', nullable: true })
  revokedReason!: string | null;

  @Column({ name: 'offered_at', type: 'timestamptz' })
  offeredAt!: Date;

  @Column({ name: 'opened_at', type: 'timestamptz', nullable: true })
  openedAt!: Date | null;

  @Column({ name: 'redeemed_at', type: 'timestamptz', nullable: true })
  redeemedAt!: Date | null;

  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true })
  verifiedAt!: Date | null;

  @Column({ name: 'activated_at', type: 'timestamptz', nullable: true })
  activatedAt!: Date | null;

  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt!: Date | null;

  @Column({ name: 'expired_at', type: 'timestamptz', nullable: true })
  expiredAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** A link minted for a handoff, known only by the hash of its nonce. */
@Entity({ name: 'handoff_links' })
export class HandoffLinkEntity {
  @Column({ name: 'nonce_hash', type: 'text', primary: true })
  nonceHash!: string;

  @Column({ name: 'handoff_id', type: 'uuid' })
  handoffId!: string;

  @Column({ type: 'text' })
  kid!: string;

  @Column({ name: 'issued_at', type: 'timestamptz' })
  issuedAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
