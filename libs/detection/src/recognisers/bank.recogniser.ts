import { getCountrySpecifications, isValidBBAN, validateIBAN, ValidationErrorsIBAN } from 'ibantools';
import { abaValid, digitChunks, digitWindows, isAsciiLetter, isDigit, looksLikeAmount, type DigitChunk } from './digits.js';
import type { ContextHit } from './context.js';
import type { Candidate, Scan } from './scan.js';

const IBAN_LENGTHS = new Map<string, number>();
/** the IBAN length of every country whose BBAN format ibantools knows (its isValidIBAN needs one) */
const SPEC_LENGTHS = new Map<string, number>();
for (const [country, spec] of Object.entries(getCountrySpecifications())) {
  if (spec.chars && spec.IBANRegistry) IBAN_LENGTHS.set(country, spec.chars);
  if (spec.chars && spec.bban_regexp) SPEC_LENGTHS.set(country, spec.chars);
}

/**
 * ibantools' check digits test (98 - (BBAN + country + "00") mod 97 = the IBAN's check digits, letters
 * as 10-35), taken character by character: ibantools rebuilds the number as a string and parses it
 * six digits at a time, which took about 1.2 us of the 1.8 its isValidIBAN takes. `iban` is upper
 * case letters and digits (as the recogniser collects it).
 */
export function ibanCheckDigitsValid(iban: string): boolean {
  if (iban.length < 5 || !isDigit(iban.charCodeAt(2)) || !isDigit(iban.charCodeAt(3))) return false;
  let rest = 0;
  const add = (code: number): void => {
    rest = isDigit(code) ? (rest * 10 + code - 48) % 97 : (rest * 100 + code - 55) % 97;
  };
  for (let i = 4; i < iban.length; i++) add(iban.charCodeAt(i));
  add(iban.charCodeAt(0));
  add(iban.charCodeAt(1));
  rest = (rest * 100) % 97;
  return 98 - rest === (iban.charCodeAt(2) - 48) * 10 + iban.charCodeAt(3) - 48;
}

/**
 * ibantools' isValidIBAN (default options) for an upper-case alphanumeric `iban`: a country it
 * knows, its length, two check digits, the BBAN's format and national check digits (ibantools), and
 * the check digits (above, first: most strings that reach here fail them).
 */
export function ibanValid(iban: string): boolean {
  const country = iban.slice(0, 2);
  return ibanCheckDigitsValid(iban) && SPEC_LENGTHS.get(country) === iban.length && isValidBBAN(iban.slice(4), country);
}

function isAlnum(code: number): boolean {
  return isDigit(code) || isAsciiLetter(code);
}

/**
 * Whether `iban` passes mod-97 and the country's length and format, but not the national
 * bank/branch/account check digits some countries add (BE, ES, FR, PT ...). Mod-97 already
 * leaves 1 in 97 random strings through: this is an IBAN (mistyped, or made up), not anything else.
 */
function ibanFailsOnlyNationalCheck(iban: string): boolean {
  // failing the check digits is an error of its own
  if (!ibanCheckDigitsValid(iban)) return false;
  const errors = validateIBAN(iban).errorCodes;
  return errors.length === 1 && errors[0] === ValidationErrorsIBAN.WrongAccountBankBranchChecksum;
}

/** Where every IBAN starts: its country code and check digits. */
const IBAN_START = /[a-z]{2}\d{2}/i;

/**
 * IBAN: country code, two check digits, then the country's BBAN length, in any case, grouped by
 * single spaces or dashes; mod-97 and the country format checked by ibantools (the national check
 * digits lower the score, they do not reject).
 */
export function recogniseIbans(scan: Scan, out: Candidate[]): void {
  const { text, context } = scan;
  if (scan.digitCount < 2 || !IBAN_START.test(text)) return;
  const n = text.length;
  for (let i = 0; i + 4 <= n; i++) {
    const c0 = text.charCodeAt(i);
    if (!isAsciiLetter(c0)) continue;
    if (i > 0 && isAlnum(text.charCodeAt(i - 1))) continue;
    if (!isAsciiLetter(text.charCodeAt(i + 1)) || !isDigit(text.charCodeAt(i + 2)) || !isDigit(text.charCodeAt(i + 3))) continue;
    const country = text.slice(i, i + 2).toUpperCase();
    const length = IBAN_LENGTHS.get(country);
    if (!length) continue;
    // collect `length` alphanumerics, allowing one separator between them
    let compact = '';
    let j = i;
    let end = i;
    while (j < n && compact.length < length) {
      const code = text.charCodeAt(j);
      if (isAlnum(code)) {
        compact += text[j];
        j++;
        end = j;
      } else if ((code === 32 || code === 45) && j + 1 < n && isAlnum(text.charCodeAt(j + 1)) && compact.length > 0) {
        j++;
      } else break;
    }
    if (compact.length !== length || (end < n && isAlnum(text.charCodeAt(end)))) {
      // a trailing character glued to the IBAN means it is something else
      if (compact.length !== length) continue;
      continue;
    }
    const iban = compact.toUpperCase();
    const before = context.before(i, 40, ['iban', 'account']);
    // "... c'est mon iban": a word after only raises the score of a mod-97-valid IBAN
    const named = before ?? context.after(end, 20, ['iban']);
    if (ibanValid(iban)) {
      out.push({ type: 'IBAN', start: i, end, score: named ? 0.99 : 0.95, reason: named ? 'mod97+country+context' : 'mod97+country' });
      i = end - 1;
    } else if (ibanFailsOnlyNationalCheck(iban)) {
      out.push({ type: 'IBAN', start: i, end, score: named ? 0.97 : 0.9, reason: `mod97+country${named ? '+context' : ''} (national check failed)` });
      i = end - 1;
    } else if (before && /^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) {
      out.push({ type: 'IBAN', start: i, end, score: 0.6, reason: 'format+context (checksum failed)' });
      i = end - 1;
    }
  }
}

