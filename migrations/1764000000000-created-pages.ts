import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatedPages1764000000000 implements MigrationInterface {
  name = 'CreatedPages1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE pages (
        page_id text PRIMARY KEY CHECK (page_id ~ '^[0-9]{1,32}$'),
        name text NOT NULL,
        access_token_sealed text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE pages`);
  }
}
