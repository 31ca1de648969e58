import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatedCustomerSessions1764200001000 implements MigrationInterface {
  name = 'CreatedCustomerSessions1764200001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The secure-chat session a redeemed link turns into. Only the SHA-256 of the cookie value is
    // kept; the OIDC flow in progress (state, nonce, PKCE verifier) is sealed, and found on the
    // callback by the hash of its own SameSite=Lax cookie (the session cookie is Strict, so a
    // browser does not send it on the redirect back from the bank's login page).
    await queryRunner.query(`
      CREATE TABLE customer_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        handoff_id uuid NOT NULL REFERENCES handoffs (id) ON DELETE CASCADE,
        token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
        origin text,
        created_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        oidc_flow_hash bytea UNIQUE CHECK (length(oidc_flow_hash) = 32),
        oidc_flow_sealed text,
        oidc_flow_started_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX customer_sessions_handoff_idx ON customer_sessions (handoff_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE customer_sessions`);
  }
}
