import type { CountryCode } from 'libphonenumber-js/max';
import { isAsciiLetter, isDigit, looksLikeAmount } from './digits.js';
import { isValidNationalPhone, parseInternationalPhone } from './phone-validity.js';
import type { Candidate, Scan } from './scan.js';

function isLocalChar(code: number): boolean {
  // letters, digits and . _ % + - (RFC 5322 "atext" minus the rare ones)
  return isAsciiLetter(code) || isDigit(code) || code === 46 || code === 95 || code === 37 || code === 43 || code === 45;
}

function isDomainChar(code: number): boolean {
  return isAsciiLetter(code) || isDigit(code) || code === 45 || code === 46;
}

/** E-mail addresses, found around each `@` (at most 64 characters back, 253 forward). */
export function recogniseEmails(scan: Scan, out: Candidate[]): void {
  const { text } = scan;
  let from = 0;
  for (;;) {
    const at = text.indexOf('@', from);
    if (at < 0) return;
    from = at + 1;
    let s = at;
    while (s > 0 && at - s < 64 && isLocalChar(text.charCodeAt(s - 1))) s--;
    while (s < at && text.charCodeAt(s) === 46) s++;
    if (s === at) continue;
    let e = at + 1;
    while (e < text.length && e - at <= 253 && isDomainChar(text.charCodeAt(e))) e++;
    while (e > at + 1 && (text.charCodeAt(e - 1) === 46 || text.charCodeAt(e - 1) === 45)) e--;
    const domain = text.slice(at + 1, e);
    const labels = domain.split('.');
    const tld = labels[labels.length - 1] as string;
    if (labels.length < 2 || labels.some((l) => l.length === 0 || l.length > 63) || !/^[a-z]{2,24}$/i.test(tld)) continue;
    out.push({ type: 'EMAIL', start: s, end: e, score: 0.95, reason: 'email-format' });
    from = e;
  }
}

export const DEFAULT_PHONE_REGIONS: readonly CountryCode[] = ['US', 'GB', 'IE', 'CA', 'AU', 'IN', 'DE', 'FR', 'ES'];

/** ' -.()/' and tab */
function isPhoneSeparator(code: number): boolean {
  return code === 32 || code === 45 || code === 46 || code === 40 || code === 41 || code === 47 || code === 9;
}
/** Cheap shape checks that spare the validity check (phone-validity.ts, ~0.5 us; the library itself took 6-57 us) most digit runs. */
const NATIONAL_SHAPES: Partial<Record<CountryCode, RegExp>> = {
  GB: /^0\d{9,10}$/,
  IE: /^0\d{8,9}$/,
  AU: /^0\d{9}$/,
  FR: /^0\d{9}$/,
  DE: /^0\d{5,12}$/,
  IN: /^(?:[6-9]\d{9}|0\d{10})$/,
  ES: /^[6-9]\d{8}$/,
};
const DATE_SHAPE = /^(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{2}|\d{4})|\d{4}[./-]\d{1,2}[./-]\d{1,2})$/;
/** "2024-06-11 14:32": a run that starts with a whole date is the date and a time. */
const DATE_FIRST = /^(?:\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{4})\s/;
/** 3-2-4 groups joined by dashes or dots: written like a US SSN, not like a national phone number */
const SSN_SHAPE = /^\d{3}([-.])\d{2}\1\d{4}$/;

/**
 * Phone numbers: 7-15 digits with phone punctuation, optionally after `+` or `00`, valid for
 * one of `regions` by libphonenumber-js (full metadata). Dates, amounts and numbers named as
 * something else (order, tracking, account ...) are skipped.
 */
export function recognisePhones(scan: Scan, out: Candidate[], regions: readonly CountryCode[]): void {
  const { text, context } = scan;
  // a phone number has at least 7 digits
  if (scan.digitCount < 7) return;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const code = text.charCodeAt(i);
    const plus = code === 43 && i + 1 < n && (isDigit(text.charCodeAt(i + 1)) || text[i + 1] === '(' || text[i + 1] === ' ');
    const paren = code === 40 && i + 1 < n && isDigit(text.charCodeAt(i + 1));
    if (!isDigit(code) && !plus && !paren) {
      i++;
      continue;
    }
    if (i > 0 && (isAsciiLetter(text.charCodeAt(i - 1)) || isDigit(text.charCodeAt(i - 1)))) {
      i++;
      while (i < n && (isDigit(text.charCodeAt(i)) || isAsciiLetter(text.charCodeAt(i)))) i++;
      continue;
    }
    // extend over digits and short separator runs
    const start = i;
    let j = i + (plus || paren ? 1 : 0);
    let end = j;
    let digits = '';
    let gap = 0;
    // where the run could also end: after a group followed by a space ("(415) 555-2671 4000 ...")
    const cuts: { end: number; digits: number }[] = [];
    while (j < n && digits.length <= 16) {
      const c = text.charCodeAt(j);
      if (isDigit(c)) {
        digits += text[j];
        gap = 0;
        j++;
        end = j;
        if (text.charCodeAt(end) === 41) end++; // ')'
        if (text.charCodeAt(end) === 32 && digits.length >= 7 && digits.length <= 15) cuts.push({ end, digits: digits.length });
      } else if (gap < 3 && isPhoneSeparator(c)) {
        gap++;
        j++;
      } else break;
    }
    i = Math.max(end, start + 1);
    // the whole run, else the run cut at its last spaces (it may have swallowed the next number)
    const glued = end < n && (isAsciiLetter(text.charCodeAt(end)) || isDigit(text.charCodeAt(end)));
    const tries: { end: number; digits: number }[] = [];
    if (!glued && digits.length >= 7 && digits.length <= 15) tries.push({ end, digits: digits.length });
    for (let k = cuts.length - 1; k >= 0 && tries.length < 3; k--) if ((cuts[k] as { end: number }).end < end) tries.push(cuts[k] as { end: number; digits: number });
    for (const t of tries) {
      const found = phoneAt(scan, out, start, t.end, digits.slice(0, t.digits), plus, regions);
      if (found) {
        out.push(found);
        i = t.end;
        break;
      }
    }
  }
}

