import { randomBytes } from 'node:crypto';

/** The typed configuration the whole server reads. Built once, at start, from the environment. */
export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  /** No Messenger settings and not production: a complete local demo with the built-in fake Graph API. */
  demoMode: boolean;
  port: number;
  host: string;
  publicBaseUrl: string;
  /** null: start the embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | null;
  /** Fastify's trustProxy: false, a hop count, or addresses/CIDRs of the proxies in front. Never
   * `true`: the client could then choose its own address (rate limits, audit origin). */
  trustedProxies: false | number | string[];
  /** Connections in the server's PostgreSQL pool. */
  databasePoolSize: number;
  dataDir: string;
  redisUrl: string | null;
  /** Every Redis key of this deployment starts with it (deployments or test runs sharing a Redis). */
  redisKeyPrefix: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Where log lines go instead of standard output: set in code only (tests read what was logged). */
  logDestination?: { write(line: string): void };
  messenger: {
    appSecrets: string[];
    verifyToken: string;
    pageId: string;
    pageAccessToken: string;
    /** null: the built-in fake Graph API (demo mode only). */
    graphUrl: string | null;
    acceptLegacySha1: boolean;
  };
  links: {
    /** `kid:secret,...`, the first is active. */
    signingKeys: string;
    ttlSeconds: number;
    /** Failed link attempts (GET or POST /s/:token) allowed per client address and 15 minutes. */
    failureLimitPerAddress: number;
  };
  outbox: {
    /** First retry delay; each further one doubles, with jitter. */
    retryBaseMs: number;
    maxAttempts: number;
    concurrency: number;
    /** Send API calls per second and Page (Meta allows 300/s for text and links). */
    pageRatePerSecond: number;
    /** A Send API call that has not answered by then counts as a transient failure. */
    sendTimeoutMs: number;
    /** Prefix of this deployment's job names in the shared job queue (graphile-worker): instances
     * with the same namespace share the work; other deployments on the database never run it. */
    jobsNamespace: string;
  };
  /** How the webhook writes events: statements in flight at once, events per statement at most. */
  intake: {
    writeConcurrency: number;
    batchMax: number;
  };
  /** 32 bytes: encrypts secrets and secure transcripts at rest. */
  dataEncryptionKey: Buffer<ArrayBufferLike>;
  /** null: the model shipped in libs/detection/models. */
  intentModelPath: string | null;
  customerVerification: 'oidc' | 'none';
  oidc: {
    issuer: string;
    clientId: string;
    clientSecret: string;
    /** Space-separated scopes asked for; `openid` is always included. */
    scopes: string;
    /** The bank's claim names for what the agent sees. */
    claimName: string;
    claimCustomerNumber: string;
  } | null;
  bootstrapAdmin: { email: string; password: string } | null;
  /** Values generated for demo mode that the start-up banner prints. */
  demoCredentials: { adminEmail: string; adminPassword: string } | null;
}

/** Secrets generated once for demo mode and kept under the data directory, so restarts keep working
 * (encrypted rows stay readable, links minted before a restart still verify). */
export interface DemoSecrets {
  appSecret: string;
  verifyToken: string;
  pageAccessToken: string;
  linkSigningKeys: string;
  dataEncryptionKey: string;
  adminPassword: string;
}

export function generateDemoSecrets(): DemoSecrets {
  const token = (bytes: number) => randomBytes(bytes).toString('base64url');
  return {
    appSecret: token(24),
    verifyToken: token(18),
    pageAccessToken: 'DEMO' + token(30),
    linkSigningKeys: `demo1:${token(32)}`,
    dataEncryptionKey: token(32),
    adminPassword: token(12),
  };
}

export const DEFAULT_GRAPH_URL = 'https://graph.facebook.com/v25.0';
export const DEMO_PAGE_ID = '100000000000001';
export const DEMO_ADMIN_EMAIL = 'admin@demo.local';
export const MAX_LINK_TTL_SECONDS = 3600;

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const MESSENGER_SETTINGS = [
  'MESSENGER_APP_SECRET',
  'MESSENGER_VERIFY_TOKEN',
  'MESSENGER_PAGE_ID',
  'MESSENGER_PAGE_ACCESS_TOKEN',
] as const;

