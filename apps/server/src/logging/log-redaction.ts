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

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/** Six or more digits, with single separators between them: a card, account, SSN or phone number. */
const DIGIT_RUN = /\d(?:[ .\-_/]?\d){5,}/g;

/**
 * The path of a request as it may appear in a log: no query string (verify tokens, access tokens),
 * secure-link tokens replaced by a placeholder, and runs of six or more digits (anyone can put a
 * card number or an SSN in a path, matched or not) replaced by `:number`; UUIDs stay whole. (Page
 * ids in /api/v1/pages paths are masked too: they look like any other long number.)
 */
export function safeRequestPath(url: string | undefined): string {
  if (!url) return '';
  let path = url.split('?')[0] ?? '';
  try {
    // The router decodes and tolerates doubled slashes: /%73/<token> and //s/<token> reach /s/:token too.
    path = stripControlCharacters(decodeURIComponent(path));
  } catch {
    path = '/:undecodable';
  }
  path = path.replace(/\/{2,}/g, '/').replace(/^\/s\/[^/]+/, '/s/:token');
  if (/\d{2}/.test(path)) {
    const uuids: string[] = [];
    path = path
      .replace(UUID, (uuid) => `\u0000${uuids.push(uuid) - 1}\u0000`)
      .replace(DIGIT_RUN, ':number')
      .replace(/\u0000(\d+)\u0000/g, (_, i: string) => uuids[Number(i)] ?? '');
  }
  return path.slice(0, 200);
}

/** Removes CR, LF and other control characters so user-supplied strings cannot forge log lines. */
export function stripControlCharacters(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
}
