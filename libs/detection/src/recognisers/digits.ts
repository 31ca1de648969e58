/** Digit groups and checksums shared by the numeric recognisers. All scans are linear. */

export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

export function isAsciiLetter(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
}

/** A maximal run of ASCII digits. */
export interface DigitGroup {
  start: number;
  end: number;
}

/** Groups joined by short separators: "4111 1111-1111.1111". */
export interface DigitChunk {
  groups: DigitGroup[];
  /** separator text between group i and i+1 */
  separators: string[];
  start: number;
  end: number;
  digits: string;
}

/** The maximal runs of ASCII digits in the first `n` code units of `units` (see CodeUnits). */
export function digitGroups(units: Uint16Array, n: number): DigitGroup[] {
  const groups: DigitGroup[] = [];
  for (let i = 0; i < n; ) {
    if (!isDigit(units[i] as number)) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && isDigit(units[j] as number)) j++;
    groups.push({ start: i, end: j });
    i = j;
  }
  return groups;
}

/**
 * Chains digit groups whose gap is 1..maxGap characters, all in `separators`.
 * A chunk holds at most `maxDigits` digits beyond which it is cut (and flagged by its length).
 */
export function digitChunks(text: string, groups: DigitGroup[], separators: string, maxGap: number): DigitChunk[] {
  const chunks: DigitChunk[] = [];
  let current: DigitChunk | null = null;
  for (const g of groups) {
    if (current) {
      const prev = current.groups[current.groups.length - 1] as DigitGroup;
      const gap = g.start - prev.end;
      if (gap >= 1 && gap <= maxGap && onlyFrom(text, prev.end, g.start, separators)) {
        current.groups.push(g);
        current.separators.push(text.slice(prev.end, g.start));
        current.end = g.end;
        current.digits += text.slice(g.start, g.end);
        continue;
      }
      chunks.push(current);
    }
    current = { groups: [g], separators: [], start: g.start, end: g.end, digits: text.slice(g.start, g.end) };
  }
  if (current) chunks.push(current);
  return chunks;
}

