import path from 'node:path';
import { DataSource } from 'typeorm';
import { ConfigValidationError, loadConfig } from '../config/app-config.js';
import { loadOrCreateDemoSecrets } from '../config/demo-secrets.store.js';
import { createDataSourceOptions } from '../database/data-source.js';
import { EmbeddedPostgresServer } from '../database/embedded-postgres.server.js';
import { verifyAuditChain } from './audit-chain.js';
import { chainPendingEvents } from './audit-chainer.js';

/**
 * `npm run audit:verify`: links events still pending (under the chainers' lock, so alongside running
 * servers too), checks the whole audit chain and exits 0 when intact, 1 naming the first broken link
 * (or an event left unchained past the grace period), 2 when it could not check. Uses DATABASE_URL, or the embedded PostgreSQL under .data/
 * (only while the server is stopped: the cluster admits one postmaster).
 */
async function main(): Promise<number> {
  const dataDir = path.resolve(process.cwd(), '.data');
  let databaseUrl: string | null;
  try {
    databaseUrl = loadConfig(process.env, { dataDir, demoSecrets: () => loadOrCreateDemoSecrets(dataDir) }).databaseUrl;
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  let embedded: EmbeddedPostgresServer | null = null;
  if (!databaseUrl) {
    embedded = new EmbeddedPostgresServer({ dataDir: path.join(dataDir, 'postgres'), persistent: true });
    databaseUrl = await embedded.start();
  }
  const dataSource = new DataSource(createDataSourceOptions(databaseUrl, { poolSize: 1, applicationName: 'audit-verify' }));
  try {
    await dataSource.initialize();
    const linked = await chainPendingEvents(dataSource);
    const result = await verifyAuditChain(dataSource);
    if (result.ok) {
      process.stdout.write(
        `audit chain intact: ${result.checked} events (${linked} linked now), ${result.pending} pending, last hash ${result.lastHash}\n`,
      );
      return 0;
    }
    const broken = result.firstBreak!;
    process.stdout.write(
      `audit chain BROKEN at event seq=${broken.seq ?? '-'} id=${broken.id} position=${broken.position ?? '-'} (${broken.reason}); ` +
        `${result.checked} links before it are intact; ${result.unchained} events unchained past the grace period, ${result.pending} pending\n`,
    );
    return 1;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`audit:verify failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
