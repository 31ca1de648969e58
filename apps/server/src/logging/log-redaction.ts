/** Paths pino replaces with "[redacted]" wherever they appear in a log object. */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-hub-signature"]',
  'req.body',
  'res.headers["set-cookie"]',
  'body',
  'text',
  'token',
  'accessToken',
  'access_token',
  'password',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.text',
  '*.body',
] as const;

/**
 * The path of a request as it may appear in a log: no query string (verify tokens, access tokens),
 * and secure-link tokens replaced by a placeholder.
 */
export function safeRequestPath(url: string | undefined): string {
  if (!url) return '';
  let path = url.split('?')[0] ?? '';
  try {
    // The router decodes and tolerates doubled slashes: /%73/<token> and //s/<token> reach /s/:token too.
    path = decodeURIComponent(path);
  } catch {
    path = '/:undecodable';
  }
  path = path.replace(/\/{2,}/g, '/');
  return path.replace(/^\/s\/[^/]+/, '/s/:token').slice(0, 200);
}

/** Removes CR, LF and other control characters so user-supplied strings cannot forge log lines. */
export function stripControlCharacters(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
}