/**
 * Validates the environment and returns the typed configuration, or throws one error that names
 * every bad variable (never its value: some are secrets).
 */
export function loadConfig(
  env: Env,
  options: { dataDir?: string; demoSecrets?: () => DemoSecrets } = {},
): AppConfig {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  };

  const nodeEnvRaw = value('NODE_ENV') ?? 'development';
  let nodeEnv: AppConfig['nodeEnv'] = 'development';
  if (nodeEnvRaw === 'production' || nodeEnvRaw === 'development' || nodeEnvRaw === 'test') nodeEnv = nodeEnvRaw;
  else problems.push(`NODE_ENV must be production, development or test`);
  const production = nodeEnv === 'production';
  const demoMode = !production && MESSENGER_SETTINGS.every((name) => value(name) === undefined);
  const demo = demoMode ? (options.demoSecrets ?? generateDemoSecrets)() : null;

  const port = parseInteger(value('PORT'), 3000, 1, 65535, 'PORT', problems);
  const host = value('HOST') ?? '0.0.0.0';

  let publicBaseUrl = `http://localhost:${port}`;
  const publicBaseRaw = value('PUBLIC_BASE_URL');
  if (publicBaseRaw !== undefined) {
    const url = parseUrl(publicBaseRaw, ['http:', 'https:']);
    if (!url || url.search || url.hash) problems.push('PUBLIC_BASE_URL must be an http(s) URL without query or fragment');
    else if (production && url.protocol !== 'https:') problems.push('PUBLIC_BASE_URL must use https in production');
    else publicBaseUrl = url.toString().replace(/\/+$/, '');
  } else if (production) {
    problems.push('PUBLIC_BASE_URL is required in production');
  }

  const databaseUrl = value('DATABASE_URL') ?? null;
  if (databaseUrl !== null && !parseUrl(databaseUrl, ['postgres:', 'postgresql:'])) {
    problems.push('DATABASE_URL must be a postgres:// URL');
  } else if (databaseUrl === null && production) {
    problems.push('DATABASE_URL is required in production (the embedded PostgreSQL is for local use)');
  }

  let trustedProxies: AppConfig['trustedProxies'] = false;
  const proxiesRaw = value('TRUSTED_PROXIES');
  if (proxiesRaw !== undefined) {
    if (/^\d{1,2}$/.test(proxiesRaw)) trustedProxies = Number(proxiesRaw);
    else {
      const list = proxiesRaw.split(',').map((p) => p.trim()).filter(Boolean);
      if (list.length === 0 || list.some((p) => !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(p))) problems.push('TRUSTED_PROXIES must be a hop count or comma-separated IP addresses/CIDRs');
      else trustedProxies = list;
    }
  }
  const databasePoolSize = parseInteger(value('DATABASE_POOL_SIZE'), 20, 2, 500, 'DATABASE_POOL_SIZE', problems);
  const redisUrl = value('REDIS_URL') ?? null;
  const redisKeyPrefix = value('REDIS_KEY_PREFIX') ?? 'secure-handoff:';
  if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(redisKeyPrefix)) problems.push('REDIS_KEY_PREFIX must be 1-64 letters, digits or :_.-');
  if (redisUrl !== null && !parseUrl(redisUrl, ['redis:', 'rediss:'])) problems.push('REDIS_URL must be a redis:// URL');

  const logLevelRaw = value('LOG_LEVEL') ?? 'info';
  const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
  const logLevel = logLevels.find((level) => level === logLevelRaw) ?? 'info';
  if (!logLevels.some((level) => level === logLevelRaw)) problems.push(`LOG_LEVEL must be one of ${logLevels.join(', ')}`);

  const required = (name: string, demoValue: string | undefined): string => {
    const given = value(name);
    if (given !== undefined) return given;
    if (demoValue !== undefined) return demoValue;
    problems.push(`${name} is required${production ? ' in production' : ' once any Messenger setting is given'}`);
    return '';
  };

  const appSecrets = required('MESSENGER_APP_SECRET', demo?.appSecret)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (value('MESSENGER_APP_SECRET') !== undefined && appSecrets.some((s) => s.length < 16)) {
    problems.push('MESSENGER_APP_SECRET must be one or more comma-separated secrets of at least 16 characters');
  }
  const verifyToken = required('MESSENGER_VERIFY_TOKEN', demo?.verifyToken);
  const pageId = required('MESSENGER_PAGE_ID', demo ? DEMO_PAGE_ID : undefined);
  if (pageId && !/^\d{1,32}$/.test(pageId)) problems.push('MESSENGER_PAGE_ID must be a numeric Page id');
  const pageAccessToken = required('MESSENGER_PAGE_ACCESS_TOKEN', demo?.pageAccessToken);

  let graphUrl: string | null = demoMode ? null : DEFAULT_GRAPH_URL;
  const graphRaw = value('MESSENGER_GRAPH_URL');
  if (graphRaw !== undefined) {
    const url = parseUrl(graphRaw, ['http:', 'https:']);
    if (!url) problems.push('MESSENGER_GRAPH_URL must be an http(s) URL');
    else graphUrl = url.toString().replace(/\/+$/, '');
  }

  const signingKeys = required('LINK_SIGNING_KEYS', demo?.linkSigningKeys);
  if (signingKeys && !/^[A-Za-z0-9_-]{1,32}:[^,:\s]{32,}(,[A-Za-z0-9_-]{1,32}:[^,:\s]{32,})*$/.test(signingKeys)) {
    problems.push('LINK_SIGNING_KEYS must be kid:secret pairs, comma-separated, each secret at least 32 characters');
  }
  const ttlSeconds = parseInteger(value('LINK_TTL_SECONDS'), 600, 30, MAX_LINK_TTL_SECONDS, 'LINK_TTL_SECONDS', problems);
  const failureLimitPerAddress = parseInteger(value('LINK_FAILURE_LIMIT'), 20, 1, 100_000, 'LINK_FAILURE_LIMIT', problems);

  const outbox = {
    retryBaseMs: parseInteger(value('OUTBOX_RETRY_BASE_MS'), 1000, 10, 600_000, 'OUTBOX_RETRY_BASE_MS', problems),
    maxAttempts: parseInteger(value('OUTBOX_MAX_ATTEMPTS'), 10, 1, 100, 'OUTBOX_MAX_ATTEMPTS', problems),
    concurrency: parseInteger(value('OUTBOX_CONCURRENCY'), 10, 1, 100, 'OUTBOX_CONCURRENCY', problems),
    pageRatePerSecond: parseInteger(value('PAGE_SEND_RATE_PER_SECOND'), 250, 1, 300, 'PAGE_SEND_RATE_PER_SECOND', problems),
    sendTimeoutMs: parseInteger(value('OUTBOX_SEND_TIMEOUT_MS'), 10_000, 100, 60_000, 'OUTBOX_SEND_TIMEOUT_MS', problems),
    jobsNamespace: value('JOBS_NAMESPACE') ?? 'handoff',
  };
  if (!/^[a-z][a-z0-9_-]{0,39}$/.test(outbox.jobsNamespace)) problems.push('JOBS_NAMESPACE must be 1-40 lower-case letters, digits, _ or -');

  const intake = {
    writeConcurrency: parseInteger(value('WEBHOOK_WRITE_CONCURRENCY'), 4, 1, 100, 'WEBHOOK_WRITE_CONCURRENCY', problems),
    batchMax: parseInteger(value('WEBHOOK_WRITE_BATCH_MAX'), 100, 1, 1000, 'WEBHOOK_WRITE_BATCH_MAX', problems),
  };

  let dataEncryptionKey: Buffer<ArrayBufferLike> = Buffer.alloc(0);
  const dekRaw = required('DATA_ENCRYPTION_KEY', demo?.dataEncryptionKey);
  if (dekRaw) {
    const decoded = decodeKey(dekRaw);
    if (!decoded || decoded.length !== 32) problems.push('DATA_ENCRYPTION_KEY must be 32 bytes, base64url/base64 or 64 hex characters');
    else dataEncryptionKey = decoded;
  }

  const verificationRaw = value('CUSTOMER_VERIFICATION') ?? (demoMode ? 'none' : 'oidc');
  let customerVerification: AppConfig['customerVerification'] = 'none';
  if (verificationRaw === 'oidc' || verificationRaw === 'none') customerVerification = verificationRaw;
  else problems.push('CUSTOMER_VERIFICATION must be oidc or none');

  let oidc: AppConfig['oidc'] = null;
  if (customerVerification === 'oidc') {
    const issuer = value('OIDC_ISSUER');
    const clientId = value('OIDC_CLIENT_ID');
    const clientSecret = value('OIDC_CLIENT_SECRET');
    if (!issuer || !parseUrl(issuer, ['http:', 'https:'])) problems.push('OIDC_ISSUER must be an http(s) URL when CUSTOMER_VERIFICATION=oidc');
    if (!clientId) problems.push('OIDC_CLIENT_ID is required when CUSTOMER_VERIFICATION=oidc');
    if (!clientSecret) problems.push('OIDC_CLIENT_SECRET is required when CUSTOMER_VERIFICATION=oidc');
    const scopes = value('OIDC_SCOPES') ?? 'openid profile';
    if (!/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/.test(scopes)) problems.push('OIDC_SCOPES must be space-separated scope names');
    const claimName = value('OIDC_CLAIM_NAME') ?? 'name';
    const claimCustomerNumber = value('OIDC_CLAIM_CUSTOMER_NUMBER') ?? 'customer_number';
    if (issuer && clientId && clientSecret) oidc = { issuer, clientId, clientSecret, scopes, claimName, claimCustomerNumber };
  }

  const adminEmail = value('BOOTSTRAP_ADMIN_EMAIL');
  const adminPassword = value('BOOTSTRAP_ADMIN_PASSWORD');
  let bootstrapAdmin: AppConfig['bootstrapAdmin'] = null;
  if (adminEmail !== undefined || adminPassword !== undefined) {
    if (!adminEmail || !/^[^@\s]+@[^@\s]+$/.test(adminEmail)) problems.push('BOOTSTRAP_ADMIN_EMAIL must be an e-mail address');
    if (!adminPassword || adminPassword.length < 12) problems.push('BOOTSTRAP_ADMIN_PASSWORD must be at least 12 characters');
    if (adminEmail && adminPassword) bootstrapAdmin = { email: adminEmail, password: adminPassword };
  }
  let demoCredentials: AppConfig['demoCredentials'] = null;
  if (demo && !bootstrapAdmin) {
    bootstrapAdmin = { email: DEMO_ADMIN_EMAIL, password: demo.adminPassword };
    demoCredentials = { adminEmail: DEMO_ADMIN_EMAIL, adminPassword: demo.adminPassword };
  }

  if (problems.length > 0) throw new ConfigValidationError(problems);

  return {
    nodeEnv,
    demoMode,
    port,
    host,
    publicBaseUrl,
    databaseUrl,
    databasePoolSize,
    trustedProxies,
    dataDir: options.dataDir ?? '.data',
    redisUrl,
    redisKeyPrefix,
    logLevel,
    messenger: { appSecrets, verifyToken, pageId, pageAccessToken, graphUrl, acceptLegacySha1: value('MESSENGER_ACCEPT_SHA1') === 'true' },
    links: { signingKeys, ttlSeconds, failureLimitPerAddress },
    outbox,
    intake,
    dataEncryptionKey,
    intentModelPath: value('INTENT_MODEL_PATH') ?? null,
    customerVerification,
    oidc,
    bootstrapAdmin,
    demoCredentials,
  };
}

function parseInteger(raw: string | undefined, fallback: number, min: number, max: number, name: string, problems: string[]): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) {
    problems.push(`${name} must be an integer between ${min} and ${max}`);
    return fallback;
  }
  const parsed = Number(raw);
  if (parsed < min || parsed > max) {
    problems.push(`${name} must be an integer between ${min} and ${max}`);
    return fallback;
  }
  return parsed;
}

function parseUrl(raw: string, protocols: string[]): URL | null {
  try {
    const url = new URL(raw);
    return protocols.includes(url.protocol) ? url : null;
  } catch {
    return null;
  }
}

function decodeKey(raw: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(raw)) return Buffer.from(raw, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(raw)) return Buffer.from(raw.replace(/\+/g, '-').replace(/\//g, '_'), 'base64url');
  return null;
}
