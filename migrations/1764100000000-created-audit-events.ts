import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The audit trail: one row per event, each chained to the previous one by its hash. */
export class CreatedAuditEvents1764100000000 implements MigrationInterface {
  name = 'CreatedAuditEvents1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit_events (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        occurred_at timestamptz NOT NULL,
        actor_type text NOT NULL CHECK (actor_type IN ('staff', 'system', 'customer')),
        actor_id text,
        action text NOT NULL,
        resource_type text NOT NULL,
        resource_id text,
        outcome text NOT NULL CHECK (outcome IN ('success', 'failure')),
        origin text,
        before jsonb,
        after jsonb,
        details jsonb,
        prev_hash text NOT NULL,
        hash text NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX audit_events_occurred_at_idx ON audit_events (occurred_at)`);
    await queryRunner.query(`CREATE INDEX audit_events_action_idx ON audit_events (action, seq)`);
    await queryRunner.query(`CREATE INDEX audit_events_resource_idx ON audit_events (resource_type, resource_id, seq)`);
    await queryRunner.query(`CREATE INDEX audit_events_actor_idx ON audit_events (actor_type, actor_id, seq)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE audit_events`);
  }
}
