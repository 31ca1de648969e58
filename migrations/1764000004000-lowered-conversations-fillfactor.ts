import type { MigrationInterface, QueryRunner } from 'typeorm';

export class LoweredConversationsFillfactor1764000004000 implements MigrationInterface {
  name = 'LoweredConversationsFillfactor1764000004000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Every customer message updates its conversation (seq, times). Free space in each page lets
    // PostgreSQL make those heap-only updates, which touch no index: cheaper webhook intake.
    await queryRunner.query(`ALTER TABLE conversations SET (fillfactor = 70)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE conversations RESET (fillfactor)`);
  }
}
