import { GraphApiError, SendValidationError, classifyGraphError } from './graph-api.error.js';
import {
  buildButtonTemplate,
  buildSenderAction,
  buildTextMessage,
  validateSendRequest,
  type ButtonTemplate,
  type PageCredentials,
  type SendOptions,
  type SendRequestBody,
  type SenderAction,
} from './send-request.js';
import { isRecord, parseJson } from './json.js';
import { appSecretProof } from './signature.js';

export interface SendApiClientOptions {
  /** Graph API base, e.g. https://graph.facebook.com/v25.0 or FakeGraphApi.url. */
  readonly graphUrl: string;
  /** Adds `appsecret_proof` to every call when given. */
  readonly appSecret?: string;
  readonly fetch?: typeof fetch;
  /** Per call, body included. Default 10 s. */
  readonly timeoutMs?: number;
}

export interface SendResult {
  readonly recipientId: string;
  /** Null for sender actions, which Meta answers without one. */
  readonly messageId: string | null;
}

export interface SendMessageResult {
  readonly recipientId: string;
  readonly messageId: string;
}

type ThreadControlEndpoint = 'pass_thread_control' | 'take_thread_control' | 'request_thread_control' | 'release_thread_control';

const DEFAULT_TIMEOUT_MS = 10_000;
const PAGE_ID = /^([0-9]{1,32}|me)$/;
const MAX_GRAPH_MESSAGE = 300;
const REDACTED = '[redacted]';

/**
 * Send API and thread-control client. Stateless apart from its options; every call names the
 * Page and its token. Limits are checked before any request (`SendValidationError`); every
 * failure of the call itself is a `GraphApiError` classified transient or permanent.
 */