function phoneAt(scan: Scan, out: Candidate[], start: number, end: number, digits: string, plus: boolean, regions: readonly CountryCode[]): Candidate | null {
  const { text, context } = scan;
  // every test below only rules out: the cheapest first (a strong candidate already found over these
  // digits: a card, IBAN, routing or account number, an SSN ...)
  if (overlapsStrong(out, start, end) || afterMixedCode(text, start)) return null;
  const raw = text.slice(start, end);
  if (DATE_SHAPE.test(raw) || DATE_FIRST.test(raw) || SSN_SHAPE.test(raw) || looksLikeAmount(text, start, end)) return null;
  if (/\d[./]\d{2}$/.test(raw) && !/[-\s(]/.test(raw)) return null; // a decimal amount
  const named = context.before(start, 40, ['phone']);
  // another kind of number named before it rules it out, unless it is written with "+" and a country
  // code ("codes on +33 7 81 54 20 69"): nobody writes that before anything but a phone number
  const other = plus ? null : context.before(start, 32, ['notCard', 'account', 'routing', 'ssn', 'card', 'imei', 'pin', 'otp', 'cvv'], true);
  if (other && (!named || other.end > named.end)) return null;
  const valid = validPhone(raw, digits, plus || raw.startsWith('00'), plus, regions);
  if (!valid) return null;
  const possibleOnly = valid.endsWith(POSSIBLE);
  return { type: 'PHONE', start, end, score: (named ? 0.9 : 0.75) - (possibleOnly ? 0.05 : 0), reason: `libphonenumber:${valid}${named ? '+context' : ''}` };
}

const POSSIBLE = '(possible)';

function overlapsStrong(out: Candidate[], start: number, end: number): boolean {
  for (let k = out.length - 1; k >= 0 && k >= out.length - 8; k--) {
    const c = out[k] as Candidate;
    if (c.start < end && start < c.end && c.score >= 0.8) return true;
  }
  return false;
}

/**
 * The region a number is valid in, or null. Written with `+` and a country code, a number of a
 * possible length for that country is enough ("+44 7700 900456" is in a range kept for drama,
 * "+33 6 39 ..." in one the metadata does not list yet): nobody writes "+CC" before anything
 * but a phone number. National numbers must be valid.
 */
function validPhone(raw: string, digits: string, international: boolean, plus: boolean, regions: readonly CountryCode[]): string | null {
  try {
    if (international) {
      const p = parseInternationalPhone(raw.startsWith('00') ? digits.slice(2) : digits);
      if (!p) return null;
      if (p.isValid()) return p.country ?? 'intl';
      const possible = plus && countryCodeWhole(raw, p.countryCallingCode) && p.nationalNumber.length >= 7 && p.isPossible();
      return possible ? `${p.country ?? `+${p.countryCallingCode}`}${POSSIBLE}` : null;
    }
    const nanp = (digits.length === 10 && /^[2-9]\d{2}[2-9]/.test(digits)) || (digits.length === 11 && /^1[2-9]\d{2}[2-9]/.test(digits));
    let nanpTried = false;
    for (const region of regions) {
      const isNanp = region === 'US' || region === 'CA';
      if (isNanp && !nanp) continue;
      // US and CA share one numbering plan: libphonenumber-js finds the number's country the same
      // way from either, so after one of them says invalid the other would too (checked on 94k
      // numbers), so the second check is skipped
      if (isNanp && nanpTried) continue;
      const shape = NATIONAL_SHAPES[region];
      if (!isNanp && shape && !shape.test(digits)) continue;
      if (isValidNationalPhone(digits, region)) return region;
      if (isNanp) nanpTried = true;
    }
  } catch {
    // libphonenumber-js throws on some malformed inputs: not a phone number
  }
  return null;
}

/** Whether the country calling code is written whole after the "+" ("+3 1234 5678" is not +31 ...). */
function countryCodeWhole(raw: string, code: string): boolean {
  let i = 1;
  while (i < raw.length && !isDigit(raw.charCodeAt(i))) i++;
  return raw.startsWith(code, i);
}

/** "1Z 999 AA1 01 2345 6784": digits right after a token mixing letters and digits are a code. */
function afterMixedCode(text: string, start: number): boolean {
  let i = start;
  while (i > 0 && text.charCodeAt(i - 1) === 32 && start - i < 2) i--;
  if (i === start || i === 0) return false;
  let j = i;
  while (j > 0 && i - j < 12 && (isAsciiLetter(text.charCodeAt(j - 1)) || isDigit(text.charCodeAt(j - 1)))) j--;
  const token = text.slice(j, i);
  return /\d/.test(token) && /[a-z]/i.test(token);
}
