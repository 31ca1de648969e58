import pg from 'pg';

export default async function globalTeardown() {
  const state = globalThis.__TEST_DATABASE__;
  if (!state) return;
  const admin = new pg.Client({ connectionString: state.adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${state.databaseName}" WITH (FORCE)`);
  await admin.end();
  if (state.embedded) await state.embedded.stop();
}
