import path from 'node:path';
import { type AppConfig, ConfigValidationError, loadConfig } from './config/app-config.js';
import { loadOrCreateDemoSecrets } from './config/demo-secrets.store.js';
import { EmbeddedPostgresServer } from './database/embedded-postgres.server.js';
import { createApp } from './bootstrap.js';

const DATA_DIR = path.resolve(process.cwd(), '.data');

function readConfig(): AppConfig {
  try {
    return loadConfig(process.env, { dataDir: DATA_DIR, demoSecrets: () => loadOrCreateDemoSecrets(DATA_DIR) });
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  let embedded: EmbeddedPostgresServer | null = null;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = new EmbeddedPostgresServer({ dataDir: path.join(DATA_DIR, 'postgres'), persistent: true });
    process.stdout.write(`Starting the embedded PostgreSQL under ${path.join(DATA_DIR, 'postgres')} ...\n`);
    databaseUrl = await embedded.start();
  }
  const app = await createApp({ ...config, databaseUrl });
  await app.listen({ port: config.port, host: config.host });

  const lines = [
    `Secure handoff listening on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`,
    `  public base URL: ${config.publicBaseUrl}`,
    `  health:          ${config.publicBaseUrl}/health`,
    `  API docs:        ${config.publicBaseUrl}/api/docs`,
    `  metrics:         ${config.publicBaseUrl}/metrics`,
    `  database:        ${embedded ? 'embedded PostgreSQL (.data/postgres)' : 'DATABASE_URL'}`,
  ];
  if (config.demoMode) {
    lines.push(`  simulator:       ${config.publicBaseUrl}/simulator (type as a Messenger customer)`);
    lines.push('  demo mode: built-in fake Graph API; secrets generated in .data/demo-secrets.json (the demo admin password too)');
    if (config.demoCredentials) lines.push(`  demo admin: ${config.demoCredentials.adminEmail} / ${config.demoCredentials.adminPassword}`);
  }
  process.stdout.write(lines.join('\n') + '\n');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: finishing in-flight requests and stopping\n`);
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    try {
      await app.close();
      await embedded?.stop();
      process.exit(0);
    } catch (error) {
      process.stderr.write(`shutdown failed: ${(error as Error).name}\n`);
      process.exit(1);
    }
  };
  // embedded-postgres registers signal hooks (async-exit-hook) that stop PostgreSQL and exit at once,
  // racing the app's own close: requests in flight would lose their database. This handler stops
  // it in order instead, after the app has closed.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeAllListeners(signal);
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => void stop('SIGHUP'));
}

main().catch(async (error: unknown) => {
  process.stderr.write(`start failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
