import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatedHandoffs1764200000000 implements MigrationInterface {
  name = 'CreatedHandoffs1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // One row per offer. The detection summary holds types and intent only, never values; the
    // verified identity is sealed (DataEncryptionService) and never leaves for Meta.
    await queryRunner.query(`
      CREATE TABLE handoffs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        page_id text NOT NULL,
        psid text NOT NULL,
        trigger_id text,
        trigger_version integer,
        detection jsonb,
        queue text NOT NULL,
        message_text text NOT NULL,
        state text NOT NULL DEFAULT 'offered'
          CHECK (state IN ('offered', 'opened', 'redeemed', 'verified', 'active', 'closed', 'expired', 'revoked')),
        link_ttl_seconds integer NOT NULL CHECK (link_ttl_seconds BETWEEN 1 AND 3600),
        thread_passed_to text,
        expires_at timestamptz NOT NULL,
        last_sent_at timestamptz NOT NULL,
        send_count integer NOT NULL DEFAULT 1,
        verification_method text CHECK (verification_method IN ('oidc', 'none')),
        verified_subject_sealed text,
        verified_claims_sealed text,
        revoked_by text,
        revoked_reason text,
        offered_at timestamptz NOT NULL,
        opened_at timestamptz,
        redeemed_at timestamptz,
        verified_at timestamptz,
        activated_at timestamptz,
        closed_at timestamptz,
        expired_at timestamptz,
        revoked_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // At most one live offer per conversation.
    await queryRunner.query(`CREATE UNIQUE INDEX handoffs_one_live_offer_idx ON handoffs (conversation_id) WHERE state IN ('offered', 'opened')`);
    await queryRunner.query(`CREATE INDEX handoffs_conversation_idx ON handoffs (conversation_id, offered_at DESC)`);
    await queryRunner.query(`CREATE INDEX handoffs_state_idx ON handoffs (state, offered_at DESC)`);
    await queryRunner.query(`CREATE INDEX handoffs_expiry_idx ON handoffs (expires_at) WHERE state IN ('offered', 'opened')`);
    // Every link minted for a handoff (the first offer and its re-sends), by nonce hash only: the
    // token itself is never stored. Any of them redeems the handoff, once.
    await queryRunner.query(`
      CREATE TABLE handoff_links (
        nonce_hash text PRIMARY KEY CHECK (nonce_hash ~ '^[0-9a-f]{64}$'),
        handoff_id uuid NOT NULL REFERENCES handoffs (id) ON DELETE CASCADE,
        kid text NOT NULL,
        issued_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX handoff_links_handoff_idx ON handoff_links (handoff_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE handoff_links`);
    await queryRunner.query(`DROP TABLE handoffs`);
  }
}
