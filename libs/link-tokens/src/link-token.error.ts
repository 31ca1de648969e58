/**
 * Every failure of this library is a LinkTokenError with a stable code. The server shows the same
 * page for every verification failure (no oracle for attackers) but audits the code.
 * Messages never contain a token, a secret or a claim value.
 */
export const LinkTokenErrorCode = {
  /** LINK_SIGNING_KEYS is unusable (syntax, weak or duplicate key). */
  INVALID_KEYRING: 'INVALID_KEYRING',
  /** A caller passed a bad argument to mint/verify (programming or configuration error). */
  INVALID_INPUT: 'INVALID_INPUT',
  /** Not a compact JWS of the expected shape: length, charset, encoding, JSON. */
  MALFORMED: 'MALFORMED',
  /** `alg` is not exactly HS256 (`none`, RS256/ES256/EdDSA confusion, HS512...). */
  UNSUPPORTED_ALGORITHM: 'UNSUPPORTED_ALGORITHM',
  /** A header field outside {alg, typ, kid}: jku, jwk, x5u, x5c, crit, b64... */
  FORBIDDEN_HEADER: 'FORBIDDEN_HEADER',
  /** `kid` missing, malformed, unknown or retired. */
  UNKNOWN_KEY: 'UNKNOWN_KEY',
  /** Header `typ` is not exactly the link-token type. */
  WRONG_TYPE: 'WRONG_TYPE',
  /** The HMAC does not match: changed token or a key that is not ours. */
  BAD_SIGNATURE: 'BAD_SIGNATURE',
  /** `aud` missing or not exactly the link-token audience. */
  WRONG_AUDIENCE: 'WRONG_AUDIENCE',
  /** Missing, extra or ill-typed claims; lifetime over the maximum. */
  INVALID_CLAIMS: 'INVALID_CLAIMS',
  /** `exp` passed (beyond the allowed clock skew). */
  EXPIRED: 'EXPIRED',
  /** `iat` or `nbf` in the future (beyond the allowed clock skew). */
  NOT_YET_VALID: 'NOT_YET_VALID',
} as const;

export type LinkTokenErrorCode = (typeof LinkTokenErrorCode)[keyof typeof LinkTokenErrorCode];

export class LinkTokenError extends Error {
  override readonly name = 'LinkTokenError';

  constructor(
    readonly code: LinkTokenErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isLinkTokenError(value: unknown): value is LinkTokenError {
  return value instanceof LinkTokenError;
}
