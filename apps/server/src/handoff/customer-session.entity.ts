import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A customer's secure-chat session: the cookie's SHA-256, bound to one handoff. */
@Entity({ name: 'customer_sessions' })
export class CustomerSessionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'handoff_id', type: 'uuid' })
  handoffId!: string;

  @Column({ name: 'token_hash', type: 'bytea', select: false })
  tokenHash!: Buffer;

  @Column({ type: 'text', nullable: true })
  origin!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'oidc_flow_hash', type: 'bytea', nullable: true, select: false })
  oidcFlowHash!: Buffer | null;

  @Column({ name: 'oidc_flow_sealed', type: 'text', nullable: true, select: false })
  oidcFlowSealed!: string | null;

  @Column({ name: 'oidc_flow_started_at', type: 'timestamptz', nullable: true })
  oidcFlowStartedAt!: Date | null;
}
