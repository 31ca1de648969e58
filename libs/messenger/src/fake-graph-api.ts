import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRecord, parseJson } from './json.js';
import { appSecretProof } from './signature.js';

/** Stands in for Meta's Graph API in tests, benchmarks and the demo. */
export interface FakeGraphApiOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** When set, every call must carry the matching `appsecret_proof`, as Meta requires when the app enforces it. */
  readonly appSecret?: string;
  /** The app id the fake treats as "this app" for thread control. */
  readonly appId?: string;
  /** Graph version in `url`; default v25.0. */
  readonly version?: string;
}

/** A Graph error answer, HTTP 400 unless another status is given. */
export interface FakeGraphError {
  readonly code: number;
  readonly subcode?: number;
  readonly httpStatus?: number;
  readonly message?: string;
  readonly type?: string;
}

export type FakeFailure =
  | FakeGraphError
  | { readonly httpStatus: 500 | 502 | 503 }
  /** Never answer; the request is held until `close()` (or the client gives up). */
  | { readonly timeout: true }
  /** Drop the connection without an answer. */
  | { readonly networkError: true };

export type GraphEndpoint =
  | 'messages'
  | 'pass_thread_control'
  | 'take_thread_control'
  | 'request_thread_control'
  | 'release_thread_control'
  | 'thread_owner'
  | 'unknown';

export interface RecordedCall {
  /** 1, 2, 3... in order of arrival. */
  readonly seq: number;
  readonly method: string;
  /** Path without the version prefix, e.g. `/123/messages`. */
  readonly path: string;
  readonly endpoint: GraphEndpoint;
  /** The page id from the path (`me` for the older form), or null. */
  readonly pageId: string | null;
  /** Query parameters, access_token included (tests check it). */
  readonly query: Readonly<Record<string, string>>;
  /** The JSON body, or undefined for GET and for bodies that were not JSON. */
  readonly body: unknown;
  /** Arrival time, ms since the epoch. */
  readonly at: number;
  /** What the fake answered; null when it held the request (timeout) or dropped it. */
  readonly response: { readonly status: number; readonly body: unknown } | null;
}

export type CallListener = (call: RecordedCall) => void;

const MAX_BODY_BYTES = 8 * 1024 * 1024;
const PATH = /^(?:\/v[0-9]+\.[0-9]+)?\/([^/]+)\/([a-z_]+)\/?$/;
const ENDPOINTS: ReadonlySet<string> = new Set([
  'messages',
  'pass_thread_control',
  'take_thread_control',
  'request_thread_control',
  'release_thread_control',
  'thread_owner',
]);
const DEFAULT_APP_ID = '100000000000001';

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * A real HTTP server answering like the Graph API's Messenger endpoints: the Send API, thread
 * control and thread_owner. It records every call, can fail on demand (Graph errors, 5xx, no
 * answer, dropped connection) and tracks thread owners per PSID.
 */
export class FakeGraphApi {
  readonly url: string;
  private readonly recorded: RecordedCall[] = [];
  private readonly listeners = new Set<CallListener>();
  private readonly waiters = new Set<() => void>();
  private readonly owners = new Map<string, string>();
  private readonly held = new Set<ServerResponse>();
  private failures: { remaining: number; failure: FakeFailure }[] = [];
  private permanentFailure: FakeFailure | null = null;
  private latencyMs = 0;
  private seq = 0;
  private handling = 0;
  /** Bumped by reset(), so a call still in flight from before it is not recorded after it. */
  private generation = 0;
  private closed = false;

  private constructor(
    private readonly server: Server,
    baseUrl: string,
    private readonly appSecret: string | undefined,
    private readonly appId: string,
  ) {
    this.url = baseUrl;
  }

  static async start(options: FakeGraphApiOptions = {}): Promise<FakeGraphApi> {
    const host = options.host ?? '127.0.0.1';
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const urlHost = host.includes(':') ? `[${host}]` : host;
    const fake = new FakeGraphApi(
      server,
      `http://${urlHost}:${port}/${options.version ?? 'v25.0'}`,
      options.appSecret,
      options.appId ?? DEFAULT_APP_ID,
    );
    server.on('request', (req, res) => {
      fake.handling++;
      fake
        .handle(req, res)
        .catch(() => {
          if (!res.headersSent) res.destroy();
        })
        .finally(() => fake.handling--);
    });
    return fake;
  }

  /** Every call so far, in order of arrival (a copy). */
  calls(): RecordedCall[] {
    return [...this.recorded];
  }