/** US ABA routing numbers: nine digits, 3-7-1 checksum, and a routing context word. */
export function recogniseRouting(scan: Scan, out: Candidate[]): void {
  const { text, context } = scan;
  // every routing number needs a routing word
  if (!context.has('routing')) return;
  for (const chunk of digitChunks(text, scan.groups, ' -', 1)) {
    if (chunk.digits.length < 9) continue;
    for (const w of digitWindows(chunk, text, 9, 9)) {
      if (w.digits.length !== 9 || w.lengths.length > 3) continue;
      if (!abaValid(w.digits)) continue;
      const named = context.before(w.start, 48, ['routing']) ?? context.after(w.end, 20, ['routing']);
      if (!named) continue;
      out.push({ type: 'ROUTING', start: w.start, end: w.end, score: 0.92, reason: 'aba-checksum+context' });
    }
  }
}

/** 2023-11-28 or 28-11-2023 (then a time may follow): a date, not an account number, nor is any part of it. */
function isIsoDate(chunk: DigitChunk): boolean {
  if (chunk.groups.length < 3 || chunk.separators[0] !== '-' || chunk.separators[1] !== '-') return false;
  const lengths = chunk.groups.slice(0, 3).map((g) => g.end - g.start).join('-');
  const d = chunk.digits;
  const [year, month, day] = lengths === '4-2-2' ? [d.slice(0, 4), d.slice(4, 6), d.slice(6, 8)] : lengths === '2-2-4' ? [d.slice(4, 8), d.slice(2, 4), d.slice(0, 2)] : [];
  if (year === undefined || month === undefined || day === undefined) return false;
  return /^(?:19|20)/.test(year) && Number(month) >= 1 && Number(month) <= 12 && Number(day) >= 1 && Number(day) <= 31;
}

/** A conjunction or a comma: what stands before it belongs to another clause. */
const CLAUSE_BREAK = /\b(?:and|but)\b|[,;]/;

/** What may stand between a value and the account word naming it: "12345678 is my account (number)". */
const NAMED_AFTER = /[ ,]{0,2}(?:is|was|=|:|-)[ ]{1,2}(?:(?:my|our|the|his|her|their|your)[ ]{1,2})?/y;

/**
 * The account word right after a value that names it ("8977116929 is my account number"), or
 * null. A linking "is", "=", ":" is required: "call 8977116929 about my account" names nothing.
 */
function accountNamedAfter(scan: Scan, end: number): ContextHit | null {
  const hit = scan.context.after(end, 16, ['account']);
  if (!hit) return null;
  NAMED_AFTER.lastIndex = end;
  return NAMED_AFTER.test(scan.lower) && NAMED_AFTER.lastIndex === hit.start ? hit : null;
}

/**
 * Bank account numbers: 6-17 digits (any grouping) after an account context word, or named by
 * one right after them ("... is my account number"); UK sort codes (12-34-56) after "sort code".
 */
export function recogniseAccounts(scan: Scan, out: Candidate[]): void {
  const { text, context } = scan;
  // every account number needs an account word (before it or naming it after), a sort code its word
  if (!context.has('account') && !context.has('sortCode')) return;
  for (const chunk of digitChunks(text, scan.groups, ' -', 1)) {
    if (chunk.digits.length < 6 || isIsoDate(chunk)) continue;
    for (const w of digitWindows(chunk, text, 6, 17)) {
      if (looksLikeAmount(text, w.start, w.end)) continue;
      if (w.lengths.length === 3 && w.lengths.every((l) => l === 2) && w.separators.every((x) => x === '-') && context.before(w.start, 32, ['sortCode'])) {
        out.push({ type: 'ACCOUNT', start: w.start, end: w.end, score: 0.8, reason: 'sort-code+context' });
        continue;
      }
      const named = context.before(w.start, 40, ['account']);
      // "account ending in 1234", "order 123456 on my account": the nearest context decides
      const other = context.before(w.start, 40, ['notCard', 'phone', 'routing', 'card', 'ssn', 'iban'], true);
      if (named) {
        if (other && other.end > named.end) continue;
        out.push({ type: 'ACCOUNT', start: w.start, end: w.end, score: 0.7, reason: 'digits+context' });
        continue;
      }
      // named right after: a statement about the number itself, stronger than a phone-shape guess
      const after = accountNamedAfter(scan, w.end);
      // "030065633 is the routing and 2663029315 is the account": context before a conjunction
      // belongs to the previous clause; the naming after the number is nearer in meaning
      if (!after || (other && w.start - other.end < after.start - w.end && !CLAUSE_BREAK.test(scan.lower.slice(other.end, w.start)))) continue;
      out.push({ type: 'ACCOUNT', start: w.start, end: w.end, score: 0.8, reason: 'digits+context-after' });
    }
  }
}

