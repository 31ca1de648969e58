/** How a failed Send API call should be handled: retry with backoff, or record and stop. */
export type GraphErrorKind = 'transient' | 'permanent';

/** What failed: Meta answered with an error, the HTTP status alone, no answer in time, no connection, or a 2xx we cannot read. */
export type GraphErrorReason = 'graph' | 'http' | 'timeout' | 'network' | 'invalid_response';

/** Graph error codes worth retrying (MESSENGER.md): temporary, rate limits, page throttling. */
const TRANSIENT_CODES: ReadonlySet<number> = new Set([
  1, // unknown / temporary
  2, // service temporarily unavailable
  4, // application request limit
  17, // user request limit
  32, // page request limit
  613, // calls within one hour exceeded
  80006, // Messenger business-use-case rate limit (Meta's rate-limiting documentation)
]);

export interface GraphApiErrorDetails {
  readonly kind: GraphErrorKind;
  readonly reason: GraphErrorReason;
  readonly httpStatus: number | null;
  readonly code: number | null;
  readonly subcode: number | null;
  readonly type: string | null;
  readonly fbtraceId: string | null;
  /** Meta's own text, with the access token, the proof and the request's strings removed. */
  readonly graphMessage: string | null;
}

/**
 * A failed Graph API call. Its message names codes only: never the access token, the
 * appsecret_proof or anything from the message body (customer data).
 */
export class GraphApiError extends Error {
  override readonly name = 'GraphApiError';
  readonly kind: GraphErrorKind;
  readonly reason: GraphErrorReason;
  readonly httpStatus: number | null;
  readonly code: number | null;
  readonly subcode: number | null;
  readonly type: string | null;
  readonly fbtraceId: string | null;
  readonly graphMessage: string | null;

  constructor(details: GraphApiErrorDetails) {
    super(describe(details));
    this.kind = details.kind;
    this.reason = details.reason;
    this.httpStatus = details.httpStatus;
    this.code = details.code;
    this.subcode = details.subcode;
    this.type = details.type;
    this.fbtraceId = details.fbtraceId;
    this.graphMessage = details.graphMessage;
  }

  get transient(): boolean {
    return this.kind === 'transient';
  }
}

/** Transient for the retryable codes, HTTP 429 and 5xx; permanent for everything else, unknown codes included. */
export function classifyGraphError(httpStatus: number | null, code: number | null): GraphErrorKind {
  if (code !== null && TRANSIENT_CODES.has(code)) return 'transient';
  if (httpStatus !== null && (httpStatus >= 500 || httpStatus === 429)) return 'transient';
  return 'permanent';
}

function describe(details: GraphApiErrorDetails): string {
  const parts = [`Graph API ${details.reason} error (${details.kind})`];
  if (details.httpStatus !== null) parts.push(`http=${details.httpStatus}`);
  if (details.code !== null) parts.push(`code=${details.code}`);
  if (details.subcode !== null) parts.push(`subcode=${details.subcode}`);
  if (details.type !== null) parts.push(`type=${details.type}`);
  if (details.fbtraceId !== null) parts.push(`fbtrace_id=${details.fbtraceId}`);
  if (details.graphMessage !== null) parts.push(`message=${JSON.stringify(details.graphMessage)}`);
  return parts.join(' ');
}

export type SendValidationCode =
  | 'INVALID_RECIPIENT'
  | 'INVALID_PAGE'
  | 'EMPTY_TEXT'
  | 'TEXT_TOO_LONG'
  | 'TOO_MANY_QUICK_REPLIES'
  | 'INVALID_QUICK_REPLY'
  | 'TEMPLATE_TEXT_TOO_LONG'
  | 'INVALID_BUTTON_COUNT'
  | 'BUTTON_TITLE_TOO_LONG'
  | 'INVALID_BUTTON_URL'
  | 'METADATA_TOO_LONG'
  | 'TAG_REQUIRED'
  | 'TAG_NOT_ALLOWED'
  | 'INVALID_BODY';

/** A request refused before sending because Meta would refuse it. Names the field and the limit, never its content. */
export class SendValidationError extends Error {
  override readonly name = 'SendValidationError';

  constructor(
    readonly code: SendValidationCode,
    readonly field: string,
    detail: string,
  ) {
    super(`Invalid Send API request: ${field} ${detail} (${code})`);
  }
}
