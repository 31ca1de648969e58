import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { EmbeddedPostgresServer } from '../../apps/server/src/database/embedded-postgres.server.js';

/** A fresh database for one benchmark run: on DATABASE_URL's server, or on the embedded
 * PostgreSQL under .data/ (as `npm start` uses). Dropped by `drop()`. */
export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(): Promise<BenchDatabase> {
  let embedded: EmbeddedPostgresServer | null = null;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    embedded = new EmbeddedPostgresServer({ dataDir: path.resolve('.data', 'postgres'), persistent: true });
    adminUrl = await embedded.start();
  }
  const name = `handoff_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
      await embedded?.stop();
    },
  };
}
