import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TriggerAction, TriggerChange, TriggerConditions, TriggerScope } from './trigger.types.js';

/** One immutable version of a trigger (the database refuses UPDATE and DELETE). */
@Entity({ name: 'trigger_versions' })
export class TriggerVersionEntity {
  @PrimaryColumn({ name: 'trigger_id', type: 'uuid' })
  triggerId!: string;

  @PrimaryColumn({ type: 'integer' })
  version!: number;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  description!: string;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Column({ type: 'integer' })
  priority!: number;

  @Column({ type: 'jsonb' })
  scope!: TriggerScope;

  @Column({ type: 'jsonb' })
  conditions!: TriggerConditions;

  @Column({ type: 'jsonb' })
  action!: TriggerAction;

  @Column({ type: 'text' })
  change!: TriggerChange;

  @Column({ name: 'restored_from', type: 'integer', nullable: true })
  restoredFrom!: number | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
