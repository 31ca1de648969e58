import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
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
});
