import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Sign-in sessions: the refresh token (stored hashed) rotates on every use; logout revokes. */
export class CreatedStaffSessions1764100003000 implements MigrationInterface {
  name = 'CreatedStaffSessions1764100003000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE staff_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        staff_id uuid NOT NULL REFERENCES staff_accounts (id) ON DELETE CASCADE,
        refresh_token_hash bytea NOT NULL UNIQUE,
        previous_refresh_token_hash bytea,
        origin text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_refreshed_at timestamptz,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason text
      )`);
    await queryRunner.query(`CREATE INDEX staff_sessions_staff_idx ON staff_sessions (staff_id) WHERE revoked_at IS NULL`);
    await queryRunner.query(`CREATE INDEX staff_sessions_previous_hash_idx ON staff_sessions (previous_refresh_token_hash)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE staff_sessions`);
  }
}
