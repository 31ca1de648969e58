import { HttpStatus } from '@nestjs/common';
import { ErrorCode } from './error-code.js';

export function httpStatusOf(code: ErrorCode): HttpStatus {
  switch (code) {
    case ErrorCode.ValidationFailed:
    case ErrorCode.WebhookBodyMalformed:
      return HttpStatus.BAD_REQUEST;
    case ErrorCode.NotFound:
    case ErrorCode.LinkUnavailable:
      return HttpStatus.NOT_FOUND;
    case ErrorCode.LinkGone:
      return HttpStatus.GONE;
    case ErrorCode.Conflict:
      return HttpStatus.CONFLICT;
    case ErrorCode.Unauthenticated:
      return HttpStatus.UNAUTHORIZED;
    case ErrorCode.Forbidden:
    case ErrorCode.WebhookSignatureInvalid:
      return HttpStatus.FORBIDDEN;
    case ErrorCode.RateLimited:
      return HttpStatus.TOO_MANY_REQUESTS;
    case ErrorCode.PayloadTooLarge:
      return HttpStatus.PAYLOAD_TOO_LARGE;
    case ErrorCode.DependencyUnavailable:
      return HttpStatus.SERVICE_UNAVAILABLE;
    default: {
      const unhandled: never = code;
      throw new Error(`no HTTP status for error code ${String(unhandled)}`);
    }
  }
}
