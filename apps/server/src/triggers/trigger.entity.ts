import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A trigger's identity and which of its versions is current. */
@Entity({ name: 'triggers' })
export class TriggerEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'current_version', type: 'integer' })
  currentVersion!: number;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
