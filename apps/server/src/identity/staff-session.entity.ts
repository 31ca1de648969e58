import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'staff_sessions' })
export class StaffSessionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'staff_id', type: 'uuid' })
  staffId!: string;

  @Column({ name: 'refresh_token_hash', type: 'bytea', select: false })
  refreshTokenHash!: Buffer;

  @Column({ name: 'previous_refresh_token_hash', type: 'bytea', nullable: true, select: false })
  previousRefreshTokenHash!: Buffer | null;

  @Column({ type: 'text', nullable: true })
  origin!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_refreshed_at', type: 'timestamptz', nullable: true })
  lastRefreshedAt!: Date | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'revoked_reason', type: 'text', nullable: true })
  revokedReason!: string | null;
}
