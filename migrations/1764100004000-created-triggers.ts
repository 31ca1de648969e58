import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Triggers and their versions. A version is never changed or removed (enforced by a trigger): every
 * change, deletion and restore adds one, and a handoff can name the exact version that fired.
 */
export class CreatedTriggers1764100004000 implements MigrationInterface {
  name = 'CreatedTriggers1764100004000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE triggers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        current_version integer NOT NULL,
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE trigger_versions (
        trigger_id uuid NOT NULL REFERENCES triggers (id),
        version integer NOT NULL CHECK (version >= 1),
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        enabled boolean NOT NULL,
        priority integer NOT NULL,
        scope jsonb NOT NULL,
        conditions jsonb NOT NULL,
        action jsonb NOT NULL,
        change text NOT NULL CHECK (change IN ('created', 'updated', 'restored', 'deleted')),
        restored_from integer,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (trigger_id, version)
      )`);
    await queryRunner.query(`
      CREATE FUNCTION trigger_versions_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'trigger_versions are immutable (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER trigger_versions_immutable BEFORE UPDATE OR DELETE ON trigger_versions
      FOR EACH ROW EXECUTE FUNCTION trigger_versions_refuse_change()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE trigger_versions`);
    await queryRunner.query(`DROP FUNCTION trigger_versions_refuse_change()`);
    await queryRunner.query(`DROP TABLE triggers`);
  }
}
