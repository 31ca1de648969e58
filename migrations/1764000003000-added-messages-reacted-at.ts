import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddedMessagesReactedAt1764000003000 implements MigrationInterface {
  name = 'AddedMessagesReactedAt1764000003000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // When the service carried out its reaction to a message (a warning, a handoff offer): the
    // reaction job runs at most once per message, even if the job itself is retried.
    await queryRunner.query(`ALTER TABLE messages ADD COLUMN reacted_at timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE messages DROP COLUMN reacted_at`);
  }
}
