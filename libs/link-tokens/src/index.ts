export {
  DEFAULT_CLOCK_SKEW_SECONDS,
  DEFAULT_LINK_TTL_SECONDS,
  LINK_TOKEN_ALGORITHM,
  LINK_TOKEN_AUDIENCE,
  LINK_TOKEN_TYPE,
  MAX_CLOCK_SKEW_SECONDS,
  MAX_LINK_TTL_SECONDS,
  MAX_TOKEN_LENGTH,
} from './link-token.constants.js';
export { LinkTokenError, LinkTokenErrorCode, isLinkTokenError } from './link-token.error.js';
export { Keyring, generateKeyringSpec, parseKeyring } from './keyring.js';
export {
  LinkTokenService,
  type LinkTokenServiceOptions,
  type MintLinkTokenInput,
  type MintedLinkToken,
  type VerifiedLinkToken,
  type VerifyLinkTokenOptions,
} from './link-token.service.js';
export { hashNonce, hashToken, tokenFingerprint } from './token-hash.js';
