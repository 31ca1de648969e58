import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The chain moves from audit_events' own prev_hash/hash to audit_chain: existing links are copied
 * in seq order (the order they were chained in), so an existing chain carries over unchanged, then
 * the columns go. Dropping a column is DDL: the append-only triggers do not fire.
 */
export class MovedAuditHashesToAuditChain1764100006000 implements MigrationInterface {
  name = 'MovedAuditHashesToAuditChain1764100006000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      INSERT INTO audit_chain (event_id, prev_hash, hash)
      SELECT e.id, e.prev_hash, e.hash FROM audit_events e
       WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = e.id)
       ORDER BY e.seq`);
    await queryRunner.query(`ALTER TABLE audit_events DROP COLUMN prev_hash, DROP COLUMN hash`);
  }

  /**
   * Copies the links back; audit_chain keeps its rows (it is append-only; reverting the previous
   * migration drops it), and running up again skips them. The old layout chains events in seq order and needs a link on every
   * event; it cannot express an event chained out of seq order (a transaction that committed late)
   * or an event not chained yet, and SQL cannot recompute the hashes, so those refuse the revert
   * rather than leave a chain the old verifier would call broken. (Chain pending events first:
   * `npm run audit:verify` does.)
   */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM audit_events e WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = e.id)) THEN
          RAISE EXCEPTION 'audit events not chained yet: run npm run audit:verify (it chains them), then revert';
        END IF;
        IF EXISTS (
          SELECT 1 FROM (SELECT e.seq, lag(e.seq) OVER (ORDER BY c.position) AS prev_seq
                           FROM audit_chain c JOIN audit_events e ON e.id = c.event_id) links
           WHERE links.prev_seq > links.seq) THEN
          RAISE EXCEPTION 'audit_chain links events out of seq order: the previous layout cannot hold this chain';
        END IF;
      END
      $$`);
    await queryRunner.query(`ALTER TABLE audit_events ADD COLUMN prev_hash text, ADD COLUMN hash text`);
    // Filling the columns is an UPDATE, refused by privilege and trigger: lifted for this statement only.
    await queryRunner.query(`DO $$ BEGIN EXECUTE format('GRANT UPDATE ON audit_events TO %I', current_user); END $$`);
    await queryRunner.query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`);
    await queryRunner.query(`UPDATE audit_events e SET prev_hash = c.prev_hash, hash = c.hash FROM audit_chain c WHERE c.event_id = e.id`);
    await queryRunner.query(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`);
    await queryRunner.query(`DO $$ BEGIN EXECUTE format('REVOKE UPDATE ON audit_events FROM %I', current_user); END $$`);
    await queryRunner.query(`ALTER TABLE audit_events ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL`);
  }
}
