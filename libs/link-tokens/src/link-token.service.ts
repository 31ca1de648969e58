import { randomBytes } from 'node:crypto';

import { compactVerify, errors as joseErrors, SignJWT } from 'jose';

import { decodeCanonicalBase64url } from './base64url.js';
import { hmacKeyFor, KID_PATTERN, type Keyring } from './keyring.js';
import {
  DEFAULT_CLOCK_SKEW_SECONDS,
  DEFAULT_LINK_TTL_SECONDS,
  HANDOFF_ID_PATTERN,
  LINK_TOKEN_ALGORITHM,
  LINK_TOKEN_AUDIENCE,
  LINK_TOKEN_TYPE,
  MAX_CLOCK_SKEW_SECONDS,
  MAX_LINK_TTL_SECONDS,
  MAX_TOKEN_LENGTH,
  NONCE_BYTES,
} from './link-token.constants.js';
import { LinkTokenError, type LinkTokenErrorCode } from './link-token.error.js';

export interface LinkTokenServiceOptions {
  /** Clock; injectable so tests can move time. */
  readonly now?: () => Date;
  /** Lifetime used when mint() gets no ttlSeconds; 1..3600, default 600. */
  readonly defaultTtlSeconds?: number;
  /** Default tolerance for verify(); 0..60, default 60. */
  readonly clockSkewSeconds?: number;
}

export interface MintLinkTokenInput {
  /** Opaque id of the handoff (UUID or random base64url, 8..64 chars, not all digits). */
  readonly handoffId: string;
  /** 1..3600; defaults to the service's defaultTtlSeconds. */
  readonly ttlSeconds?: number;
  /** Overrides the service clock for this call. */
  readonly now?: Date;
}

export interface MintedLinkToken {
  /** Compact JWS, URL-safe: put it in `${PUBLIC_BASE_URL}/s/<token>`. Never store or log it. */
  readonly token: string;
  /** 128-bit CSPRNG nonce (base64url); store hashNonce(nonce) to enforce single use. */
  readonly nonce: string;
  readonly kid: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

export interface VerifyLinkTokenOptions {
  /** Overrides the service clock for this call. */
  readonly now?: Date;
  /** 0..60; defaults to the service's clockSkewSeconds (60). */
  readonly clockSkewSeconds?: number;
}

export interface VerifiedLinkToken {
  readonly handoffId: string;
  readonly nonce: string;
  readonly kid: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

const HEADER_FIELDS: ReadonlySet<string> = new Set(['alg', 'typ', 'kid']);
const REQUIRED_CLAIMS = ['hid', 'n', 'aud', 'iat', 'exp'] as const;
const CLAIMS: ReadonlySet<string> = new Set<string>([...REQUIRED_CLAIMS, 'nbf']);
/** Three non-empty unpadded base64url segments: nothing else reaches a parser. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** Canonical base64url of exactly NONCE_BYTES bytes (the last character has 4 unused bits). */
const NONCE_PATTERN = /^[A-Za-z0-9_-]{21}[AQgw]$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

type JsonObject = Record<string, unknown>;

/**
 * Mints and verifies secure-link tokens: compact JWS, HS256, header {alg, typ, kid}, claims
 * {hid, n, aud, iat, exp}. Nothing personal: the link passes through Meta.
 *
 * Verification is the first, cheap, stateless check; the database decides single use (one
 * conditional UPDATE keyed by the handoff and hashNonce(nonce)).
 */
export class LinkTokenService {
  readonly #keyring: Keyring;
  readonly #now: () => Date;
  readonly #defaultTtlSeconds: number;
  readonly #clockSkewSeconds: number;

  constructor(keyring: Keyring, options: LinkTokenServiceOptions = {}) {
    this.#keyring = keyring;
    this.#now = options.now ?? (() => new Date());
    this.#defaultTtlSeconds = checkTtl(options.defaultTtlSeconds ?? DEFAULT_LINK_TTL_SECONDS);
    this.#clockSkewSeconds = checkSkew(options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS);
  }

