import { describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import type { AppConfig } from '../config/app-config.js';
import { DataEncryptionService } from './data-encryption.service.js';

const service = (key = randomBytes(32)) => new DataEncryptionService({ dataEncryptionKey: key } as AppConfig);

describe(DataEncryptionService.name, () => {
  it('round-trips and never stores the plaintext', () => {
    const sut = service();
    const sealed = sut.encrypt('EAAB-page-token', 'page-token');
    expect(sealed).not.toContain('EAAB');
    expect(sut.decrypt(sealed, 'page-token')).toBe('EAAB-page-token');
  });

  it('refuses another purpose, another key and a changed ciphertext', () => {
    const key = randomBytes(32);
    const sealed = service(key).encrypt('secret', 'page-token');
    expect(() => service(key).decrypt(sealed, 'transcript')).toThrow();
    expect(() => service().decrypt(sealed, 'page-token')).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('other').toString('base64url');
    expect(() => service(key).decrypt(parts.join('.'), 'page-token')).toThrow();
  });

  it('refuses a truncated authentication tag', () => {
    const sut = service();
    const parts = sut.encrypt('secret', 'page-token').split('.');
    parts[2] = Buffer.from(parts[2]!, 'base64url').subarray(0, 4).toString('base64url');
    expect(() => sut.decrypt(parts.join('.'), 'page-token')).toThrow();
  });

  it('fingerprints a value with a key: stable, per purpose, and not the plain hash a guess would reproduce', () => {
    const key = randomBytes(32);
    const sut = service(key);
    const print = sut.fingerprint('alice@bank.example', 'login-throttle');
    expect(print).toMatch(/^[0-9a-f]{64}$/);
    expect(sut.fingerprint('alice@bank.example', 'login-throttle')).toBe(print);
    expect(service(key).fingerprint('alice@bank.example', 'login-throttle')).toBe(print);
    expect(sut.fingerprint('alice@bank.example', 'audit-subject-fingerprint')).not.toBe(print);
    expect(service().fingerprint('alice@bank.example', 'login-throttle')).not.toBe(print);
    expect(print).not.toBe(createHash('sha256').update('alice@bank.example').digest('hex'));
  });
});
