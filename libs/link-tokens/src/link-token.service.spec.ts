import { randomBytes, randomUUID } from 'node:crypto';

import { describe, expect, it } from '@jest/globals';

import { parseKeyring } from './keyring.js';
import { MAX_TOKEN_LENGTH } from './link-token.constants.js';
import { LinkTokenError, type LinkTokenErrorCode } from './link-token.error.js';
import { LinkTokenService } from './link-token.service.js';

const T0 = new Date('2030-01-01T00:00:00Z');
const s1 = randomBytes(32).toString('base64url');
const s2 = randomBytes(32).toString('base64url');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

async function refusal(promise: Promise<unknown>): Promise<LinkTokenError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(LinkTokenError);
    return error as LinkTokenError;
  }
  throw new Error('expected a LinkTokenError, the promise resolved');
}

async function expectRefused(promise: Promise<unknown>, code: LinkTokenErrorCode): Promise<void> {
  expect((await refusal(promise)).code).toBe(code);
}

function decodeSegment(segment: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('LinkTokenService.mint', () => {
  const service = new LinkTokenService(parseKeyring(`k1:${s1}`), { now: () => T0 });

  it('round-trips: verify returns exactly what was minted', async () => {
    const handoffId = randomUUID();
    const minted = await service.mint({ handoffId, ttlSeconds: 600 });
    expect(minted.kid).toBe('k1');
    expect(minted.issuedAt).toEqual(T0);
    expect(minted.expiresAt).toEqual(at(600));
    expect(await service.verify(minted.token)).toEqual({
      handoffId,
      nonce: minted.nonce,
      kid: 'k1',
      issuedAt: T0,
      expiresAt: at(600),
    });
  });

  it('carries nothing personal: exactly {alg,typ,kid} and {hid,n,aud,iat,exp}', async () => {
    const handoffId = randomUUID();
    const { token, nonce } = await service.mint({ handoffId });
    const [header, payload, signature] = token.split('.');
    expect(decodeSegment(header)).toStrictEqual({ alg: 'HS256', typ: 'hl+jwt', kid: 'k1' });
    expect(decodeSegment(payload)).toStrictEqual({
      hid: handoffId,
      n: nonce,
      aud: 'secure-link',
      iat: T0.getTime() / 1000,
      exp: T0.getTime() / 1000 + 600,
    });
    expect(Buffer.from(signature ?? '', 'base64url')).toHaveLength(32);
  });

  it('is short: ~270 characters with a UUID handoff id, and the largest legal token fits the verifier bound', async () => {
    const typical = await service.mint({ handoffId: randomUUID() });
    // Reported size: 54 (header, kid "k1") + 173 (payload, UUID hid) + 43 (signature) + 2 dots.
    expect(typical.token.length).toBe(272);

    const kid = 'K'.repeat(32);
    const largest = new LinkTokenService(parseKeyring(`${kid}:${s2}`), { now: () => T0 });
    const big = await largest.mint({ handoffId: 'h'.repeat(64), ttlSeconds: 3600 });
    expect(big.token.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
    await expect(largest.verify(big.token)).resolves.toMatchObject({ kid, handoffId: 'h'.repeat(64) });
  });

  it('10,000 mints give 10,000 distinct 128-bit nonces and tokens', async () => {
    const nonces = new Set<string>();
    const tokens = new Set<string>();
    for (let i = 0; i < 10_000; i += 1) {
      // Same handoff and same second: only the nonce can make them differ.
      const { token, nonce } = await service.mint({ handoffId: 'same-handoff' });
      nonces.add(nonce);
      tokens.add(token);
    }
    expect(nonces.size).toBe(10_000);
    expect(tokens.size).toBe(10_000);
    for (const nonce of [...nonces].slice(0, 100)) {
      expect(Buffer.from(nonce, 'base64url')).toHaveLength(16);
    }
  });

  it('uses the default lifetime of 600 s, or the configured default', async () => {
    const minted = await service.mint({ handoffId: 'handoff-01' });
    expect(minted.expiresAt.getTime() - minted.issuedAt.getTime()).toBe(600_000);
    const custom = new LinkTokenService(parseKeyring(`k1:${s1}`), { now: () => T0, defaultTtlSeconds: 120 });
    expect((await custom.mint({ handoffId: 'handoff-01' })).expiresAt).toEqual(at(120));
  });

  it.each([1, 3600])('accepts ttlSeconds %p', async (ttlSeconds) => {
    const minted = await service.mint({ handoffId: 'handoff-01', ttlSeconds });
    expect(minted.expiresAt).toEqual(at(ttlSeconds));
    await expect(service.verify(minted.token)).resolves.toMatchObject({ handoffId: 'handoff-01' });
  });

  it.each([0, -1, 3601, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses ttlSeconds %p', async (ttlSeconds) => {
    await expectRefused(service.mint({ handoffId: 'handoff-01', ttlSeconds }), 'INVALID_INPUT');
  });

  it('refuses an invalid default lifetime or skew at construction', () => {
    const keyring = parseKeyring(`k1:${s1}`);
    expect(() => new LinkTokenService(keyring, { defaultTtlSeconds: 3601 })).toThrow(LinkTokenError);
    expect(() => new LinkTokenService(keyring, { clockSkewSeconds: 61 })).toThrow(LinkTokenError);
  });

  it.each([
    ['empty', ''],
    ['too short', 'abc1234'],
    ['65 characters', 'a'.repeat(65)],
    ['an e-mail address', 'jane@example.com'],
    ['digits only (phone/account number, counter)', '447700900123'],
    ['a space', 'handoff 01'],
    ['a dot', 'handoff.01'],
    ['not a string', 42],
  ])('refuses a handoff id that is %s', async (_name, handoffId) => {
    await expectRefused(service.mint({ handoffId: handoffId as string }), 'INVALID_INPUT');
  });
});

describe('LinkTokenService.verify: time', () => {
  let now = T0;
  const service = new LinkTokenService(parseKeyring(`k1:${s1}`), { now: () => now });

  it('follows the injected clock: valid before expiry, EXPIRED once the clock moves past it', async () => {
    now = T0;
    const { token } = await service.mint({ handoffId: 'handoff-01', ttlSeconds: 600 });
    now = at(300);
    await expect(service.verify(token)).resolves.toMatchObject({ handoffId: 'handoff-01' });
    now = at(3600);
    await expectRefused(service.verify(token), 'EXPIRED');
    now = T0;
  });

  it('expiry skew boundaries: exp+59 s ok, exp+60 s and exp+61 s refused', async () => {
    const { token } = await service.mint({ handoffId: 'handoff-01', ttlSeconds: 600, now: T0 });
    await expect(service.verify(token, { now: at(659) })).resolves.toBeDefined();
    await expectRefused(service.verify(token, { now: at(660) }), 'EXPIRED');
    await expectRefused(service.verify(token, { now: at(661) }), 'EXPIRED');
  });

  it('issued-in-the-future skew boundaries: iat-59 s ok, iat-61 s NOT_YET_VALID', async () => {
    const early = await service.mint({ handoffId: 'handoff-01', now: at(59) });
    await expect(service.verify(early.token, { now: T0 })).resolves.toBeDefined();
    const tooEarly = await service.mint({ handoffId: 'handoff-01', now: at(61) });
    await expectRefused(service.verify(tooEarly.token, { now: T0 }), 'NOT_YET_VALID');
  });

  it('clockSkewSeconds: 0 makes expiry exact; over 60 is refused', async () => {
    const { token } = await service.mint({ handoffId: 'handoff-01', ttlSeconds: 600, now: T0 });
    await expect(service.verify(token, { now: new Date(at(600).getTime() - 1), clockSkewSeconds: 0 })).resolves.toBeDefined();
    await expectRefused(service.verify(token, { now: at(600), clockSkewSeconds: 0 }), 'EXPIRED');
    await expectRefused(service.verify(token, { now: T0, clockSkewSeconds: 61 }), 'INVALID_INPUT');
  });

  it('refuses an invalid clock rather than skipping time checks', async () => {
    const { token } = await service.mint({ handoffId: 'handoff-01', now: T0 });
    await expectRefused(service.verify(token, { now: new Date(Number.NaN) }), 'INVALID_INPUT');
    const broken = new LinkTokenService(parseKeyring(`k1:${s1}`), { now: () => new Date('nope') });
    await expectRefused(broken.mint({ handoffId: 'handoff-01' }), 'INVALID_INPUT');
  });
});

describe('LinkTokenService.verify: key rotation (SECURITY.md 15)', () => {
  const before = new LinkTokenService(parseKeyring(`k1:${s1}`), { now: () => T0 });
  const rotated = new LinkTokenService(parseKeyring(`k2:${s2},k1:${s1}`), { now: () => T0 });

  it('a token signed with the previous key verifies until its expiry', async () => {
    const { token } = await before.mint({ handoffId: 'handoff-01', ttlSeconds: 600 });
    await expect(rotated.verify(token, { now: at(599) })).resolves.toMatchObject({ kid: 'k1', handoffId: 'handoff-01' });
    await expectRefused(rotated.verify(token, { now: at(661) }), 'EXPIRED');
  });

  it('after rotation new tokens are signed with the new active key', async () => {
    const { token, kid } = await rotated.mint({ handoffId: 'handoff-01' });
    expect(kid).toBe('k2');
    expect(decodeSegment(token.split('.')[0])['kid']).toBe('k2');
    await expectRefused(before.verify(token), 'UNKNOWN_KEY');
  });

  it('a retired key fails, whether removed from the spec or retired on the keyring', async () => {
    const { token } = await before.mint({ handoffId: 'handoff-01' });
    await expect(rotated.verify(token)).resolves.toBeDefined();
    const removed = new LinkTokenService(parseKeyring(`k2:${s2}`), { now: () => T0 });
    const retired = new LinkTokenService(rotated.keyring.retire('k1'), { now: () => T0 });
    await expectRefused(removed.verify(token), 'UNKNOWN_KEY');
    await expectRefused(retired.verify(token), 'UNKNOWN_KEY');
    // The new key still works on the retired keyring.
    await expect(retired.verify((await rotated.mint({ handoffId: 'handoff-01' })).token)).resolves.toBeDefined();
  });

  it('the same kid with another secret (another deployment) fails the signature', async () => {
    const other = new LinkTokenService(parseKeyring(`k1:${s2}`), { now: () => T0 });
    const { token } = await other.mint({ handoffId: 'handoff-01' });
    await expectRefused(before.verify(token), 'BAD_SIGNATURE');
  });
});

describe('LinkTokenService.verify: changed and truncated tokens (SECURITY.md 11)', () => {
  const service = new LinkTokenService(parseKeyring(`k1:${s1}`), { now: () => T0 });
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

  it('every single-character change anywhere is refused', async () => {
    const { token } = await service.mint({ handoffId: randomUUID() });
    await expect(service.verify(token)).resolves.toBeDefined();
    for (let i = 0; i < token.length; i += 1) {
      if (token[i] === '.') continue;
      for (const replacement of [alphabet[(alphabet.indexOf(token[i] ?? '') + 1) % 64], alphabet[(alphabet.indexOf(token[i] ?? '') + 33) % 64]]) {
        const changed = `${token.slice(0, i)}${replacement}${token.slice(i + 1)}`;
        const error = await refusal(service.verify(changed));
        expect(error.message).not.toContain(changed);
      }
    }
  });

  it('only the canonical spelling of the signature verifies (no malleable last character)', async () => {
    const { token } = await service.mint({ handoffId: randomUUID() });
    let accepted = 0;
    for (const last of alphabet) {
      const variant = `${token.slice(0, -1)}${last}`;
      const ok = await service.verify(variant).then(
        () => true,
        () => false,
      );
      if (ok) accepted += 1;
      expect(ok).toBe(variant === token);
    }
    expect(accepted).toBe(1);
  });

  it('every truncation and any appended character is refused', async () => {
    const { token } = await service.mint({ handoffId: randomUUID() });
    for (let length = 0; length < token.length; length += 1) {
      await refusal(service.verify(token.slice(0, length)));
    }
    await expectRefused(service.verify(`${token}A`), 'MALFORMED');
    await expectRefused(service.verify(`${token}.`), 'MALFORMED');
  });

  it('a token for one handoff never yields another handoff id', async () => {
    const a = await service.mint({ handoffId: 'handoff-aaaa' });
    const b = await service.mint({ handoffId: 'handoff-bbbb' });
    const [headerA, , signatureA] = a.token.split('.');
    const payloadB = b.token.split('.')[1];
    // B's claims under A's signature: a cross-conversation splice.
    await expectRefused(service.verify(`${headerA}.${payloadB}.${signatureA}`), 'BAD_SIGNATURE');
    expect((await service.verify(a.token)).handoffId).toBe('handoff-aaaa');
  });
});