  get keyring(): Keyring {
    return this.#keyring;
  }

  async mint(input: MintLinkTokenInput): Promise<MintedLinkToken> {
    const { handoffId } = input;
    if (typeof handoffId !== 'string' || !HANDOFF_ID_PATTERN.test(handoffId)) {
      throw new LinkTokenError('INVALID_INPUT', 'handoffId must be an opaque id: [A-Za-z0-9_-]{8,64}, not all digits');
    }
    const ttl = checkTtl(input.ttlSeconds ?? this.#defaultTtlSeconds);
    const iat = Math.floor(timeOf(input.now ?? this.#now()) / 1000);
    const exp = iat + ttl;
    const kid = this.#keyring.activeKid;
    const nonce = randomBytes(NONCE_BYTES).toString('base64url');
    const key = hmacKeyFor(this.#keyring, kid);
    if (key === undefined) throw new LinkTokenError('INVALID_KEYRING', 'active key missing');

    const token = await new SignJWT({ hid: handoffId, n: nonce })
      .setProtectedHeader({ alg: LINK_TOKEN_ALGORITHM, typ: LINK_TOKEN_TYPE, kid })
      .setAudience(LINK_TOKEN_AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(await key);
    return { token, nonce, kid, issuedAt: new Date(iat * 1000), expiresAt: new Date(exp * 1000) };
  }

  /**
   * Verifies a token from the URL. Order: shape (length, charset) -> header (exact field set, alg,
   * kid in keyring, typ) -> canonical encoding -> signature (jose, HS256 only, key picked by us)
   * -> claims (exact set, types, aud, lifetime) -> time. Throws LinkTokenError on any failure.
   */
  async verify(token: string, options: VerifyLinkTokenOptions = {}): Promise<VerifiedLinkToken> {
    const skew = options.clockSkewSeconds === undefined ? this.#clockSkewSeconds : checkSkew(options.clockSkewSeconds);
    const nowMs = timeOf(options.now ?? this.#now());

    // Shape first: bounded, cheap, before any decoding or JSON parsing of attacker input.
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
      throw fail('MALFORMED', 'not a compact JWS within bounds');
    }
    const [headerPart = '', payloadPart = '', signaturePart = ''] = token.split('.');
    const header = decodeJsonObject(headerPart, 'header');

    // Header: exactly {alg, typ, kid}. Key-bearing fields (jku, jwk, x5u, x5c), crit, b64... are
    // refused outright rather than ignored: the key only ever comes from our keyring.
    for (const field of Object.keys(header)) {
      if (!HEADER_FIELDS.has(field)) throw fail('FORBIDDEN_HEADER', 'unexpected header field');
    }
    if (header['alg'] !== LINK_TOKEN_ALGORITHM) throw fail('UNSUPPORTED_ALGORITHM', 'alg must be HS256');
    const kid = header['kid'];
    // The kid is only ever a key of an in-memory Map (no prototype lookups, paths or queries).
    const key = typeof kid === 'string' && KID_PATTERN.test(kid) ? hmacKeyFor(this.#keyring, kid) : undefined;
    if (typeof kid !== 'string' || key === undefined) throw fail('UNKNOWN_KEY', 'kid is not in the keyring');
    if (header['typ'] !== LINK_TOKEN_TYPE) throw fail('WRONG_TYPE', 'typ is not the link-token type');
    // One spelling per token: jose's decoder ignores the unused bits of a final character.
    if (decodeCanonicalBase64url(payloadPart) === undefined) throw fail('MALFORMED', 'payload is not canonical base64url');
    if (decodeCanonicalBase64url(signaturePart)?.length !== 32) {
      throw fail('MALFORMED', 'signature is not a canonical 32-byte base64url value');
    }

    let payloadBytes: Uint8Array;
    try {
      // algorithms pins HS256 inside jose too, in case the checks above are ever loosened.
      ({ payload: payloadBytes } = await compactVerify(token, await key, { algorithms: [LINK_TOKEN_ALGORITHM] }));
    } catch (error) {
      if (error instanceof joseErrors.JWSSignatureVerificationFailed) throw fail('BAD_SIGNATURE', 'signature mismatch');
      throw fail('MALFORMED', 'rejected by the JWS parser');
    }

    const claims = parseJsonObject(payloadBytes, 'payload');
    return checkClaims(claims, kid, nowMs, skew);
  }
}

function checkClaims(claims: JsonObject, kid: string, nowMs: number, skew: number): VerifiedLinkToken {
  for (const name of Object.keys(claims)) {
    if (!CLAIMS.has(name)) throw fail('INVALID_CLAIMS', 'unexpected claim');
  }
  for (const name of REQUIRED_CLAIMS) {
    if (!Object.hasOwn(claims, name)) {
      throw fail(name === 'aud' ? 'WRONG_AUDIENCE' : 'INVALID_CLAIMS', 'missing claim');
    }
  }
  // Exactly the string, not an array containing it (RFC 7519 allows arrays; we never mint one).
  if (claims['aud'] !== LINK_TOKEN_AUDIENCE) throw fail('WRONG_AUDIENCE', 'aud is not the link-token audience');
  const { hid, n, iat, exp, nbf } = claims;
  if (typeof hid !== 'string' || !HANDOFF_ID_PATTERN.test(hid)) throw fail('INVALID_CLAIMS', 'hid is not an opaque id');
  if (typeof n !== 'string' || !NONCE_PATTERN.test(n)) throw fail('INVALID_CLAIMS', 'n is not a 128-bit nonce');
  if (!isTimestamp(iat) || !isTimestamp(exp) || (nbf !== undefined && !isTimestamp(nbf))) {
    throw fail('INVALID_CLAIMS', 'iat/exp/nbf must be integer NumericDates');
  }
  const lifetime = exp - iat;
  if (lifetime <= 0 || lifetime > MAX_LINK_TTL_SECONDS) throw fail('INVALID_CLAIMS', 'lifetime out of range');

  const skewMs = skew * 1000;
  if (nowMs >= exp * 1000 + skewMs) throw fail('EXPIRED', 'token expired');
  if (iat * 1000 > nowMs + skewMs) throw fail('NOT_YET_VALID', 'iat is in the future');
  if (nbf !== undefined && nbf * 1000 > nowMs + skewMs) throw fail('NOT_YET_VALID', 'nbf is in the future');

  return { handoffId: hid, nonce: n, kid, issuedAt: new Date(iat * 1000), expiresAt: new Date(exp * 1000) };
}

function decodeJsonObject(part: string, what: string): JsonObject {
  const bytes = decodeCanonicalBase64url(part);
  if (bytes === undefined) throw fail('MALFORMED', `${what} is not canonical base64url`);
  return parseJsonObject(bytes, what);
}

function parseJsonObject(bytes: Uint8Array, what: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch {
    throw fail('MALFORMED', `${what} is not UTF-8 JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fail('MALFORMED', `${what} is not a JSON object`);
  }
  return value as JsonObject;
}

function isTimestamp(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function checkTtl(ttl: number): number {
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_LINK_TTL_SECONDS) {
    throw new LinkTokenError('INVALID_INPUT', `ttlSeconds must be an integer in 1..${MAX_LINK_TTL_SECONDS}`);
  }
  return ttl;
}

function checkSkew(skew: number): number {
  if (!Number.isInteger(skew) || skew < 0 || skew > MAX_CLOCK_SKEW_SECONDS) {
    throw new LinkTokenError('INVALID_INPUT', `clockSkewSeconds must be an integer in 0..${MAX_CLOCK_SKEW_SECONDS}`);
  }
  return skew;
}

function timeOf(date: Date): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new LinkTokenError('INVALID_INPUT', 'clock returned an invalid date');
  return ms;
}

function fail(code: LinkTokenErrorCode, message: string): LinkTokenError {
  return new LinkTokenError(code, `link token refused: ${message}`);
}
