import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The hash chain over the audit trail, kept apart from the events so that recording an event takes
 * no lock: a chainer appends one row per committed event, in its own transaction. Append-only like
 * audit_events (privileges revoked, and a trigger that refuses even a superuser).
 *
 * No foreign key to audit_events: its check runs `SELECT ... FOR KEY SHARE` as the owner of
 * audit_events, which needs the UPDATE privilege that append-only revokes. Verification reports a
 * chain row whose event is missing instead.
 */
export class CreatedAuditChain1764100005000 implements MigrationInterface {
  name = 'CreatedAuditChain1764100005000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit_chain (
        position bigserial PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        chained_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE FUNCTION audit_chain_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER audit_chain_append_only BEFORE UPDATE OR DELETE ON audit_chain
      FOR EACH ROW EXECUTE FUNCTION audit_chain_refuse_change()`);
    await queryRunner.query(`
      CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
      FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_refuse_change()`);
    await queryRunner.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_chain FROM PUBLIC`);
    await queryRunner.query(`DO $$ BEGIN EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_chain FROM %I', current_user); END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DO $$ BEGIN EXECUTE format('GRANT UPDATE, DELETE, TRUNCATE ON audit_chain TO %I', current_user); END $$`);
    await queryRunner.query(`DROP TRIGGER audit_chain_no_truncate ON audit_chain`);
    await queryRunner.query(`DROP TRIGGER audit_chain_append_only ON audit_chain`);
    await queryRunner.query(`DROP FUNCTION audit_chain_refuse_change()`);
    await queryRunner.query(`DROP TABLE audit_chain`);
  }
}
