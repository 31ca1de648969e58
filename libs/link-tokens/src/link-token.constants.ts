/** Header `typ`: explicit typing (RFC 8725 3.11) so no other JWT of ours is accepted as a link. */
export const LINK_TOKEN_TYPE = 'hl+jwt';
/** Claim `aud`: the only place a link token is accepted. */
export const LINK_TOKEN_AUDIENCE = 'secure-link';
export const LINK_TOKEN_ALGORITHM = 'HS256';
/** SECURITY.md 10: lifetime <= 10 minutes by default. */
export const DEFAULT_LINK_TTL_SECONDS = 600;
/** Hard ceiling for configured and verified lifetimes (exp - iat). */
export const MAX_LINK_TTL_SECONDS = 3600;
/** SECURITY.md 10: clock skew <= 60 s. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 60;
export const MAX_CLOCK_SKEW_SECONDS = 60;
/** Checked before any parsing; real tokens are ~270 characters, at most ~350. */
export const MAX_TOKEN_LENGTH = 512;
/** SECURITY.md 8: 128 bits from a CSPRNG in every link. */
export const NONCE_BYTES = 16;
/**
 * Handoff ids are opaque (UUID or random base64url). Digits-only ids are refused: a run of digits
 * could be an account or phone number, and a counter leaks volumes — the link passes through Meta.
 */
export const HANDOFF_ID_PATTERN = /^(?!\d+$)[A-Za-z0-9_-]{8,64}$/;