  /** Messages (not sender actions) accepted for this PSID, in order. */
  messagesTo(psid: string): RecordedCall[] {
    return this.recorded.filter(
      (call) =>
        call.endpoint === 'messages' &&
        call.response?.status === 200 &&
        isRecord(call.body) &&
        isRecord(call.body.recipient) &&
        call.body.recipient.id === psid &&
        call.body.message !== undefined,
    );
  }

  /** The next `count` calls fail this way (queued after failures already pending). */
  failNext(count: number, failure: FakeFailure): void {
    if (count > 0) this.failures.push({ remaining: count, failure });
  }

  /** Every call fails this way until `clearFailures()` or `reset()`. Queued `failNext` failures come first. */
  failAlways(failure: FakeFailure): void {
    this.permanentFailure = failure;
  }

  clearFailures(): void {
    this.failures = [];
    this.permanentFailure = null;
  }

  /** Delay before every answer. */
  setLatency(ms: number): void {
    this.latencyMs = Math.max(0, ms);
  }

  /** The app owning a PSID's thread (this app unless passed away). */
  threadOwner(psid: string): string {
    return this.owners.get(psid) ?? this.appId;
  }

  /** Requests received and not yet answered (latency), held ones excluded. */
  inFlight(): number {
    return this.handling;
  }

  /** Forgets calls, failures, latency and thread owners. */
  reset(): void {
    this.recorded.length = 0;
    this.seq = 0;
    this.generation++;
    this.clearFailures();
    this.latencyMs = 0;
    this.owners.clear();
  }

