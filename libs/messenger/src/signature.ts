import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const SHA256_HEADER = /^sha256=([0-9a-fA-F]{64})$/;
const SHA1_HEADER = /^sha1=([0-9a-fA-F]{40})$/;

export interface VerifySignatureOptions {
  /** Accept the legacy `X-Hub-Signature: sha1=...` header, only when no sha256 header is sent. */
  legacySha1?: boolean;
  /** The value of the `X-Hub-Signature` header (used only with `legacySha1`). */
  sha1Header?: string;
}

/** `sha256=<lowercase hex>` as Meta sends it in `X-Hub-Signature-256`. */
export function signPayload(rawBody: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

/**
 * Checks `X-Hub-Signature-256` over the raw bytes as received, against each configured secret
 * (several during a rotation). Every secret is tried, so the time taken does not reveal which
 * one matched. Empty secrets are skipped: an HMAC keyed with '' is forgeable by anyone.
 */
export function verifySignature(
  rawBody: Buffer,
  header: string | undefined,
  appSecrets: readonly string[],
  options: VerifySignatureOptions = {},
): boolean {
  if (!(rawBody instanceof Uint8Array)) return false;
  const secrets = Array.isArray(appSecrets) ? appSecrets.filter((s) => typeof s === 'string' && s.length > 0) : [];
  if (secrets.length === 0) return false;

  if (header !== undefined && header !== null) {
    // A sha256 header that is present but wrong is final: no downgrade to sha1.
    const match = typeof header === 'string' ? SHA256_HEADER.exec(header) : null;
    return match !== null && matchesAny('sha256', rawBody, Buffer.from(match[1], 'hex'), secrets);
  }
  if (options.legacySha1 === true && typeof options.sha1Header === 'string') {
    const match = SHA1_HEADER.exec(options.sha1Header);
    return match !== null && matchesAny('sha1', rawBody, Buffer.from(match[1], 'hex'), secrets);
  }
  return false;
}

function matchesAny(algorithm: 'sha256' | 'sha1', rawBody: Uint8Array, expected: Buffer, secrets: readonly string[]): boolean {
  let matched = false;
  for (const secret of secrets) {
    const actual = createHmac(algorithm, secret).update(rawBody).digest();
    // Lengths are fixed by the header regex; the check keeps timingSafeEqual from throwing.
    if (actual.length === expected.length && timingSafeEqual(actual, expected)) matched = true;
  }
  return matched;
}

/**
 * The GET verification handshake: returns `hub.challenge` exactly as received when
 * `hub.mode=subscribe` and `hub.verify_token` matches, else null. Accepts flat keys
 * (`hub.mode`, as node's querystring parses them) and nested ones (`hub: { mode }`, as qs does).
 * The tokens are compared through their SHA-256 digests, so differing lengths take the same time.
 */
export function verifyChallenge(query: Record<string, unknown>, verifyToken: string): string | null {
  if (typeof verifyToken !== 'string' || verifyToken.length === 0) return null;
  if (query === null || typeof query !== 'object') return null;
  const mode = hubParam(query, 'mode');
  const token = hubParam(query, 'verify_token');
  const challenge = hubParam(query, 'challenge');
  if (mode !== 'subscribe' || token === undefined || challenge === undefined || challenge.length === 0) return null;
  const tokenMatches = timingSafeEqual(digest(token), digest(verifyToken));
  return tokenMatches ? challenge : null;
}

function hubParam(query: Record<string, unknown>, name: string): string | undefined {
  const flat = Object.hasOwn(query, `hub.${name}`) ? query[`hub.${name}`] : undefined;
  if (typeof flat === 'string') return flat;
  const hub = Object.hasOwn(query, 'hub') ? query.hub : undefined;
  if (hub !== null && typeof hub === 'object' && !Array.isArray(hub) && Object.hasOwn(hub, name)) {
    const nested: unknown = (hub as Record<string, unknown>)[name];
    if (typeof nested === 'string') return nested;
  }
  return undefined;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** `appsecret_proof` for Graph API calls: hex HMAC-SHA256 of the access token keyed with the app secret. */
export function appSecretProof(accessToken: string, appSecret: string): string {
  return createHmac('sha256', appSecret).update(accessToken, 'utf8').digest('hex');
}
