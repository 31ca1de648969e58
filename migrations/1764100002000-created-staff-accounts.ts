import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Staff who sign in to the console and the admin API; passwords are argon2id hashes. */
export class CreatedStaffAccounts1764100002000 implements MigrationInterface {
  name = 'CreatedStaffAccounts1764100002000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE staff_accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        display_name text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent')),
        skills text[] NOT NULL DEFAULT '{}',
        max_concurrent_chats integer NOT NULL DEFAULT 3 CHECK (max_concurrent_chats BETWEEN 1 AND 50),
        enabled boolean NOT NULL DEFAULT true,
        password_hash text NOT NULL,
        password_changed_at timestamptz NOT NULL DEFAULT now(),
        failed_login_count integer NOT NULL DEFAULT 0,
        failed_window_started_at timestamptz,
        locked_until timestamptz,
        last_login_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX staff_accounts_email_key ON staff_accounts (lower(email))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE staff_accounts`);
  }
}
