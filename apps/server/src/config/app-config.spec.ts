import { describe, expect, it } from '@jest/globals';
import { ConfigValidationError, generateDemoSecrets, loadConfig } from './app-config.js';

const fixedDemo = generateDemoSecrets();
const load = (env: Record<string, string>) => loadConfig(env, { demoSecrets: () => fixedDemo });

describe('loadConfig', () => {
  it('runs in demo mode with no Messenger settings outside production', () => {
    const config = load({});
    expect(config.demoMode).toBe(true);
    expect(config.port).toBe(3000);
    expect(config.publicBaseUrl).toBe('http://localhost:3000');
    expect(config.databaseUrl).toBeNull();
    expect(config.messenger.graphUrl).toBeNull();
    expect(config.links.ttlSeconds).toBe(600);
    expect(config.customerVerification).toBe('none');
    expect(config.dataEncryptionKey).toHaveLength(32);
    expect(config.demoCredentials?.adminPassword).toBe(fixedDemo.adminPassword);
  });

  it('derives the public base URL from PORT by default', () => {
    expect(load({ PORT: '8080' }).publicBaseUrl).toBe('http://localhost:8080');
  });

  it('names every bad variable in one error, without their values', () => {
    let error: unknown;
    try {
      load({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LINK_TTL_SECONDS: '99999', REDIS_URL: 'nope', DATA_ENCRYPTION_KEY: 'short-secret-value' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const message = (error as Error).message;
    for (const name of ['PORT', 'DATABASE_URL', 'LINK_TTL_SECONDS', 'REDIS_URL', 'DATA_ENCRYPTION_KEY']) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain('short-secret-value');
  });

  it('requires every secret in production', () => {
    expect(() => load({ NODE_ENV: 'production' })).toThrow(ConfigValidationError);
    try {
      load({ NODE_ENV: 'production' });
    } catch (error) {
      const problems = (error as ConfigValidationError).problems.join('\n');
      for (const name of [
        'MESSENGER_APP_SECRET',
        'MESSENGER_VERIFY_TOKEN',
        'MESSENGER_PAGE_ID',
        'MESSENGER_PAGE_ACCESS_TOKEN',
        'LINK_SIGNING_KEYS',
        'DATA_ENCRYPTION_KEY',
        'DATABASE_URL',
        'PUBLIC_BASE_URL',
        'OIDC_ISSUER',
      ]) {
        expect(problems).toContain(name);
      }
    }
  });

  it('accepts a complete production configuration', () => {
    const config = load({
      NODE_ENV: 'production',
      PUBLIC_BASE_URL: 'https://chat.bank.example/',
      DATABASE_URL: 'postgres://app@db:5432/handoff',
      MESSENGER_APP_SECRET: 'a'.repeat(32) + ',' + 'b'.repeat(32),
      MESSENGER_VERIFY_TOKEN: 'verify-me',
      MESSENGER_PAGE_ID: '1234567890',
      MESSENGER_PAGE_ACCESS_TOKEN: 'page-token',
      LINK_SIGNING_KEYS: `k2:${'x'.repeat(43)},k1:${'y'.repeat(43)}`,
      DATA_ENCRYPTION_KEY: 'ab'.repeat(32),
      OIDC_ISSUER: 'https://login.bank.example',
      OIDC_CLIENT_ID: 'handoff',
      OIDC_CLIENT_SECRET: 'client-secret',
    });
    expect(config.demoMode).toBe(false);
    expect(config.publicBaseUrl).toBe('https://chat.bank.example');
    expect(config.messenger.appSecrets).toHaveLength(2);
    expect(config.messenger.graphUrl).toBe('https://graph.facebook.com/v25.0');
    expect(config.customerVerification).toBe('oidc');
  });

  it('asks for the rest once one Messenger setting is given', () => {
    expect(() => load({ MESSENGER_PAGE_ID: '123' })).toThrow(/MESSENGER_APP_SECRET/);
  });
});
