import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { createDataSourceOptions } from '../../apps/server/src/database/data-source.js';
import { revertLastMigration, runPendingMigrations } from '../../apps/server/src/database/migration.runner.js';
import { MIGRATIONS } from '../../migrations/index.js';

/** On a database of its own: two instances migrating at once, and every `down` undoing its `up`. */
describe('migrations', () => {
  const name = `handoff_migrations_${randomBytes(4).toString('hex')}`;
  let adminUrl: string;
  let url: string;

  beforeAll(async () => {
    const testUrl = new URL(process.env.TEST_DATABASE_URL!);
    testUrl.pathname = '/postgres';
    adminUrl = testUrl.toString();
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    testUrl.pathname = `/${name}`;
    url = testUrl.toString();
  });

  afterAll(async () => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });

  it('lets two instances start together: the advisory lock makes the second find nothing to do', async () => {
    const first = await new DataSource(createDataSourceOptions(url, { poolSize: 2 })).initialize();
    const second = await new DataSource(createDataSourceOptions(url, { poolSize: 2 })).initialize();
    try {
      const [a, b] = await Promise.all([runPendingMigrations(first), runPendingMigrations(second)]);
      expect(a.length + b.length).toBe(MIGRATIONS.length);
      expect(Math.min(a.length, b.length)).toBe(0);
      const rows: { name: string }[] = await first.query(`SELECT name FROM schema_migrations ORDER BY id`);
      expect(rows.map((r) => r.name)).toEqual(MIGRATIONS.map((m) => m.name));
    } finally {
      await first.destroy();
      await second.destroy();
    }
  });

  it('reverts every migration down to an empty schema and applies them again', async () => {
    const dataSource = await new DataSource(createDataSourceOptions(url, { poolSize: 2 })).initialize();
    try {
      for (let i = 0; i < MIGRATIONS.length; i++) await revertLastMigration(dataSource);
      const tables: { table_name: string }[] = await dataSource.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migrations'`,
      );
      expect(tables).toEqual([]);
      await expect(runPendingMigrations(dataSource)).resolves.toHaveLength(MIGRATIONS.length);
    } finally {
      await dataSource.destroy();
    }
  });
});
