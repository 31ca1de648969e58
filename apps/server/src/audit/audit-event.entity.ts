import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A row of the append-only audit trail (written by AuditService with raw SQL, read through this).
 * Its link in the hash chain is a row of audit_chain, appended by AuditChainer. */
@Entity({ name: 'audit_events' })
export class AuditEventEntity {
  /** bigint: TypeORM returns it as a string */
  @PrimaryColumn({ type: 'bigint', generated: 'identity' })
  seq!: string;

  @Column({ type: 'uuid' })
  id!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'actor_type', type: 'text' })
  actorType!: 'staff' | 'system' | 'customer';

  @Column({ name: 'actor_id', type: 'text', nullable: true })
  actorId!: string | null;

  @Column({ type: 'text' })
  action!: string;

  @Column({ name: 'resource_type', type: 'text' })
  resourceType!: string;

  @Column({ name: 'resource_id', type: 'text', nullable: true })
  resourceId!: string | null;

  @Column({ type: 'text' })
  outcome!: 'success' | 'failure';

  @Column({ type: 'text', nullable: true })
  origin!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  before!: unknown;

  @Column({ type: 'jsonb', nullable: true })
  after!: unknown;

  @Column({ type: 'jsonb', nullable: true })
  details!: unknown;
}
