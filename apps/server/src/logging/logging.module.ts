import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module, RequestMethod } from '@nestjs/common';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { LOG_REDACT_PATHS, safeRequestPath } from './log-redaction.js';
import { requestIdOf } from './request-id.js';

/** Health probes and metrics scrapes get no access line: they would drown everything else. */
const QUIET_ROUTES = new Set(['/health', '/metrics']);

/**
 * First path segments whose requests go through the request logger (pino-http), so that every line
 * logged while one is served carries its request id: the API and the customer's secure-link pages.
 * Every other request but Meta's webhook gets its access line from `logUnroutedRequest` instead
 * (the simulator, unknown paths; health and metrics get none, as here). Each path given to the
 * request logger costs every request, the webhook's included: '{*splat}' with the webhook excluded
 * (NestJS checks the exclusion on every request) cost the webhook's verification route 34 us of
 * server CPU per request against 22 us without the request logger, and one path per prefix of every
 * controller 34 us as well; these two prefixes cost 28 us (autocannon, 20 connections, one-off).
 */
export const REQUEST_LOGGED_PREFIXES = ['api', 's'] as const;

/** Controllers whose requests get only an access line (no request-scoped logger); a test checks
 * that every controller is in one of the two lists, so a new one is placed on purpose. */
export const ACCESS_LINE_ONLY_PREFIXES = ['health', 'metrics', 'simulator'] as const;

/** Meta's webhook route: no access line per delivery (see the comment on the module's options). */
export const UNLOGGED_ROUTE = '/webhooks/messenger';

const LEVELS_WITH_INFO = new Set<AppConfig['logLevel']>(['info', 'debug', 'trace']);

function infoEnabled(config: AppConfig): boolean {
  return LEVELS_WITH_INFO.has(config.logLevel);
}

/** What a request's log line says of it: method, path (no query string, link tokens masked) and address. */
function requestLine(req: IncomingMessage): { method: string | undefined; path: string; remoteAddress: string | undefined } {
  const original = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url;
  return { method: req.method, path: safeRequestPath(original), remoteAddress: req.socket?.remoteAddress };
}

/** The options, with the configured destination when there is one (standard output otherwise). */
function withDestination<T extends object>(config: AppConfig, options: T): T | [T, { write(line: string): void }] {
  return config.logDestination ? [options, config.logDestination] : options;
}

/**
 * The access line of a request the request logger did not see (a path under none of
 * REQUEST_LOGGED_PREFIXES: the simulator, an unknown path, a probe), in the request logger's shape.
 * Called from the HTTP server's onResponse hook with the route that served the request (undefined:
 * none did); nothing for Meta's webhook, health and metrics probes, or a request already logged.
 * (A request the client abandons before its answer gets its line from `logAbortedRequest`.)
 */
export function logUnroutedRequest(req: IncomingMessage, route: string | undefined, requestId: string, statusCode: number, elapsedMs: number): void {
  if (!ownsAccessLine(req, route)) return;
  const root = PinoLogger.root;
  // as the request logger: below info, a line of a request that did not fail is not even built
  if (!root || (statusCode < 500 && !root.isLevelEnabled('info'))) return;
  const line = { req: { id: requestId }, res: { statusCode }, responseTime: Math.round(elapsedMs), http: requestLine(req) };
  if (statusCode >= 500) root.error(line, `request failed ${statusCode}`);
  else root.info(line, `request completed ${statusCode}`);
}

/**
 * The line of a request its client abandoned before its answer (Fastify's onRequestAbort: no
 * onResponse follows), unless the request logger already has the request (it writes its own
 * "request aborted" line then; it has not yet when the client leaves while sending the body).
 */
export function logAbortedRequest(req: IncomingMessage, route: string | undefined, requestId: string): void {
  if (!ownsAccessLine(req, route)) return;
  const root = PinoLogger.root;
  if (!root?.isLevelEnabled('info')) return;
  root.info({ req: { id: requestId }, res: { statusCode: null }, http: requestLine(req) }, 'request aborted');
}

/**
 * Whether the access line of a request is written here: not when the request logger has it
 * (pino-http keeps the loggers it made for a request in `allLogs`; Fastify gives every raw request a
 * `log`), nor for Meta's webhook or the probes. By the route that served the request (its template),
 * not the URL: a probe under the webhook's path that no route serves still gets its line.
 */
function ownsAccessLine(req: IncomingMessage, route: string | undefined): boolean {
  if ((req as IncomingMessage & { allLogs?: unknown }).allLogs !== undefined) return false;
  return route !== UNLOGGED_ROUTE && !(route !== undefined && QUIET_ROUTES.has(route));
}

/** Structured JSON logs with a request id on every line; bodies, cookies, tokens and secrets are
 * never written (message text must never be logged). */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        // The API and the secure-link pages (REQUEST_LOGGED_PREFIXES); every other request but Meta's
        // webhook and the health and metrics probes gets its line from logUnroutedRequest. The
        // webhook gets none per delivery: at its volume the request logger was about a fifth of a
        // delivery's CPU (measured), and the lines would say nothing that webhook_events_total,
        // webhook_signature_rejected_total and the HTTP histograms do not. Failures are still logged
        // by the global error filter, with their correlation id.
        forRoutes: REQUEST_LOGGED_PREFIXES.map((prefix) => ({ path: `${prefix}/{*splat}`, method: RequestMethod.ALL })),
        pinoHttp: withDestination(config, {
          level: config.logLevel,
          genReqId: requestIdOf,
          redact: { paths: [...LOG_REDACT_PATHS], censor: '[redacted]' },
          // Every request's logger is bound to its request id only: pino serialises (and redacts) a
          // child logger's bindings when the child is made, once per request, whether or not
          // anything is logged. Method, path and address are written with the request's line.
          serializers: {
            req: (req: { id: string }) => ({ id: req.id }),
            res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
          },
          // pino-http builds the line's object before the logger drops it: below info, build nothing
          customSuccessObject: (req: IncomingMessage, _res: ServerResponse, value: object) => (infoEnabled(config) ? Object.assign(value, { http: requestLine(req) }) : value),
          customErrorObject: (req: IncomingMessage, _res: ServerResponse, _error: Error, value: object) => Object.assign(value, { http: requestLine(req) }),
          // as pino-http's own message: a request the client abandoned is not "completed 200"
          customSuccessMessage: (req: IncomingMessage, res: ServerResponse) =>
            !req.readableAborted && res.writableEnded ? `request completed ${res.statusCode}` : 'request aborted',
          customErrorMessage: (_req: IncomingMessage, res: ServerResponse) => `request failed ${res.statusCode}`,
        }),
      }),
    }),
  ],
})
export class LoggingModule {}
