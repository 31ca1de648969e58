import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainException } from './domain.exception.js';
import { httpStatusOf } from './http-status.js';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  code?: string;
  details?: Record<string, string[]>;
  correlationId: string;
}

/**
 * The one place errors become HTTP answers. Domain errors keep their code and generic message;
 * HTTP errors keep their status; anything else is a 500 carrying only a correlation id, which the
 * log line (without the stack's data in the answer) shares.
 */
@Catch()
export class GlobalExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(GlobalExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const context = host.switchToHttp();
    const request = context.getRequest<FastifyRequest>();
    const reply = context.getResponse<FastifyReply>();
    const correlationId = String(request.id);
    const body = this.toBody(exception, correlationId);
    // a body the client stopped sending (the request never arrived whole) fails to read: that is the
    // client's doing, and the request's "request aborted" line says it. Any other failure is logged,
    // also when the client has left meanwhile (a database stall outlasting a client's timeout is
    // exactly when it matters).
    if (body.statusCode >= 500 && request.raw.complete) {
      const error = exception instanceof Error ? exception : new Error('non-error thrown');
      // The error's name, its code and the stack frames, never its message: library errors (pg,
      // JSON.parse) quote the input they choked on.
      const code = (error as { code?: unknown }).code;
      const frames = stackFrames(error);
      this.logger.error({ correlationId, err: { type: error.name, code: typeof code === 'string' ? code : undefined, frames } }, 'unhandled error');
    }
    if (reply.sent) return;
    void reply.status(body.statusCode).header('cache-control', 'no-store').send(body);
  }

  private toBody(exception: unknown, correlationId: string): ErrorBody {
    if (exception instanceof DomainException) {
      const statusCode = httpStatusOf(exception.code);
      return {
        statusCode,
        error: HttpStatus[statusCode] ?? 'Error',
        message: exception.message,
        code: exception.code,
        ...(exception.details ? { details: exception.details } : {}),
        correlationId,
      };
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'object' && response !== null && 'message' in response
          ? (response as { message: string | string[] }).message
          : exception.message;
      // the router's 404 says "Cannot GET <url>", query string included: never echo a URL (link
      // tokens, OIDC codes, whatever a caller put in a query)
      const generic = statusCode >= 500 ? 'Internal server error' : statusCode === HttpStatus.NOT_FOUND ? 'Not found' : message;
      return { statusCode, error: HttpStatus[statusCode] ?? 'Error', message: generic, correlationId };
    }
    const fastifyStatus = fastifyErrorStatus(exception);
    if (fastifyStatus !== null) {
      return { statusCode: fastifyStatus, error: HttpStatus[fastifyStatus] ?? 'Error', message: genericMessage(fastifyStatus), correlationId };
    }
    return { statusCode: 500, error: 'INTERNAL_SERVER_ERROR', message: 'Internal server error', correlationId };
  }
}

/** A stack's `at ...` lines only: a message can span lines (PostgreSQL quotes a value with its newlines). */
export function stackFrames(error: Error): string {
  return (error.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .join('\n');
}

/** Fastify's own client errors (body too large, bad content type...) carry a 4xx statusCode. */
function fastifyErrorStatus(exception: unknown): number | null {
  if (typeof exception !== 'object' || exception === null) return null;
  const { statusCode, code } = exception as { statusCode?: unknown; code?: unknown };
  if (typeof code === 'string' && code.startsWith('FST_') && typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return statusCode;
  }
  return null;
}

function genericMessage(status: number): string {
  switch (status) {
    case 413:
      return 'Payload too large';
    case 415:
      return 'Unsupported media type';
    default:
      return 'Bad request';
  }
}