  /** Called after each call is answered (or held / dropped). Returns the unsubscribe function. */
  onCall(listener: CallListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the calls once at least `count` were recorded; rejects after `timeoutMs`. */
  async waitForCalls(count: number, timeoutMs = 5000): Promise<RecordedCall[]> {
    if (this.recorded.length >= count) return this.calls();
    return new Promise<RecordedCall[]>((resolve, reject) => {
      const check = (): void => {
        if (this.recorded.length < count) return;
        cleanup();
        resolve(this.calls());
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`FakeGraphApi: expected ${count} calls within ${timeoutMs} ms, got ${this.recorded.length}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const res of this.held) res.destroy();
    this.held.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const seq = ++this.seq;
    const generation = this.generation;
    const parsed = new URL(req.url ?? '/', 'http://fake.invalid');
    const query: Record<string, string> = {};
    for (const [key, value] of parsed.searchParams) if (!(key in query)) query[key] = value;
    const match = PATH.exec(parsed.pathname);
    const path = parsed.pathname.replace(/^\/v[0-9]+\.[0-9]+/, '');
    const pageId = match?.[1] ?? null;
    const endpoint: GraphEndpoint = match !== null && ENDPOINTS.has(match[2]) ? (match[2] as GraphEndpoint) : 'unknown';

    const raw = await readBody(req);
    const body = raw === null || raw.length === 0 ? undefined : parseJson(raw.toString('utf8'));
    const failure = this.takeFailure();
    const record = (response: Answer | null): void => {
      if (generation !== this.generation) return;
      const call: RecordedCall = { seq, method: req.method ?? 'GET', path, endpoint, pageId, query, body, at, response };
      this.recorded.push(call);
      for (const listener of this.listeners) {
        try {
          listener(call);
        } catch {
          // A listener's bug must not break the fake.
        }
      }
      for (const waiter of [...this.waiters]) waiter();
    };

    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (this.closed) {
      res.destroy();
      return;
    }

    if (raw === null) {
      record(this.reply(res, graphError(400, 100, 'Request body is too large')));
      return;
    }
    if (failure !== null && 'timeout' in failure) {
      this.held.add(res);
      res.on('close', () => this.held.delete(res));
      record(null);
      return;
    }
    if (failure !== null && 'networkError' in failure) {
      record(null);
      res.destroy();
      return;
    }
    const answer = failure !== null ? failureAnswer(failure) : this.answer(req.method ?? 'GET', endpoint, pageId, query, body, raw);
    record(this.reply(res, answer));
  }

  private takeFailure(): FakeFailure | null {
    const next = this.failures[0];
    if (next !== undefined) {
      next.remaining--;
      if (next.remaining <= 0) this.failures.shift();
      return next.failure;
    }
    return this.permanentFailure;
  }

  /** Validates roughly as Meta does, then answers the endpoint. */
  private answer(
    method: string,
    endpoint: GraphEndpoint,
    pageId: string | null,
    query: Record<string, string>,
    body: unknown,
    raw: Buffer,
  ): Answer {
    if (endpoint === 'unknown' || pageId === null) return graphError(400, 2500, 'Unknown path components', 'OAuthException');
    const token = query.access_token;
    if (token === undefined || token.length === 0) {
      return graphError(400, 190, 'An active access token must be used to query information about the current user.');
    }
    if (this.appSecret !== undefined) {
      const proof = query.appsecret_proof;
      if (proof === undefined) return graphError(400, 100, 'API calls from the server require an appsecret_proof argument');
      if (proof !== appSecretProof(token, this.appSecret)) {
        return graphError(400, 100, 'Invalid appsecret_proof provided in the API argument');
      }
    }

    if (endpoint === 'thread_owner') {
      if (method !== 'GET') return graphError(400, 100, 'Unsupported post request.');
      const psid = query.recipient;
      if (psid === undefined || !/^[0-9]+$/.test(psid)) return graphError(400, 100, '(#100) The parameter recipient is required');
      return { status: 200, body: { data: [{ thread_owner: { app_id: this.threadOwner(psid) } }] } };
    }

    if (method !== 'POST') return graphError(400, 100, 'Unsupported get request.');
    if (raw.length > 0 && body === undefined) return graphError(400, 100, '(#100) Invalid JSON in the request body');
    const recipient = isRecord(body) && isRecord(body.recipient) ? body.recipient.id : undefined;
    if (typeof recipient !== 'string' || !/^[0-9]+$/.test(recipient)) {
      return graphError(400, 100, '(#100) The parameter recipient is required');
    }
    const request = body as Record<string, unknown>;

    switch (endpoint) {
      case 'messages':
        return this.answerMessage(recipient, request);
      case 'pass_thread_control': {
        const target = request.target_app_id;
        if (typeof target !== 'string' && typeof target !== 'number') {
          return graphError(400, 100, '(#100) The parameter target_app_id is required');
        }
        this.owners.set(recipient, String(target));
        return { status: 200, body: { success: true } };
      }
      case 'take_thread_control':
        this.owners.set(recipient, this.appId);
        return { status: 200, body: { success: true } };
      case 'release_thread_control':
        this.owners.delete(recipient);
        return { status: 200, body: { success: true } };
      case 'request_thread_control':
        return { status: 200, body: { success: true } };
    }
  }

  private answerMessage(recipient: string, request: Record<string, unknown>): Answer {
    const message = request.message;
    const action = request.sender_action;
    if ((message === undefined) === (action === undefined)) {
      return graphError(400, 100, '(#100) Must send either message or state');
    }
    if (action !== undefined) {
      if (action !== 'typing_on' && action !== 'typing_off' && action !== 'mark_seen') {
        return graphError(400, 100, '(#100) Param sender_action must be one of {MARK_SEEN, TYPING_ON, TYPING_OFF}');
      }
      return { status: 200, body: { recipient_id: recipient } };
    }
    if (!isRecord(message) || (message.text === undefined && message.attachment === undefined)) {
      return graphError(400, 100, '(#100) Must send either message or state');
    }
    if (typeof message.text === 'string' && [...message.text].length > 2000) {
      return graphError(400, 100, '(#100) Length of param message[text] must be less than or equal to 2000');
    }
    if (request.messaging_type === 'MESSAGE_TAG' && request.tag === undefined) {
      return graphError(400, 100, '(#100) Tag is required for MESSAGE_TAG messaging type');
    }
    return { status: 200, body: { recipient_id: recipient, message_id: `m_${randomBytes(24).toString('base64url')}` } };
  }

  private reply(res: ServerResponse, answer: Answer): Answer {
    const payload = JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(payload) });
    res.end(payload);
    return answer;
  }
}

function failureAnswer(failure: FakeGraphError | { readonly httpStatus: 500 | 502 | 503 }): Answer {
  if ('code' in failure) {
    const message = failure.message ?? `(#${failure.code}) Simulated failure`;
    return graphError(failure.httpStatus ?? 400, failure.code, message, failure.type, failure.subcode);
  }
  // A 500 comes from Graph itself (code 2, "service temporarily unavailable"); a 502/503 from a
  // proxy in front of it, without a Graph error body.
  if (failure.httpStatus === 500) {
    return graphError(500, 2, 'An unexpected error has occurred. Please retry your request later.', 'OAuthException');
  }
  return { status: failure.httpStatus, body: { status: failure.httpStatus, message: 'Service Unavailable' } };
}

function graphError(status: number, code: number, message: string, type = 'OAuthException', subcode?: number): Answer {
  return {
    status,
    body: {
      error: {
        message,
        type,
        code,
        ...(subcode !== undefined ? { error_subcode: subcode } : {}),
        fbtrace_id: randomBytes(8).toString('base64url'),
      },
    },
  };
}

/** The whole body, or null when it exceeds the limit (the rest is drained, not kept). */
async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) tooLarge = true;
    else chunks.push(buffer);
  }
  return tooLarge ? null : Buffer.concat(chunks);
}
