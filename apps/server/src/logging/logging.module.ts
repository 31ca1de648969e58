import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { LOG_REDACT_PATHS, safeRequestPath } from './log-redaction.js';
import { requestIdOf } from './request-id.js';

const QUIET_PATHS = new Set(['/health', '/metrics']);

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

/** Structured JSON logs with a request id on every line; bodies, cookies, tokens and secrets are
 * never written (message text must never be logged). */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        // every route: nestjs-pino's own default ('{/*splat}') matches nothing under NestJS 12 on
        // Fastify, which left the service without request logs
        forRoutes: ['{*splat}'],
        // Meta's webhook gets no access line per delivery: at its volume the request logger was
        // about a fifth of a delivery's CPU (measured), and the lines would say nothing that
        // webhook_events_total, webhook_signature_rejected_total and the HTTP histograms do not.
        // Failures are still logged by the global error filter, with their correlation id.
        exclude: [{ method: RequestMethod.ALL, path: 'webhooks/messenger' }],
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
          customSuccessMessage: (_req: IncomingMessage, res: ServerResponse) => `request completed ${res.statusCode}`,
          customErrorMessage: (_req: IncomingMessage, res: ServerResponse) => `request failed ${res.statusCode}`,
          // Health probes and metrics scrapes would drown everything else.
          autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.has(((req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '').split('?')[0] ?? '') },
        }),
      }),
    }),
  ],
})
export class LoggingModule {}