function onlyFrom(text: string, from: number, to: number, allowed: string): boolean {
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    let found = false;
    for (let k = 0; k < allowed.length && !found; k++) found = allowed.charCodeAt(k) === code;
    if (!found) return false;
  }
  return true;
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** luhnValid of the digits values[from..to) (digit values 0-9). */
export function luhnValidAt(values: Uint8Array, from: number, to: number): boolean {
  let sum = 0;
  let double = false;
  for (let i = to - 1; i >= from; i--) {
    let d = values[i] as number;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return to > from && sum % 10 === 0;
}

/** US ABA routing number: 3-7-1 weighted checksum and a valid Federal Reserve prefix. */
export function abaValid(digits: string): boolean {
  if (digits.length !== 9 || !/^\d{9}$/.test(digits)) return false;
  const prefix = Number(digits.slice(0, 2));
  const prefixOk = prefix <= 12 || (prefix >= 21 && prefix <= 32) || (prefix >= 61 && prefix <= 72) || prefix === 80;
  if (!prefixOk) return false;
  const d = (i: number): number => digits.charCodeAt(i) - 48;
  const sum = 3 * (d(0) + d(3) + d(6)) + 7 * (d(1) + d(4) + d(7)) + (d(2) + d(5) + d(8));
  return sum % 10 === 0 && digits !== '000000000';
}

interface Issuer {
  name: string;
  /** inclusive prefix ranges, compared on the same number of leading digits */
  ranges: [string, string][];
  lengths: number[];
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

export const ISSUERS: Issuer[] = [
  { name: 'visa', ranges: [['4', '4']], lengths: [13, 16, 19] },
  { name: 'mastercard', ranges: [['51', '55'], ['2221', '2720']], lengths: [16] },
  { name: 'amex', ranges: [['34', '34'], ['37', '37']], lengths: [15] },
  { name: 'discover', ranges: [['6011', '6011'], ['644', '649'], ['65', '65'], ['622126', '622925']], lengths: range(16, 19) },
  { name: 'diners', ranges: [['300', '305'], ['36', '36'], ['38', '39']], lengths: range(14, 19) },
  { name: 'jcb', ranges: [['3528', '3589']], lengths: range(16, 19) },
  { name: 'unionpay', ranges: [['62', '62'], ['81', '81']], lengths: range(16, 19) },
  { name: 'maestro', ranges: [['50', '50'], ['56', '58'], ['63', '63'], ['67', '67']], lengths: range(12, 19) },
  { name: 'mir', ranges: [['2200', '2204']], lengths: range(16, 19) },
  { name: 'rupay', ranges: [['60', '60'], ['82', '82'], ['508', '508'], ['353', '353'], ['356', '356']], lengths: [16] },
  { name: 'troy', ranges: [['9792', '9792']], lengths: [16] },
];

/** Each issuer's prefix ranges as numbers: the range's first and last prefix, `length` digits each. */
const PREFIX_RANGES = ISSUERS.map((issuer) =>
  issuer.ranges.map(([lo, hi]) => {
    if (lo.length !== hi.length) throw new Error(`issuer prefix range ${lo}-${hi}: both ends need the same number of digits`);
    return { length: lo.length, lo: Number(lo), hi: Number(hi) };
  }),
);
const LONGEST_PREFIX = Math.max(...PREFIX_RANGES.flat().map((r) => r.length));
/** LEADING[k]: the number the first k digits spell, for the digits last read by `readLeading` */
const LEADING = new Float64Array(LONGEST_PREFIX + 1);

/**
 * Reads the numbers the first 1 to LONGEST_PREFIX digits of `digits` spell; false when it has
 * fewer digits than that, or something else among them (then prefixes are compared as strings).
 * A card number's windows have twelve digits or more: numbers spare the substring per range.
 */
function readLeading(digits: string): boolean {
  if (digits.length < LONGEST_PREFIX) return false;
  let v = 0;
  for (let k = 1; k <= LONGEST_PREFIX; k++) {
    const d = digits.charCodeAt(k - 1) - 48;
    if (d < 0 || d > 9) return false;
    v = v * 10 + d;
    LEADING[k] = v;
  }
  return true;
}

/** hasIssuerPrefix of the digits values[from..to) (digit values 0-9). */
export function hasIssuerPrefixAt(values: Uint8Array, from: number, to: number): boolean {
  if (to - from < LONGEST_PREFIX) {
    let digits = '';
    for (let i = from; i < to; i++) digits += String.fromCharCode(48 + (values[i] as number));
    return hasIssuerPrefix(digits);
  }
  let v = 0;
  for (let k = 1; k <= LONGEST_PREFIX; k++) {
    v = v * 10 + (values[from + k - 1] as number);
    LEADING[k] = v;
  }
  for (let n = 0; n < ISSUERS.length; n++) if (issuerPrefixFits(n, '', true)) return true;
  return false;
}

/** Whether issuer n's prefix fits (prefixes of equal length compare as numbers as they do as strings). */
function issuerPrefixFits(n: number, digits: string, numbers: boolean): boolean {
  const ranges = PREFIX_RANGES[n] as { length: number; lo: number; hi: number }[];
  for (let r = 0; r < ranges.length; r++) {
    const { length, lo, hi } = ranges[r] as { length: number; lo: number; hi: number };
    if (numbers) {
      const p = LEADING[length] as number;
      if (p >= lo && p <= hi) return true;
    } else {
      const [los, his] = (ISSUERS[n] as Issuer).ranges[r] as [string, string];
      const p = digits.slice(0, length);
      if (p >= los && p <= his) return true;
    }
  }
  return false;
}

/** The issuer whose prefix and length fit, or null. */
export function cardIssuer(digits: string): string | null {
  const numbers = readLeading(digits);
  for (let n = 0; n < ISSUERS.length; n++) {
    const issuer = ISSUERS[n] as Issuer;
    if (!issuer.lengths.includes(digits.length)) continue;
    if (issuerPrefixFits(n, digits, numbers)) return issuer.name;
  }
  return null;
}

/** An issuer prefix, whatever the length. */
export function hasIssuerPrefix(digits: string): boolean {
  const numbers = readLeading(digits);
  for (let n = 0; n < ISSUERS.length; n++) if (issuerPrefixFits(n, digits, numbers)) return true;
  return false;
}

const CURRENCY_BEFORE = /[$€£¥₹₽₩]|\b(?:usd|eur|gbp|cad|aud|inr|chf|jpy|rs|dollars?|euros?|pounds?)\s*$/i;
const CURRENCY_AFTER = /^\s*(?:[$€£¥₹]|(?:usd|eur|gbp|cad|aud|inr|chf|jpy|dollars?|euros?|pounds?|bucks|quid|k)\b)/i;

/** A number written as an amount ("$1 250 000", "2.000.000 EUR"). */
export function looksLikeAmount(text: string, start: number, end: number): boolean {
  const before = text.slice(Math.max(0, start - 10), start);
  const after = text.slice(end, end + 10);
  return CURRENCY_BEFORE.test(before) || CURRENCY_AFTER.test(after);
}

/** Whether the character before `start` and the one at `end` are not letters or digits. */
export function standsAlone(text: string, start: number, end: number): boolean {
  const b = start > 0 ? text.charCodeAt(start - 1) : 32;
  const a = end < text.length ? text.charCodeAt(end) : 32;
  return !isDigit(b) && !isAsciiLetter(b) && !isDigit(a) && !isAsciiLetter(a);
}

/** A run of whole groups inside a chunk. */
export interface DigitWindow {
  start: number;
  end: number;
  digits: string;
  /** lengths of its groups */
  lengths: number[];
  /** separators between its groups */
  separators: string[];
}

/**
 * Every window of consecutive whole groups of `chunk` with `minDigits` to `maxDigits` digits that
 * stands alone (no letter or digit right before or after it: `standsAlone`), start by start (linear:
 * each start extends over at most `maxDigits` groups). Recognisers judge windows, not whole
 * chunks, so a value next to another value (or next to a placeholder) is judged the same way. A
 * window's digits, group lengths and separators are built only for one that stands alone.
 */
export function digitWindows(chunk: DigitChunk, text: string, minDigits: number, maxDigits: number): DigitWindow[] {
  const windows: DigitWindow[] = [];
  const groups = chunk.groups;
  let first = 0;
  for (let i = 0; i < groups.length; i++) {
    const start = (groups[i] as DigitGroup).start;
    let count = 0;
    for (let j = i; j < groups.length; j++) {
      const g = groups[j] as DigitGroup;
      count += g.end - g.start;
      if (count > maxDigits) break;
      if (count < minDigits || !standsAlone(text, start, g.end)) continue;
      const lengths: number[] = [];
      for (let k = i; k <= j; k++) lengths.push((groups[k] as DigitGroup).end - (groups[k] as DigitGroup).start);
      windows.push({ start, end: g.end, digits: chunk.digits.slice(first, first + count), lengths, separators: chunk.separators.slice(i, j) });
    }
    first += (groups[i] as DigitGroup).end - start;
  }
  return windows;
}
