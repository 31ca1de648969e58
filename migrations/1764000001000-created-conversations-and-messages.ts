import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatedConversationsAndMessages1764000001000 implements MigrationInterface {
  name = 'CreatedConversationsAndMessages1764000001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE conversations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        page_id text NOT NULL REFERENCES pages (page_id),
        psid text NOT NULL,
        state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'handoff_offered', 'handed_off', 'closed')),
        last_seq integer NOT NULL DEFAULT 0,
        last_customer_message_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (page_id, psid)
      )`);
    // Only redacted text and a summary of what detection found (types and intent, never values).
    await queryRunner.query(`
      CREATE TABLE messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        direction text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
        author text NOT NULL CHECK (author IN ('customer', 'page', 'service')),
        kind text NOT NULL CHECK (kind IN ('text', 'attachments', 'quick_reply', 'postback')),
        mid text,
        redacted_text text,
        sensitive boolean NOT NULL DEFAULT false,
        detection jsonb,
        attachment_types text[] NOT NULL DEFAULT '{}',
        attachment_count integer NOT NULL DEFAULT 0,
        trigger_id uuid,
        trigger_version integer,
        sent_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (conversation_id, seq)
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX messages_mid_key ON messages (mid) WHERE mid IS NOT NULL`);
    // Every event seen, by Meta's dedupe key: a redelivery finds its key and changes nothing.
    await queryRunner.query(`
      CREATE TABLE messenger_events (
        page_id text NOT NULL,
        dedupe_key text NOT NULL,
        kind text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (page_id, dedupe_key)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE messenger_events`);
    await queryRunner.query(`DROP TABLE messages`);
    await queryRunner.query(`DROP TABLE conversations`);
  }
}
