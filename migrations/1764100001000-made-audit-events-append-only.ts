import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail is append-only: the application's role loses UPDATE, DELETE and TRUNCATE, and a
 * trigger refuses them for everyone (a superuser ignores privileges, as in tests and the demo).
 * Repairing the table takes a deliberate `ALTER TABLE ... DISABLE TRIGGER` by its owner.
 */
export class MadeAuditEventsAppendOnly1764100001000 implements MigrationInterface {
  name = 'MadeAuditEventsAppendOnly1764100001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()`);
    await queryRunner.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()`);
    await queryRunner.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM PUBLIC`);
    await queryRunner.query(`DO $$ BEGIN EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM %I', current_user); END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DO $$ BEGIN EXECUTE format('GRANT UPDATE, DELETE, TRUNCATE ON audit_events TO %I', current_user); END $$`);
    await queryRunner.query(`DROP TRIGGER audit_events_no_truncate ON audit_events`);
    await queryRunner.query(`DROP TRIGGER audit_events_append_only ON audit_events`);
    await queryRunner.query(`DROP FUNCTION audit_events_refuse_change()`);
  }
}
