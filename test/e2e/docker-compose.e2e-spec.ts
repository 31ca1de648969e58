import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { loadConfig } from '../../apps/server/src/config/app-config.js';

interface ComposeService {
  build?: unknown;
  image?: string;
  ports?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

/** Docker cannot run on the development machines: this keeps docker-compose.yml and the
 * Dockerfile honest against the config module instead. */
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
  const services = compose.services;
  const servers = Object.entries(services).filter(([, service]) => service.build !== undefined);

  it('runs PostgreSQL, Redis and two server replicas, each with a health check', () => {
    expect(Object.keys(services).sort()).toEqual(['postgres', 'redis', 'server-1', 'server-2']);
    for (const service of Object.values(services)) expect(service.healthcheck?.test.length).toBeGreaterThan(0);
    expect(servers).toHaveLength(2);
    for (const [, server] of servers) {
      expect(server.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    }
  });

  it('publishes each replica on its own host port, onto the configured PORT', () => {
    const ports = servers.map(([, server]) => server.ports?.[0]);
    expect(new Set(ports.map((p) => p?.split(':')[0])).size).toBe(2);
    for (const [, server] of servers) {
      expect(server.ports?.[0]?.split(':')[1]).toBe(server.environment?.PORT);
    }
  });

  it('gives the servers exactly variables the config module reads, enough for production mode', () => {
    for (const [, server] of servers) {
      // Substitute ${NAME:?...} / ${NAME:-default} with realistic values, as `docker compose` would.
      const samples: Record<string, string> = {
        PUBLIC_BASE_URL: 'https://chat.bank.example',
        POSTGRES_PASSWORD: 'pw',
        MESSENGER_APP_SECRET: 'a'.repeat(32),
        MESSENGER_VERIFY_TOKEN: 'verify',
        MESSENGER_PAGE_ID: '1234567890',
        MESSENGER_PAGE_ACCESS_TOKEN: 'token',
        LINK_SIGNING_KEYS: `k1:${'k'.repeat(43)}`,
        DATA_ENCRYPTION_KEY: 'ab'.repeat(32),
        OIDC_ISSUER: 'https://login.bank.example',
        OIDC_CLIENT_ID: 'handoff',
        OIDC_CLIENT_SECRET: 'secret',
      };
      const env: Record<string, string> = {};
      for (const [name, raw] of Object.entries(server.environment ?? {})) {
        env[name] = String(raw).replace(/\$\{([A-Z_]+)(?::[-?]([^}]*))?\}/g, (_m, variable: string, fallback: string | undefined) =>
          samples[variable] ?? (raw.includes(':-') ? (fallback ?? '') : ''),
        );
      }
      const read = new Set<string>();
      const recording = new Proxy(env, {
        get(target, key) {
          if (typeof key === 'string') read.add(key);
          return target[key as string];
        },
      });
      const config = loadConfig(recording);
      expect(config.nodeEnv).toBe('production');
      expect(config.databaseUrl).toMatch(/@postgres:5432\//);
      expect(config.redisUrl).toBe('redis://redis:6379');
      const unknown = Object.keys(env).filter((name) => !read.has(name));
      expect(unknown).toEqual([]);
    }
  });

  it('builds the server from a multi-stage Dockerfile running as a non-root user with production dependencies', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER (?!root)\w+/m);
    expect(dockerfile).toMatch(/HEALTHCHECK/);
  });
});
