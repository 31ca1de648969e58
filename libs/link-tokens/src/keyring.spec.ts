import { inspect } from 'node:util';
import { randomBytes } from 'node:crypto';

import { describe, expect, it } from '@jest/globals';

import { generateKeyringSpec, Keyring, parseKeyring } from './keyring.js';
import { LinkTokenError } from './link-token.error.js';
import { LinkTokenService } from './link-token.service.js';

const S1 = randomBytes(32);
const S0 = randomBytes(32);
const s1 = S1.toString('base64url');
const s0 = S0.toString('base64url');

function refusal(run: () => unknown): LinkTokenError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(LinkTokenError);
    return error as LinkTokenError;
  }
  throw new Error('expected a LinkTokenError, nothing was thrown');
}

describe('parseKeyring', () => {
  it('first key is active, the rest verify only', () => {
    const keyring = parseKeyring(`k1:${s1},k0:${s0}`);
    expect(keyring.activeKid).toBe('k1');
    expect(keyring.kids).toEqual(['k1', 'k0']);
    expect(keyring.verifyOnlyKids).toEqual(['k0']);
    expect(keyring.has('k0')).toBe(true);
    expect(keyring.has('k2')).toBe(false);
    // Map-backed: prototype names are not keys.
    expect(keyring.has('__proto__')).toBe(false);
    expect(keyring.has('constructor')).toBe(false);
  });

  it('ignores whitespace around entries (multi-line env files)', () => {
    expect(parseKeyring(` k1:${s1} ,\n k0:${s0}\n`).kids).toEqual(['k1', 'k0']);
  });

  it('accepts standard padded base64 for the same bytes (openssl rand -base64 32)', async () => {
    const std = S1.toString('base64');
    expect(std).toMatch(/=$/);
    const minted = await new LinkTokenService(parseKeyring(`k1:${std}`)).mint({ handoffId: 'handoff-0001' });
    const verified = await new LinkTokenService(parseKeyring(`k1:${s1}`)).verify(minted.token);
    expect(verified.handoffId).toBe('handoff-0001');
  });

  const longKid = 'k'.repeat(33);
  const placeholder = 'a'.repeat(64);
  const short = randomBytes(31).toString('base64url');
  const refusals: ReadonlyArray<readonly [string, string, readonly string[]]> = [
    ['empty', '', []],
    ['blank', '   ', []],
    ['no colon', s1, [s1]],
    ['no secret', 'k1:', []],
    ['no kid', `:${s1}`, [s1]],
    ['31-byte secret', `k1:${short}`, [short]],
    ['placeholder secret', `k1:${placeholder}`, [placeholder]],
    ['secret with invalid characters', `k1:${s1}!`, [s1]],
    ['kid with a space', `bad kid:${s1}`, [s1, 'bad kid']],
    ['kid with a slash', `../k1:${s1}`, [s1, '../k1']],
    ['kid over 32 characters', `${longKid}:${s1}`, [s1, longKid]],
    ['duplicate kid', `k1:${s1},k1:${s0}`, [s1, s0]],
    ['same secret twice', `k1:${s1},k0:${s1}`, [s1]],
    ['empty entry (trailing comma)', `k1:${s1},`, [s1]],
    ['empty entry (middle)', `k1:${s1},,k0:${s0}`, [s1, s0]],
    ['secret pasted without kid among others', `k1:${s1},${s0}`, [s1, s0]],
    ['too many keys', Array.from({ length: 17 }, (_, i) => `k${i}:${randomBytes(32).toString('base64url')}`).join(','), []],
  ];

  it.each(refusals)('refuses %s with INVALID_KEYRING and never echoes secrets', (_name, spec, secrets) => {
    const error = refusal(() => parseKeyring(spec));
    expect(error.code).toBe('INVALID_KEYRING');
    for (const secret of secrets) expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain(S1.toString('hex'));
  });

  it('the keyring never shows its secrets (inspect, JSON, string)', () => {
    const keyring = parseKeyring(`k1:${s1},k0:${s0}`);
    const shown = [inspect(keyring, { showHidden: true, depth: 10 }), JSON.stringify(keyring), String(keyring)].join('\n');
    expect(shown).toContain('k1');
    for (const s of [S1, S0]) {
      expect(shown).not.toContain(s.toString('base64url'));
      expect(shown).not.toContain(s.toString('hex'));
    }
  });

  it('cannot be constructed without parseKeyring', () => {
    expect(() => new Keyring(Symbol('forged') as never, [])).toThrow(LinkTokenError);
  });
});

describe('Keyring.retire', () => {
  const keyring = parseKeyring(`k2:${generateKeyringSpec().split(':')[1]},k1:${s1},k0:${s0}`);

  it('returns a new keyring without the retired keys and leaves the original intact', () => {
    const retired = keyring.retire('k0');
    expect(retired.kids).toEqual(['k2', 'k1']);
    expect(retired.has('k0')).toBe(false);
    expect(keyring.kids).toEqual(['k2', 'k1', 'k0']);
  });

  it('retiring the active key promotes the next one', () => {
    expect(keyring.retire('k2').activeKid).toBe('k1');
  });

  it('refuses an unknown kid and retiring every key', () => {
    expect(refusal(() => keyring.retire('k9')).code).toBe('INVALID_KEYRING');
    expect(refusal(() => keyring.retire('k2', 'k1', 'k0')).code).toBe('INVALID_KEYRING');
  });
});

describe('generateKeyringSpec', () => {
  it('produces a parseable one-key spec with 32 fresh random bytes', () => {
    const a = generateKeyringSpec();
    const b = generateKeyringSpec('demo-2');
    expect(a).toMatch(/^demo:[A-Za-z0-9_-]{43}$/);
    expect(b).toMatch(/^demo-2:[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.split(':')[1] ?? '', 'base64url')).toHaveLength(32);
    expect(a.split(':')[1]).not.toBe(b.split(':')[1]);
    expect(parseKeyring(`${b},${a}`).kids).toEqual(['demo-2', 'demo']);
  });

  it('refuses an invalid kid', () => {
    expect(refusal(() => generateKeyringSpec('no/slash')).code).toBe('INVALID_INPUT');
  });
});
