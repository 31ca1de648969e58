import { randomBytes } from 'node:crypto';
import { type AppConfig, loadConfig } from '../../apps/server/src/config/app-config.js';

/** The configuration an e2e test runs with: the run's own database, explicit Messenger settings
 * (never demo mode), quiet logs. `overrides` are environment variables. */
export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  const databaseUrl = process.env.TEST_DATABASE_URL;
  if (!databaseUrl) throw new Error('TEST_DATABASE_URL is not set: run the tests through `npm test`');
  const secret = (bytes = 32) => randomBytes(bytes).toString('base64url');
  return loadConfig({
    NODE_ENV: 'test',
    PORT: '3000',
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    MESSENGER_APP_SECRET: secret(),
    MESSENGER_VERIFY_TOKEN: secret(12),
    MESSENGER_PAGE_ID: String(100_000_000_000 + Math.floor(Math.random() * 1e9)),
    MESSENGER_PAGE_ACCESS_TOKEN: 'TEST' + secret(),
    MESSENGER_GRAPH_URL: 'http://127.0.0.1:9/v25.0',
    LINK_SIGNING_KEYS: `k1:${secret()}`,
    DATA_ENCRYPTION_KEY: secret(),
    CUSTOMER_VERIFICATION: 'none',
    // Small pools: two suites run at once, some with several apps, on a server with 100 connections
    DATABASE_POOL_SIZE: '8',
    OUTBOX_CONCURRENCY: '4',
    // Every test app has jobs of its own: an app's jobs must be run by an app with its Graph API
    // settings (apps sharing one config object share them, like a deployment's instances).
    JOBS_NAMESPACE: `test${randomBytes(5).toString('hex')}`,
    // CI exports REDIS_URL: then the apps under test share rate limits and notifications through it.
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `test:${secret(6)}:` } : {}),
    ...overrides,
  });
}
