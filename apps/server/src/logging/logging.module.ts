import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { LOG_REDACT_PATHS, safeRequestPath } from './log-redaction.js';
import { requestIdOf } from './request-id.js';

const QUIET_PATHS = new Set(['/health', '/metrics']);

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
        pinoHttp: {
          level: config.logLevel,
          genReqId: requestIdOf,
          redact: { paths: [...LOG_REDACT_PATHS], censor: '[redacted]' },
          serializers: {
            req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({
              id: req.id,
              method: req.method,
              path: safeRequestPath(req.url),
              remoteAddress: req.remoteAddress,
            }),
            res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
          },
          customSuccessMessage: (_req: IncomingMessage, res: ServerResponse) => `request completed ${res.statusCode}`,
          customErrorMessage: (_req: IncomingMessage, res: ServerResponse) => `request failed ${res.statusCode}`,
          // Health probes and metrics scrapes would drown everything else.
          autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.has(safeRequestPath((req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '')) },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
