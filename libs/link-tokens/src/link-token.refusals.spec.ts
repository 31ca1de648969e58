/**
 * SECURITY.md 14, table-driven: every refusal is exercised with a handcrafted token (base64url +
 * node:crypto HMAC/signatures), not with the library's own minting. Each row changes one thing
 * relative to a baseline that verifies, so a row can only pass because of the property it names.
 */
import { createHmac, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

import { describe, expect, it } from '@jest/globals';

import { parseKeyring } from './keyring.js';
import { LinkTokenError, type LinkTokenErrorCode } from './link-token.error.js';
import { LinkTokenService } from './link-token.service.js';

const NOW = Date.UTC(2030, 0, 1) / 1000;
const K1 = randomBytes(32); // active
const K0 = randomBytes(32); // previous
const KR = randomBytes(32); // retired (was "kr", no longer in the keyring)
const ATTACKER = randomBytes(32);

const service = new LinkTokenService(parseKeyring(`k1:${K1.toString('base64url')},k0:${K0.toString('base64url')}`), {
  now: () => new Date(NOW * 1000),
});

type Json = Record<string, unknown>;
const HEADER: Json = { alg: 'HS256', typ: 'hl+jwt', kid: 'k1' };
const CLAIMS: Json = { hid: 'b9a3c1e2-6c1f-4a51-9d2e-3f8f0a7c5e11', n: randomBytes(16).toString('base64url'), aud: 'secure-link', iat: NOW, exp: NOW + 600 };

const b64 = (value: Json | string | Buffer): string =>
  (Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))).toString('base64url');

type Signer = (signingInput: string) => string;
const hmac =
  (key: Buffer): Signer =>
  (input) =>
    createHmac('sha256', key).update(input).digest('base64url');
const hmac512: Signer = (input) => createHmac('sha512', K1).update(input).digest('base64url');
const asymmetric =
  (algorithm: string | null, key: KeyObject, dsaEncoding?: 'ieee-p1363'): Signer =>
  (input) =>
    sign(algorithm, Buffer.from(input), dsaEncoding ? { key, dsaEncoding } : key).toString('base64url');

interface Forgery {
  header?: Json | string | Buffer;
  claims?: Json | string | Buffer;
  signer?: Signer;
}

