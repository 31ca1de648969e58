import { describe, expect, it } from '@jest/globals';

import { hashNonce, hashToken, tokenFingerprint } from './token-hash.js';

describe('token hashes', () => {
  it('hashToken and hashNonce are hex SHA-256 (known vector)', () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(hashToken('abc')).toBe(abc);
    expect(hashNonce('abc')).toBe(abc);
  });

  it('different inputs give different hashes; the hash does not contain the input', () => {
    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJoaWQiOiJ4In0.sig';
    expect(hashToken(token)).not.toBe(hashToken(`${token}x`));
    expect(hashToken(token)).not.toContain(token);
  });

  it('tokenFingerprint is short, stable, and not a prefix of the stored hash', () => {
    const token = 'a.b.c';
    const fp = tokenFingerprint(token);
    expect(fp).toMatch(/^[0-9a-f]{12}$/);
    expect(tokenFingerprint(token)).toBe(fp);
    expect(tokenFingerprint('a.b.d')).not.toBe(fp);
    expect(hashToken(token).startsWith(fp)).toBe(false);
  });
});
