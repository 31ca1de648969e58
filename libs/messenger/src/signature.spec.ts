import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { appSecretProof, signPayload, verifyChallenge, verifySignature } from './signature.js';

const SECRET = 'app-secret-current';
const OLD_SECRET = 'app-secret-previous';
// Meta escapes non-ASCII as \uXXXX: the bytes as received, not what JSON.stringify would make of them.
const RAW = Buffer.from(
  '{"object":"page","entry":[{"id":"1234","time":1700000000000,"messaging":[{"sender":{"id":"5678"},"recipient":{"id":"1234"},"timestamp":1700000000000,"message":{"mid":"m_1","text":"Caf\\u00e9 \\ud83d\\ude00"}}]}]}',
);

function sha1Header(body: Buffer, secret: string): string {
  return `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
}

describe('signPayload', () => {
  it('produces sha256= and 64 lowercase hex digits of the HMAC over the bytes', () => {
    const expected = createHmac('sha256', SECRET).update(RAW).digest('hex');
    expect(signPayload(RAW, SECRET)).toBe(`sha256=${expected}`);
    expect(signPayload(RAW.toString('utf8'), SECRET)).toBe(`sha256=${expected}`);
    expect(signPayload(RAW, SECRET)).toMatch(/^sha256=[0-9a-f]{64}$/);
  });
});

describe('verifySignature', () => {
  const header = signPayload(RAW, SECRET);

  it('accepts the right signature', () => {
    expect(verifySignature(RAW, header, [SECRET])).toBe(true);
  });

  it('accepts uppercase hex', () => {
    expect(verifySignature(RAW, `sha256=${header.slice(7).toUpperCase()}`, [SECRET])).toBe(true);
  });

  it('refuses a body with one flipped byte', () => {
    for (const index of [0, Math.floor(RAW.length / 2), RAW.length - 1]) {
      const tampered = Buffer.from(RAW);
      tampered[index] ^= 0x01;
      expect(verifySignature(tampered, header, [SECRET])).toBe(false);
    }
  });

  it('refuses a signature with one flipped hex digit', () => {
    const last = header.at(-1) === '0' ? '1' : '0';
    expect(verifySignature(RAW, header.slice(0, -1) + last, [SECRET])).toBe(false);
  });

  it('refuses a wrong secret', () => {
    expect(verifySignature(RAW, header, ['another-secret'])).toBe(false);
  });

  it('refuses a missing header', () => {
    expect(verifySignature(RAW, undefined, [SECRET])).toBe(false);
  });

  it('refuses the same JSON re-serialised', () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(RAW.toString('utf8'))));
    expect(reserialised.equals(RAW)).toBe(false);
    expect(verifySignature(reserialised, header, [SECRET])).toBe(false);
  });

  it('accepts any of several secrets during a rotation, and no retired one', () => {
    const signedWithOld = signPayload(RAW, OLD_SECRET);
    expect(verifySignature(RAW, header, [SECRET, OLD_SECRET])).toBe(true);
    expect(verifySignature(RAW, signedWithOld, [SECRET, OLD_SECRET])).toBe(true);
    expect(verifySignature(RAW, signedWithOld, [SECRET])).toBe(false);
  });

  it('refuses when no usable secret is configured', () => {
    expect(verifySignature(RAW, header, [])).toBe(false);
    expect(verifySignature(RAW, signPayload(RAW, ''), [''])).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['no prefix', header.slice(7)],
    ['sha1 prefix on a sha256 digest', `sha1=${header.slice(7)}`],
    ['uppercase prefix', `SHA256=${header.slice(7)}`],
    ['one digit short', header.slice(0, -1)],
    ['one digit more', `${header}0`],
    ['non-hex digit', `${header.slice(0, -1)}g`],
    ['leading space', ` ${header}`],
    ['trailing newline', `${header}\n`],
    ['two signatures', `${header},${header}`],
    ['prefix only', 'sha256='],
  ])('refuses a malformed header: %s', (_name, malformed) => {
    expect(verifySignature(RAW, malformed, [SECRET])).toBe(false);
  });

  it('refuses a body that is not bytes', () => {
    const parsed: unknown = JSON.parse(RAW.toString('utf8'));
    expect(verifySignature(parsed as Buffer, header, [SECRET])).toBe(false);
  });

  it('checks the legacy sha1 header only when enabled', () => {
    const legacy = sha1Header(RAW, SECRET);
    expect(verifySignature(RAW, undefined, [SECRET], { sha1Header: legacy })).toBe(false);
    expect(verifySignature(RAW, undefined, [SECRET], { legacySha1: true, sha1Header: legacy })).toBe(true);
    expect(verifySignature(RAW, undefined, [SECRET], { legacySha1: true, sha1Header: sha1Header(RAW, 'wrong') })).toBe(false);
    expect(verifySignature(RAW, undefined, [SECRET], { legacySha1: true, sha1Header: `sha1=${'0'.repeat(39)}` })).toBe(false);
  });

  it('does not fall back to sha1 when a wrong sha256 header is present', () => {
    const wrong = signPayload(RAW, 'wrong');
    expect(verifySignature(RAW, wrong, [SECRET], { legacySha1: true, sha1Header: sha1Header(RAW, SECRET) })).toBe(false);
  });
});

describe('verifyChallenge', () => {
  const TOKEN = 'verify-token-123';

  it('returns the challenge exactly as received when mode and token match', () => {
    const query = { 'hub.mode': 'subscribe', 'hub.verify_token': TOKEN, 'hub.challenge': '1158201444' };
    expect(verifyChallenge(query, TOKEN)).toBe('1158201444');
  });

  it('accepts the nested shape a qs parser produces', () => {
    expect(verifyChallenge({ hub: { mode: 'subscribe', verify_token: TOKEN, challenge: 'abc' } }, TOKEN)).toBe('abc');
  });

  it.each([
    ['wrong token', { 'hub.mode': 'subscribe', 'hub.verify_token': 'verify-token-124', 'hub.challenge': 'c' }],
    ['shorter token', { 'hub.mode': 'subscribe', 'hub.verify_token': 'verify', 'hub.challenge': 'c' }],
    ['longer token', { 'hub.mode': 'subscribe', 'hub.verify_token': `${TOKEN}x`, 'hub.challenge': 'c' }],
    ['missing token', { 'hub.mode': 'subscribe', 'hub.challenge': 'c' }],
    ['token as an array', { 'hub.mode': 'subscribe', 'hub.verify_token': [TOKEN], 'hub.challenge': 'c' }],
    ['wrong mode', { 'hub.mode': 'unsubscribe', 'hub.verify_token': TOKEN, 'hub.challenge': 'c' }],
    ['missing mode', { 'hub.verify_token': TOKEN, 'hub.challenge': 'c' }],
    ['missing challenge', { 'hub.mode': 'subscribe', 'hub.verify_token': TOKEN }],
    ['empty challenge', { 'hub.mode': 'subscribe', 'hub.verify_token': TOKEN, 'hub.challenge': '' }],
  ])('returns null for %s', (_name, query) => {
    expect(verifyChallenge(query, TOKEN)).toBeNull();
  });

  it('returns null when the configured token is empty', () => {
    expect(verifyChallenge({ 'hub.mode': 'subscribe', 'hub.verify_token': '', 'hub.challenge': 'c' }, '')).toBeNull();
  });

  it('ignores inherited properties', () => {
    const query = Object.create({ 'hub.mode': 'subscribe', 'hub.verify_token': TOKEN, 'hub.challenge': 'c' }) as Record<string, unknown>;
    expect(verifyChallenge(query, TOKEN)).toBeNull();
  });
});

describe('appSecretProof', () => {
  it('is the hex HMAC-SHA256 of the token keyed with the app secret', () => {
    expect(appSecretProof('EAAtoken', SECRET)).toBe(createHmac('sha256', SECRET).update('EAAtoken').digest('hex'));
    expect(appSecretProof('EAAtoken', SECRET)).not.toBe(appSecretProof('EAAtoken', OLD_SECRET));
  });
});
