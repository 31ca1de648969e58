import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * One request id for Fastify (error answers' correlation id) and pino (every log line): a caller's
 * well-formed X-Request-Id, else a new UUID. Kept on the raw request so both read the same value.
 */
export function requestIdOf(req: IncomingMessage): string {
  const holder = req as IncomingMessage & { id?: unknown };
  if (typeof holder.id === 'string') return holder.id;
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  holder.id = id;
  return id;
}
