import { createHash, createSecretKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';

import { LinkTokenError } from './link-token.error.js';

/** Key ids travel in every token header: short, URL-safe, never a path or a lookup key elsewhere. */
export const KID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
/** HS256 wants at least a hash-sized key (RFC 7518 3.2). */
export const MIN_SECRET_BYTES = 32;
const MAX_SECRET_BYTES = 512;
const MAX_KEYS = 16;
/** 32 random bytes have ~31 distinct values; fewer than this means a placeholder like "aaaa...". */
const MIN_DISTINCT_BYTES = 16;
const SECRET_TEXT = /^[A-Za-z0-9_+/-]+={0,2}$/;

interface KeyEntry {
  readonly kid: string;
  /** Created once per key; the raw secret is not kept anywhere else. */
  readonly keyObject: KeyObject;
  /** Imported lazily, once, so jose does not re-import the key on every call. */
  cryptoKey?: Promise<webcrypto.CryptoKey>;
}

// Module-private access to key material: the service (same package) reads it, nothing exported
// from index.ts does, so a Keyring can be passed around and logged without exposing secrets.
const CONSTRUCT: unique symbol = Symbol('Keyring.construct');
const material = new WeakMap<Keyring, ReadonlyMap<string, KeyEntry>>();

/**
 * LINK_SIGNING_KEYS as an immutable object. The first key is active (signs); the others only
 * verify, so tokens minted before a rotation stay valid until they expire. A key left out of the
 * spec (or passed to retire()) is retired: its tokens fail with UNKNOWN_KEY.
 */
export class Keyring {
  readonly activeKid: string;
  readonly kids: readonly string[];

  /** Not for direct use (the token is module-private): build keyrings with parseKeyring. */
  constructor(token: typeof CONSTRUCT, entries: readonly KeyEntry[]) {
    if (token !== CONSTRUCT) throw new LinkTokenError('INVALID_KEYRING', 'use parseKeyring to build a keyring');
    const first = entries[0];
    if (first === undefined) throw new LinkTokenError('INVALID_KEYRING', 'the keyring has no keys');
    this.activeKid = first.kid;
    this.kids = Object.freeze(entries.map((e) => e.kid));
    material.set(this, new Map(entries.map((e) => [e.kid, e])));
    Object.freeze(this);
  }

  has(kid: string): boolean {
    return entriesOf(this).has(kid);
  }

  /** Keys other than the active one: they verify, they never sign. */
  get verifyOnlyKids(): readonly string[] {
    return this.kids.slice(1);
  }

  /**
   * A new keyring without the given keys. Retiring the active key promotes the next one.
   * Throws on an unknown kid (a typo must not silently keep a key alive) or if no key would remain.
   */
  retire(...kids: string[]): Keyring {
    const map = entriesOf(this);
    for (const kid of kids) {
      if (!map.has(kid)) throw new LinkTokenError('INVALID_KEYRING', 'cannot retire a key that is not in the keyring');
    }
    const remaining = [...map.values()].filter((e) => !kids.includes(e.kid));
    if (remaining.length === 0) throw new LinkTokenError('INVALID_KEYRING', 'cannot retire every key');
    return new Keyring(CONSTRUCT, remaining);
  }

  /** Safe to log: key ids only. */
  toJSON(): { activeKid: string; kids: readonly string[] } {
    return { activeKid: this.activeKid, kids: this.kids };
  }

  toString(): string {
    return `Keyring(active=${this.activeKid}, kids=${this.kids.join(',')})`;
  }
}

function entriesOf(keyring: Keyring): ReadonlyMap<string, KeyEntry> {
  const map = material.get(keyring);
  if (map === undefined) throw new LinkTokenError('INVALID_KEYRING', 'not a keyring built by parseKeyring');
  return map;
}

/** @internal The HMAC key for a kid, or undefined for an unknown/retired kid. */
export function hmacKeyFor(keyring: Keyring, kid: string): Promise<webcrypto.CryptoKey> | undefined {
  const entry = entriesOf(keyring).get(kid);
  if (entry === undefined) return undefined;
  entry.cryptoKey ??= webcrypto.subtle.importKey(
    'raw',
    entry.keyObject.export(),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  return entry.cryptoKey;
}

/**
 * Parses LINK_SIGNING_KEYS: `kid:secret[,kid:secret...]`, first is active.
 *
 * - kid: `[A-Za-z0-9_-]{1,32}`, unique.
 * - secret: base64url (or standard base64, padding optional) of at least 32 random bytes, e.g.
 *   `openssl rand -base64 32` or generateKeyringSpec(). Hex or passphrases are not special-cased:
 *   anything that does not decode to >= 32 bytes is refused, as is an obvious placeholder.
 * - Whitespace around entries is ignored; empty entries are refused.
 *
 * Error messages name the entry position and never echo a secret (nor a malformed kid, which
 * could be a secret pasted in the wrong place).
 */
export function parseKeyring(spec: string): Keyring {
  if (typeof spec !== 'string' || spec.trim() === '') {
    throw new LinkTokenError('INVALID_KEYRING', 'LINK_SIGNING_KEYS is empty; expected kid:secret[,kid:secret...]');
  }
  const parts = spec.split(',');
  if (parts.length > MAX_KEYS) {
    throw new LinkTokenError('INVALID_KEYRING', `LINK_SIGNING_KEYS has more than ${MAX_KEYS} keys`);
  }
  const entries: KeyEntry[] = [];
  const seenSecrets = new Set<string>();
  parts.forEach((raw, index) => {
    const where = `LINK_SIGNING_KEYS entry ${index + 1}`;
    const part = raw.trim();
    const colon = part.indexOf(':');
    if (colon <= 0 || colon === part.length - 1) {
      throw new LinkTokenError('INVALID_KEYRING', `${where} is not of the form kid:secret`);
    }
    const kid = part.slice(0, colon);
    const secretText = part.slice(colon + 1);
    if (!KID_PATTERN.test(kid)) {
      throw new LinkTokenError('INVALID_KEYRING', `${where}: kid must match [A-Za-z0-9_-]{1,32}`);
    }
    if (entries.some((e) => e.kid === kid)) {
      throw new LinkTokenError('INVALID_KEYRING', `${where}: duplicate kid "${kid}"`);
    }
    const secret = decodeSecret(secretText);
    if (secret === undefined) {
      throw new LinkTokenError('INVALID_KEYRING', `${where} (kid "${kid}"): secret is not base64url/base64`);
    }
    if (secret.length < MIN_SECRET_BYTES || secret.length > MAX_SECRET_BYTES) {
      throw new LinkTokenError(
        'INVALID_KEYRING',
        `${where} (kid "${kid}"): secret must decode to ${MIN_SECRET_BYTES}..${MAX_SECRET_BYTES} bytes, got ${secret.length}`,
      );
    }
    if (new Set(secret).size < MIN_DISTINCT_BYTES) {
      throw new LinkTokenError('INVALID_KEYRING', `${where} (kid "${kid}"): secret looks like a placeholder, not random bytes`);
    }
    const fingerprint = createHash('sha256').update(secret).digest('hex');
    if (seenSecrets.has(fingerprint)) {
      throw new LinkTokenError('INVALID_KEYRING', `${where} (kid "${kid}"): same secret as an earlier key`);
    }
    seenSecrets.add(fingerprint);
    entries.push({ kid, keyObject: createSecretKey(secret) });
    secret.fill(0);
  });
  return new Keyring(CONSTRUCT, entries);
}

function decodeSecret(text: string): Buffer | undefined {
  if (!SECRET_TEXT.test(text)) return undefined;
  const url = text.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  if (url.length % 4 === 1) return undefined;
  return Buffer.from(url, 'base64url');
}

/** A fresh one-key spec for demo mode: 32 CSPRNG bytes, base64url. */
export function generateKeyringSpec(kid = 'demo'): string {
  if (!KID_PATTERN.test(kid)) throw new LinkTokenError('INVALID_INPUT', 'kid must match [A-Za-z0-9_-]{1,32}');
  return `${kid}:${randomBytes(MIN_SECRET_BYTES).toString('base64url')}`;
}
