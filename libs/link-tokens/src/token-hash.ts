import { createHash } from 'node:crypto';

/**
 * The server stores hashes, never tokens or nonces. A plain SHA-256 is enough: both carry a
 * 128-bit CSPRNG nonce, so there is nothing to brute-force.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Hex SHA-256 of a nonce; the natural single-use key (one nonce per minted link). */
export function hashNonce(nonce: string): string {
  return createHash('sha256').update(nonce, 'utf8').digest('hex');
}

/**
 * Short, non-reversible tag to correlate one token across log lines without logging it.
 * Domain-separated so it is not a prefix of the stored hashToken value.
 */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update('link-token-fingerprint:', 'utf8').update(token, 'utf8').digest('hex').slice(0, 12);
}
