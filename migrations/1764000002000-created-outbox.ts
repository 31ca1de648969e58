import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatedOutbox1764000002000 implements MigrationInterface {
  name = 'CreatedOutbox1764000002000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Ready-to-send Send API bodies written in the intake transaction; the worker only delivers.
    // Bodies hold the service's own texts and links, never customer text.
    await queryRunner.query(`
      CREATE TABLE outbox_messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        page_id text NOT NULL,
        recipient_psid text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('message', 'sender_action', 'pass_thread_control', 'take_thread_control')),
        body jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
        attempts integer NOT NULL DEFAULT 0,
        last_error_kind text,
        last_error_code integer,
        last_error_subcode integer,
        failure_reason text,
        message_id text,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX outbox_messages_unfinished_idx ON outbox_messages (conversation_id, created_at) WHERE status IN ('pending', 'sending')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE outbox_messages`);
  }
}