function forge({ header = HEADER, claims = CLAIMS, signer = hmac(K1) }: Forgery): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${signer(input)}`;
}
const withHeader = (extra: Json, signer?: Signer): string => forge({ header: { ...HEADER, ...extra }, signer });
const withClaims = (extra: Json): string => forge({ claims: { ...CLAIMS, ...extra } });
const without = (object: Json, key: string): Json => Object.fromEntries(Object.entries(object).filter(([k]) => k !== key));

const ed25519 = generateKeyPairSync('ed25519').privateKey;
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
// 1024-bit so the token stays under the 512-character bound and reaches the alg check.
const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
const attackerJwk = { kty: 'oct', k: ATTACKER.toString('base64url') };
const baseline = forge({});

/** Same bytes, other spelling: sets an unused low bit of the final character. */
function nonCanonical(segment: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  if (segment.length % 4 === 0) throw new Error('segment has no unused bits');
  const spelled = `${segment.slice(0, -1)}${alphabet[alphabet.indexOf(segment.slice(-1)) + 1] ?? ''}`;
  expect(Buffer.from(spelled, 'base64url')).toEqual(Buffer.from(segment, 'base64url'));
  return spelled;
}
function signedAsIs(headerPart: string, payloadPart: string): string {
  return `${headerPart}.${payloadPart}.${hmac(K1)(`${headerPart}.${payloadPart}`)}`;
}
const longClaims = { ...CLAIMS, hid: `${String(CLAIMS['hid'])}x` }; // 1 byte longer: payload leaves unused bits

const cases: ReadonlyArray<readonly [string, LinkTokenErrorCode, string]> = [
  // alg: none and algorithm confusion
  ['alg none, empty signature', 'MALFORMED', `${b64({ ...HEADER, alg: 'none' })}.${b64(CLAIMS)}.`],
  ['alg none, with a signature', 'UNSUPPORTED_ALGORITHM', withHeader({ alg: 'none' })],
  ['alg None (case variant)', 'UNSUPPORTED_ALGORITHM', withHeader({ alg: 'None' })],
  ['alg NONE (case variant)', 'UNSUPPORTED_ALGORITHM', withHeader({ alg: 'NONE' })],
  ['alg hs256 (lower case)', 'UNSUPPORTED_ALGORITHM', withHeader({ alg: 'hs256' })],
  ['alg missing', 'UNSUPPORTED_ALGORITHM', forge({ header: without(HEADER, 'alg') })],
  ['alg as array', 'UNSUPPORTED_ALGORITHM', withHeader({ alg: ['HS256'] })],
  ['alg HS512 signed with HMAC-SHA512', 'UNSUPPORTED_ALGORITHM', withHeader({ alg: 'HS512' }, hmac512)],
  ['alg RS256 signed with RSA', 'UNSUPPORTED_ALGORITHM', withHeader({ alg: 'RS256' }, asymmetric('sha256', rsa))],
  ['alg RS256 but an HMAC signature (confusion)', 'UNSUPPORTED_ALGORITHM', withHeader({ alg: 'RS256' })],
  ['alg ES256 signed with ECDSA P-256', 'UNSUPPORTED_ALGORITHM', withHeader({ alg: 'ES256' }, asymmetric('sha256', p256, 'ieee-p1363'))],
  ['alg EdDSA signed with Ed25519', 'UNSUPPORTED_ALGORITHM', withHeader({ alg: 'EdDSA' }, asymmetric(null, ed25519))],
  ['alg PS256 with an HMAC signature', 'UNSUPPORTED_ALGORITHM', withHeader({ alg: 'PS256' })],

  // header-borne keys and other header fields, signed with the right key: the field alone is refused
  ['jwk header with the attacker key, signed by the attacker', 'FORBIDDEN_HEADER', withHeader({ jwk: attackerJwk }, hmac(ATTACKER))],
  ['jwk header, signed with the right key', 'FORBIDDEN_HEADER', withHeader({ jwk: attackerJwk })],
  ['jku header', 'FORBIDDEN_HEADER', withHeader({ jku: 'https://attacker.example/jwks.json' })],
  ['x5u header', 'FORBIDDEN_HEADER', withHeader({ x5u: 'https://attacker.example/cert.pem' })],
  ['x5c header', 'FORBIDDEN_HEADER', withHeader({ x5c: ['MIIB'] })],
  ['x5t header', 'FORBIDDEN_HEADER', withHeader({ x5t: 'abc' })],
  ['x5t#S256 header', 'FORBIDDEN_HEADER', withHeader({ 'x5t#S256': 'abc' })],
  ['crit header', 'FORBIDDEN_HEADER', withHeader({ crit: ['exp'] })],
  ['b64:false (unencoded payload)', 'FORBIDDEN_HEADER', withHeader({ b64: false, crit: ['b64'] })],
  ['cty header (nested JWT)', 'FORBIDDEN_HEADER', withHeader({ cty: 'JWT' })],
  ['zip header', 'FORBIDDEN_HEADER', withHeader({ zip: 'DEF' })],
  ['enc header (JWE confusion)', 'FORBIDDEN_HEADER', withHeader({ enc: 'A256GCM' })],
  ['__proto__ header', 'FORBIDDEN_HEADER', forge({ header: `{"alg":"HS256","typ":"hl+jwt","kid":"k1","__proto__":{"kid":"k0"}}` })],
  ['unknown extra header', 'FORBIDDEN_HEADER', withHeader({ foo: 'bar' })],

  // kid: unknown, injected, retired
  ['kid unknown', 'UNKNOWN_KEY', withHeader({ kid: 'k9' })],
  ['kid missing', 'UNKNOWN_KEY', forge({ header: without(HEADER, 'kid') })],
  ['kid of a retired key, signed with it', 'UNKNOWN_KEY', withHeader({ kid: 'kr' }, hmac(KR))],
  ['kid path traversal', 'UNKNOWN_KEY', withHeader({ kid: '../../../../dev/null' }, hmac(Buffer.alloc(0)))],
  ['kid SQL injection', 'UNKNOWN_KEY', withHeader({ kid: "k1' OR '1'='1" })],
  ['kid URL', 'UNKNOWN_KEY', withHeader({ kid: 'https://attacker.example/key' })],
  ['kid __proto__', 'UNKNOWN_KEY', withHeader({ kid: '__proto__' })],
  ['kid constructor', 'UNKNOWN_KEY', withHeader({ kid: 'constructor' })],
  ['kid toString', 'UNKNOWN_KEY', withHeader({ kid: 'toString' })],
  ['kid with NUL', 'UNKNOWN_KEY', withHeader({ kid: 'k1\u0000' })],
  ['kid different case', 'UNKNOWN_KEY', withHeader({ kid: 'K1' })],
  ['kid with spaces', 'UNKNOWN_KEY', withHeader({ kid: ' k1' })],
  ['kid as number', 'UNKNOWN_KEY', withHeader({ kid: 1 })],
  ['kid as array', 'UNKNOWN_KEY', withHeader({ kid: ['k1'] })],
  ['kid null', 'UNKNOWN_KEY', withHeader({ kid: null })],

  // signature
  ['HS256 signed with a different key', 'BAD_SIGNATURE', forge({ signer: hmac(ATTACKER) })],
  ['kid k1 but signed with the previous key k0', 'BAD_SIGNATURE', forge({ signer: hmac(K0) })],
  ['kid k0 but signed with the active key k1', 'BAD_SIGNATURE', withHeader({ kid: 'k0' })],
  ['signature of the header only', 'BAD_SIGNATURE', `${b64(HEADER)}.${b64(CLAIMS)}.${hmac(K1)(b64(HEADER))}`],
  ['signature of another claims set', 'BAD_SIGNATURE', `${b64(HEADER)}.${b64(CLAIMS)}.${hmac(K1)(`${b64(HEADER)}.${b64({ ...CLAIMS, hid: 'other-handoff' })}`)}`],
  ['all-zero signature', 'BAD_SIGNATURE', `${b64(HEADER)}.${b64(CLAIMS)}.${b64(Buffer.alloc(32))}`],

  // typ and aud
  ['typ JWT', 'WRONG_TYPE', withHeader({ typ: 'JWT' })],
  ['typ missing', 'WRONG_TYPE', forge({ header: without(HEADER, 'typ') })],
  ['typ upper case', 'WRONG_TYPE', withHeader({ typ: 'HL+JWT' })],
  ['typ with application/ prefix', 'WRONG_TYPE', withHeader({ typ: 'application/hl+jwt' })],
  ['typ of an access token', 'WRONG_TYPE', withHeader({ typ: 'at+jwt' })],
  ['aud of another service', 'WRONG_AUDIENCE', withClaims({ aud: 'agent-console' })],
  ['aud as array containing ours', 'WRONG_AUDIENCE', withClaims({ aud: ['secure-link'] })],
  ['aud missing', 'WRONG_AUDIENCE', forge({ claims: without(CLAIMS, 'aud') })],

  // time
  ['expired 61 s ago (beyond skew)', 'EXPIRED', withClaims({ iat: NOW - 661, exp: NOW - 61 })],
  ['expired exactly at the skew bound', 'EXPIRED', withClaims({ iat: NOW - 660, exp: NOW - 60 })],
  ['expired an hour ago', 'EXPIRED', withClaims({ iat: NOW - 4200, exp: NOW - 3600 })],
  ['issued 61 s in the future', 'NOT_YET_VALID', withClaims({ iat: NOW + 61, exp: NOW + 661 })],
  ['nbf 61 s in the future', 'NOT_YET_VALID', withClaims({ nbf: NOW + 61 })],
  ['nbf an hour in the future', 'NOT_YET_VALID', withClaims({ nbf: NOW + 3600, exp: NOW + 3600 })],

  // claims: only the expected set, well typed, bounded lifetime
  ['extra claim email (personal data)', 'INVALID_CLAIMS', withClaims({ email: 'jane@example.com' })],
  ['extra claim sub', 'INVALID_CLAIMS', withClaims({ sub: 'psid-123' })],
  ['extra claim jti', 'INVALID_CLAIMS', withClaims({ jti: 'x' })],
  ['missing hid', 'INVALID_CLAIMS', forge({ claims: without(CLAIMS, 'hid') })],
  ['missing n', 'INVALID_CLAIMS', forge({ claims: without(CLAIMS, 'n') })],
  ['missing exp', 'INVALID_CLAIMS', forge({ claims: without(CLAIMS, 'exp') })],
  ['missing iat', 'INVALID_CLAIMS', forge({ claims: without(CLAIMS, 'iat') })],
  ['exp as string', 'INVALID_CLAIMS', withClaims({ exp: String(NOW + 600) })],
  ['exp fractional', 'INVALID_CLAIMS', withClaims({ exp: NOW + 600.5 })],
  ['iat negative', 'INVALID_CLAIMS', withClaims({ iat: -1 })],
  ['nbf as string', 'INVALID_CLAIMS', withClaims({ nbf: 'now' })],
  ['lifetime 3601 s', 'INVALID_CLAIMS', withClaims({ exp: NOW + 3601 })],
  ['lifetime of years', 'INVALID_CLAIMS', withClaims({ exp: NOW + 10 * 365 * 86400 })],
  ['exp before iat', 'INVALID_CLAIMS', withClaims({ exp: NOW - 1 })],
  ['exp equal to iat', 'INVALID_CLAIMS', withClaims({ exp: NOW })],
  ['nonce of 64 bits', 'INVALID_CLAIMS', withClaims({ n: randomBytes(8).toString('base64url') })],
  ['nonce non-canonical last character', 'INVALID_CLAIMS', withClaims({ n: `${String(CLAIMS['n']).slice(0, 21)}B` })],
  ['nonce as number', 'INVALID_CLAIMS', withClaims({ n: 12345 })],
  ['hid an e-mail address', 'INVALID_CLAIMS', withClaims({ hid: 'jane@example.com' })],
  ['hid digits only', 'INVALID_CLAIMS', withClaims({ hid: '447700900123' })],
  ['hid of 65 characters', 'INVALID_CLAIMS', withClaims({ hid: 'h'.repeat(65) })],
  ['hid as object', 'INVALID_CLAIMS', withClaims({ hid: { id: 'x' } })],

  // shape, before any parsing
  ['empty string', 'MALFORMED', ''],
  ['two segments', 'MALFORMED', `${b64(HEADER)}.${b64(CLAIMS)}`],
  ['four segments', 'MALFORMED', `${baseline}.${b64('x')}`],
  ['five segments (JWE shape)', 'MALFORMED', `${b64({ alg: 'dir', enc: 'A256GCM' })}..${b64('iv')}.${b64('ct')}.${b64('tag')}`],
  ['padding characters', 'MALFORMED', `${baseline}=`],
  ['standard base64 characters', 'MALFORMED', baseline.replace(/-|_/g, '+').replace(/^(.{10})./, '$1/')],
  ['surrounding whitespace', 'MALFORMED', ` ${baseline} `],
  ['percent-encoded', 'MALFORMED', encodeURIComponent(`${baseline}=`)],
  ['over 512 characters', 'MALFORMED', forge({ claims: { ...CLAIMS, hid: 'h'.repeat(400) } })],
  ['signature of 31 bytes', 'MALFORMED', `${b64(HEADER)}.${b64(CLAIMS)}.${b64(randomBytes(31))}`],
  ['signature of 64 bytes (HS512 length)', 'MALFORMED', `${b64(HEADER)}.${b64(CLAIMS)}.${hmac512(`${b64(HEADER)}.${b64(CLAIMS)}`)}`],
  ['header non-canonical base64url, validly signed', 'MALFORMED', signedAsIs(nonCanonical(b64(HEADER)), b64(CLAIMS))],
  ['payload non-canonical base64url, validly signed', 'MALFORMED', signedAsIs(b64(HEADER), nonCanonical(b64(longClaims)))],
  ['header not JSON', 'MALFORMED', forge({ header: 'not json' })],
  ['header a JSON array', 'MALFORMED', forge({ header: '["HS256"]' })],
  ['header JSON null', 'MALFORMED', forge({ header: 'null' })],
  ['header invalid UTF-8', 'MALFORMED', forge({ header: Buffer.from([0x7b, 0xff, 0x7d]) })],
  ['payload not JSON, validly signed', 'MALFORMED', forge({ claims: 'hello' })],
  ['payload a JSON array, validly signed', 'MALFORMED', forge({ claims: '[1,2]' })],
  ['payload invalid UTF-8, validly signed', 'MALFORMED', forge({ claims: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]) })],
];

async function verdict(token: unknown): Promise<LinkTokenErrorCode | 'OK'> {
  try {
    await service.verify(token as string);
    return 'OK';
  } catch (error) {
    if (!(error instanceof LinkTokenError)) throw error;
    // Nothing from the token ends up in a message that may be logged.
    if (typeof token === 'string' && token.length > 0) expect(error.message).not.toContain(token.split('.')[0]);
    return error.code;
  }
}

describe('verify refuses every forgery in SECURITY.md 14', () => {
  it('control: the handcrafted baseline verifies, so the forge itself is sound', async () => {
    await expect(service.verify(baseline)).resolves.toEqual({
      handoffId: CLAIMS['hid'],
      nonce: CLAIMS['n'],
      kid: 'k1',
      issuedAt: new Date(NOW * 1000),
      expiresAt: new Date((NOW + 600) * 1000),
    });
  });

  it('control: near-boundary tokens that must be accepted', async () => {
    expect(await verdict(withHeader({ kid: 'k0' }, hmac(K0)))).toBe('OK'); // previous key
    expect(await verdict(withClaims({ iat: NOW - 659, exp: NOW - 59 }))).toBe('OK'); // expired 59 s ago
    expect(await verdict(withClaims({ iat: NOW + 59, exp: NOW + 659 }))).toBe('OK'); // issued 59 s ahead
    expect(await verdict(withClaims({ nbf: NOW + 59 }))).toBe('OK');
    expect(await verdict(withClaims({ exp: NOW + 3600 }))).toBe('OK'); // maximum lifetime
    expect(await verdict(forge({ header: { kid: 'k1', typ: 'hl+jwt', alg: 'HS256' } }))).toBe('OK'); // field order is free
    expect(await verdict(signedAsIs(b64(HEADER), b64(longClaims)))).toBe('OK'); // canonical twin of a MALFORMED row
  });

  it.each(cases)('%s -> %s', async (_name, expected, token) => {
    expect(await verdict(token)).toBe(expected);
  });

  it.each([null, undefined, 42, {}, ['a.b.c']])('non-string input %p -> MALFORMED', async (input) => {
    expect(await verdict(input)).toBe('MALFORMED');
  });
});
