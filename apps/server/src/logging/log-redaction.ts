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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** How many digits a path segment may hold before it is masked. */
const MAX_SEGMENT_DIGITS = 5;

/**
 * The path of a request as it may appear in a log: no query string (verify tokens, access tokens),
 * secure-link tokens replaced by a placeholder, and every path segment holding six or more digits
 * in all (anyone can put a card number or an SSN in a path, matched or not, however separated)
 * replaced by `:number`; a UUID stays whole. Full-width and other compatibility digits count
 * (NFKC). Page ids in /api/v1/pages paths are masked too: they look like any other long number.
 */
export function safeRequestPath(url: string | undefined): string {
  if (!url) return '';
  let path = url.split('?')[0] ?? '';
  try {
    // The router decodes and tolerates doubled slashes: /%73/<token> and //s/<token> reach /s/:token too.
    path = stripControlCharacters(decodeURIComponent(path)).normalize('NFKC');
  } catch {
    path = '/:undecodable';
  }
  path = path.replace(/\/{2,}/g, '/').replace(/^\/s\/[^/]+/, '/s/:token');
  return path
    .split('/')
    .map((segment) => (digitCount(segment) > MAX_SEGMENT_DIGITS && !(UUID.test(segment) && /[a-f]/i.test(segment)) ? ':number' : segment))
    .join('/')
    .slice(0, 200);
}

function digitCount(segment: string): number {
  let n = 0;
  for (const c of segment) if (/\p{Nd}/u.test(c)) n++;
  return n;
}

/** Removes CR, LF and other control characters so user-supplied strings cannot forge log lines. */
export function stripControlCharacters(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
}
