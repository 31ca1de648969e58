import { ErrorCode } from './error-code.js';

/**
 * An expected failure of the domain. Its message is shown to the caller, so it must be generic:
 * never customer text, a token or a secret.
 */
export class DomainException extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, string[]>,
  ) {
    super(message);
    this.name = 'DomainException';
  }
}
