/** Every domain error the server can raise. The HTTP status of each is decided in one exhaustive
 * switch (http-status.ts), so a new code without a status fails to compile. */
export enum ErrorCode {
  ValidationFailed = 'VALIDATION_FAILED',
  NotFound = 'NOT_FOUND',
  Conflict = 'CONFLICT',
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  RateLimited = 'RATE_LIMITED',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  WebhookSignatureInvalid = 'WEBHOOK_SIGNATURE_INVALID',
  WebhookBodyMalformed = 'WEBHOOK_BODY_MALFORMED',
  LinkUnavailable = 'LINK_UNAVAILABLE',
  LinkGone = 'LINK_GONE',
  DependencyUnavailable = 'DEPENDENCY_UNAVAILABLE',
}
