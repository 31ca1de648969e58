import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddedOutboxSealedBody1764000005000 implements MigrationInterface {
  name = 'AddedOutboxSealedBody1764000005000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The body to send, sealed (AES-256-GCM) until it is sent: secure-link tokens never rest in
    // clear. `body` keeps a copy with links replaced, for people reading the outbox.
    await queryRunner.query(`ALTER TABLE outbox_messages ADD COLUMN sealed_body text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE outbox_messages DROP COLUMN sealed_body`);
  }
}
