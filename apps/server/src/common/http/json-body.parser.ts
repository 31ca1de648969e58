import type { FastifyInstance, FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';

export const MAX_BODY_BYTES = 1024 * 1024;
export const MAX_JSON_DEPTH = 64;

/** What the JSON parser leaves on every request: the exact bytes (for signatures) and, where the
 * route asked to judge the body itself, whether the JSON was unusable. */
export interface RawBodyRequest extends FastifyRequest {
  rawBody?: Buffer;
  bodyMalformed?: boolean;
}

/** Routes that must check a signature over the raw bytes before they may say the body is bad. */
const DEFERRED_ERROR_PREFIXES = ['/webhooks/'];

/**
 * The body parsers of the app (Nest's own are switched off). Replaces Fastify's JSON parser: keeps the raw bytes, refuses absurd nesting before parsing,
 * drops `__proto__`/`constructor` keys, and lets signed routes answer 403 before 400.
 */
export function registerJsonBodyParser(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (request, body, done) => {
    const req = request as RawBodyRequest;
    const bytes = body as Buffer;
    req.rawBody = bytes;
    const parsed = parseJson(bytes);
    if (parsed.ok) {
      done(null, parsed.value);
      return;
    }
    if (DEFERRED_ERROR_PREFIXES.some((prefix) => request.url.startsWith(prefix))) {
      req.bodyMalformed = true;
      done(null, undefined);
      return;
    }
    done(Object.assign(new Error('Bad request'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON' }), undefined);
  });
  // HTML forms (the secure-link landing page): small, flat, string values only.
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_request, body, done) => {
    const fields: Record<string, string> = {};
    for (const [key, value] of new URLSearchParams(body as string)) {
      if (key !== '__proto__' && key !== 'constructor' && key !== 'prototype') fields[key] = value;
    }
    done(null, fields);
  });
}

export function parseJson(bytes: Buffer): { ok: true; value: unknown } | { ok: false } {
  if (bytes.length === 0 || jsonDepthExceeds(bytes, MAX_JSON_DEPTH)) return { ok: false };
  try {
    return { ok: true, value: secureJson.parse(bytes.toString('utf8'), undefined, { protoAction: 'remove', constructorAction: 'remove' }) };
  } catch {
    return { ok: false };
  }
}

/** One linear pass over the bytes, skipping strings, tracking bracket depth. */
export function jsonDepthExceeds(bytes: Buffer, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