export class SendApiClient {
  private readonly graphUrl: string;
  private readonly appSecret: string | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(options: SendApiClientOptions) {
    this.graphUrl = options.graphUrl.replace(/\/+$/, '');
    this.appSecret = options.appSecret;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async sendText(page: PageCredentials, psid: string, text: string, options: SendOptions = {}): Promise<SendMessageResult> {
    return this.sendMessage(page, buildTextMessage(psid, text, options));
  }

  /** A text with 1-3 `web_url` buttons opening full height, without Messenger extensions. */
  async sendButtonTemplate(
    page: PageCredentials,
    psid: string,
    template: ButtonTemplate,
    options: SendOptions = {},
  ): Promise<SendMessageResult> {
    return this.sendMessage(page, buildButtonTemplate(psid, template, options));
  }

  async sendSenderAction(page: PageCredentials, psid: string, action: SenderAction): Promise<{ recipientId: string }> {
    const result = await this.send(page, buildSenderAction(psid, action));
    return { recipientId: result.recipientId };
  }

  /** Sends a body built earlier (e.g. stored by an outbox), validated again first. */
  async send(page: PageCredentials, body: SendRequestBody): Promise<SendResult> {
    validateSendRequest(body);
    const json = await this.call(page, 'POST', 'messages', body);
    const recipientId = idField(json, 'recipient_id');
    const messageId = stringField(json, 'message_id');
    if (recipientId === null) throw invalidResponse();
    return { recipientId, messageId };
  }

  /** Hands the thread to another app, e.g. the Page Inbox (263902037430900). Keep personal data out of metadata. */
  async passThreadControl(page: PageCredentials, psid: string, targetAppId: string, metadata?: string): Promise<void> {
    await this.threadControl(page, 'pass_thread_control', psid, { target_app_id: targetAppId, metadata });
  }

  async takeThreadControl(page: PageCredentials, psid: string, metadata?: string): Promise<void> {
    await this.threadControl(page, 'take_thread_control', psid, { metadata });
  }

  async requestThreadControl(page: PageCredentials, psid: string, metadata?: string): Promise<void> {
    await this.threadControl(page, 'request_thread_control', psid, { metadata });
  }

  async releaseThreadControl(page: PageCredentials, psid: string, metadata?: string): Promise<void> {
    await this.threadControl(page, 'release_thread_control', psid, { metadata });
  }

  /** The app id owning the thread, or null when Meta reports none. */
  async getThreadOwner(page: PageCredentials, psid: string): Promise<string | null> {
    checkPsid(psid);
    const json = await this.call(page, 'GET', 'thread_owner', undefined, { recipient: psid });
    const data = isRecord(json) ? json.data : undefined;
    const first: unknown = Array.isArray(data) ? data[0] : undefined;
    const owner = isRecord(first) ? first.thread_owner : undefined;
    return isRecord(owner) ? idField(owner, 'app_id') : null;
  }

  private async sendMessage(page: PageCredentials, body: SendRequestBody): Promise<SendMessageResult> {
    const result = await this.send(page, body);
    if (result.messageId === null) throw invalidResponse();
    return { recipientId: result.recipientId, messageId: result.messageId };
  }

  private async threadControl(
    page: PageCredentials,
    endpoint: ThreadControlEndpoint,
    psid: string,
    extra: { target_app_id?: string; metadata?: string },
  ): Promise<void> {
    checkPsid(psid);
    if (extra.metadata !== undefined && extra.metadata.length > 1000) {
      throw new SendValidationError('METADATA_TOO_LONG', 'metadata', 'exceeds 1000 characters');
    }
    const body: Record<string, unknown> = { recipient: { id: psid } };
    if (extra.target_app_id !== undefined) body.target_app_id = extra.target_app_id;
    if (extra.metadata !== undefined) body.metadata = extra.metadata;
    const json = await this.call(page, 'POST', endpoint, body);
    if (!isRecord(json) || json.success !== true) throw invalidResponse();
  }

  private async call(
    page: PageCredentials,
    method: 'GET' | 'POST',
    endpoint: string,
    body: unknown,
    params: Record<string, string> = {},
  ): Promise<unknown> {
    if (typeof page?.pageId !== 'string' || !PAGE_ID.test(page.pageId)) {
      throw new SendValidationError('INVALID_PAGE', 'pageId', 'must be a page id (digits) or me');
    }
    if (typeof page.accessToken !== 'string' || page.accessToken.length === 0) {
      throw new SendValidationError('INVALID_PAGE', 'accessToken', 'must not be empty');
    }
    const url = new URL(`${this.graphUrl}/${page.pageId}/${endpoint}`);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    url.searchParams.set('access_token', page.accessToken);
    const proof = this.appSecret !== undefined ? appSecretProof(page.accessToken, this.appSecret) : undefined;
    if (proof !== undefined) url.searchParams.set('appsecret_proof', proof);
    const secrets = [page.accessToken, proof, ...collectStrings(body)];

    let status: number;
    let text: string;
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await this.fetchImpl(url, {
        method,
        headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json', accept: 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
      status = response.status;
      text = await response.text();
    } catch {
      // The cause is dropped on purpose: it can quote the URL, and the URL carries the token.
      // The signal, not the error's class, tells a timeout (DOMException differs across realms).
      throw new GraphApiError({
        kind: 'transient',
        reason: signal.aborted ? 'timeout' : 'network',
        httpStatus: null,
        code: null,
        subcode: null,
        type: null,
        fbtraceId: null,
        graphMessage: null,
      });
    }

    const json = parseJson(text);
    const error = isRecord(json) ? json.error : undefined;
    if (status >= 200 && status < 300 && error === undefined) {
      if (json === undefined) throw invalidResponse(status);
      return json;
    }
    if (isRecord(error)) {
      const code = numberField(error, 'code');
      throw new GraphApiError({
        kind: classifyGraphError(status, code),
        reason: 'graph',
        httpStatus: status,
        code,
        subcode: numberField(error, 'error_subcode'),
        type: stringField(error, 'type'),
        fbtraceId: stringField(error, 'fbtrace_id'),
        graphMessage: scrub(stringField(error, 'message'), secrets),
      });
    }
    throw new GraphApiError({
      kind: classifyGraphError(status, null),
      reason: 'http',
      httpStatus: status,
      code: null,
      subcode: null,
      type: null,
      fbtraceId: null,
      graphMessage: null,
    });
  }
}

/**
 * A 2xx we cannot read. Permanent: Meta most likely accepted the message, and a retry could
 * send it twice.
 */
function invalidResponse(status: number | null = 200): GraphApiError {
  return new GraphApiError({
    kind: 'permanent',
    reason: 'invalid_response',
    httpStatus: status,
    code: null,
    subcode: null,
    type: null,
    fbtraceId: null,
    graphMessage: null,
  });
}

function checkPsid(psid: string): void {
  if (typeof psid !== 'string' || !/^[0-9]{1,32}$/.test(psid)) {
    throw new SendValidationError('INVALID_RECIPIENT', 'recipient.id', 'must be a PSID (digits)');
  }
}

function stringField(record: unknown, key: string): string | null {
  if (!isRecord(record)) return null;
  const value = record[key];
  return typeof value === 'string' ? value : null;
}

function numberField(record: Record<string, unknown>, key: string): number | null {
  const value = record[key];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^[0-9]{1,12}$/.test(value)) return Number(value);
  return null;
}

function idField(record: unknown, key: string): string | null {
  if (!isRecord(record)) return null;
  const value = record[key];
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return null;
}

/** Protocol constants, harmless in an error message and useful in it. */
const CONSTANT_FIELDS: ReadonlySet<string> = new Set([
  'messaging_type',
  'tag',
  'type',
  'content_type',
  'template_type',
  'webview_height_ratio',
  'sender_action',
]);

/** Every other string in the request body (text, titles, payloads, urls, metadata), to keep them out of error messages. */
function collectStrings(value: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 8) return out;
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) collectStrings(item, out, depth + 1);
  else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) if (!CONSTANT_FIELDS.has(key)) collectStrings(item, out, depth + 1);
  }
  return out;
}

/** Meta's message without any secret or request string in it; short strings (enum-like values) are left alone. */
function scrub(message: string | null, secrets: readonly (string | undefined)[]): string | null {
  if (message === null) return null;
  let clean = message;
  const sensitive = secrets
    .filter((s): s is string => typeof s === 'string' && s.length >= 4)
    .sort((a, b) => b.length - a.length);
  for (const secret of sensitive) clean = clean.split(secret).join(REDACTED);
  // Also catch token-shaped runs Meta may quote in altered form.
  clean = clean.replace(/EAA[A-Za-z0-9]{20,}/g, REDACTED);
  return clean.length > MAX_GRAPH_MESSAGE ? `${clean.slice(0, MAX_GRAPH_MESSAGE)}...` : clean;
}