/**
 * The SSN word right after a number ("536228817 (ssn)", "536228817 is my ssn"), unless that word
 * names the number after it ("routing 110471626 ssn 091-52-1355").
 */
function ssnWordAfter(scan: Scan, end: number): ContextHit | null {
  const hit = scan.context.after(end, 16, ['ssn']);
  if (!hit) return null;
  return /^[\s:#=(-]*(?:(?:is|no|num|number)[\s.:#]+)?\d/.test(scan.lower.slice(hit.end, hit.end + 16)) ? null : hit;
}

/** Between "social" and its number only a link: "my social is 386954267", "social #: ...". */
const SOCIAL_LINK = /(?:[ :#=-]|is\b|was\b|no\b|num\b|number\b)*/y;

/** "social" alone names an SSN only right before it ("social media 386954267" does not). */
function socialRightBefore(scan: Scan, start: number): ContextHit | null {
  const hit = scan.context.before(start, 16, ['social']);
  if (!hit) return null;
  SOCIAL_LINK.lastIndex = hit.end;
  return SOCIAL_LINK.test(scan.lower) && SOCIAL_LINK.lastIndex === start ? hit : null;
}

const ITIN_GROUPS = (g: number): boolean => (g >= 50 && g <= 65) || (g >= 70 && g <= 88) || (g >= 90 && g <= 92) || (g >= 94 && g <= 99);

/**
 * US SSN (and ITIN): 3-2-4 digits with one kind of separator, or nine digits with context.
 * Invalid: area 000, 666, 9xx unless an ITIN group; group 00; serial 0000; all one digit.
 */
/** "ssn for the custodial account": the account word says what the SSN is for, in the same clause, not naming a number of its own. */
function accountOfSsn(scan: Scan, named: { end: number }, account: { start: number; end: number }): boolean {
  const { lower } = scan;
  return !/[,.?!;]|\band\b|\bis\b/.test(lower.slice(named.end, account.start)) && !/^\s*(?:number|no|#)/.test(lower.slice(account.end, account.end + 10));
}

export function recogniseSsns(scan: Scan, out: Candidate[]): void {
  const { text, context } = scan;
  // without an SSN word, only a dashed 3-2-4 number can be one
  if (!context.has('ssn') && !context.has('social') && !text.includes('-')) return;
  for (const chunk of digitChunks(text, scan.groups, ' -.', 1)) {
    if (chunk.digits.length < 9) continue;
    for (const w of digitWindows(chunk, text, 9, 9)) {
      if (w.digits.length !== 9) continue;
      const lens = w.lengths.join('-');
      const formatted = lens === '3-2-4';
      if (!formatted && lens !== '9') continue;
      if (formatted && w.separators[0] !== w.separators[1]) continue;
      const d = w.digits;
      const area = Number(d.slice(0, 3));
      const group = Number(d.slice(3, 5));
      const serial = Number(d.slice(5));
      if (area === 0 || area === 666 || group === 0 || serial === 0 || /^(\d)\1{8}$/.test(d)) continue;
      const itin = area >= 900;
      if (itin && !ITIN_GROUPS(group)) continue;
      const named = context.before(w.start, 40, ['ssn']) ?? ssnWordAfter(scan, w.end) ?? socialRightBefore(scan, w.start);
      let score: number;
      if (named) score = 0.95;
      else if (formatted && w.separators[0] === '-') score = 0.85;
      else continue;
      // a nine-digit number named as something else is not an SSN; but written 3-2-4 after an SSN's
      // name, "account" nearer it names what the SSN is for ("ssn for the custodial account 851-55-6770")
      const other = context.before(w.start, 40, ['notCard', 'routing', 'account', 'phone'], true);
      if (other && (!named || other.end > named.end) && !(formatted && named && other.kind === 'account' && accountOfSsn(scan, named, other))) continue;
      out.push({ type: 'SSN', start: w.start, end: w.end, score, reason: `${itin ? 'itin' : 'ssn'}-ranges${formatted ? '+format' : ''}${named ? '+context' : ''}` });
    }
  }
}
