import type { EntityType } from '../types.js';
import type { ContextHit, ContextKind } from './context.js';
import { isAsciiLetter, isDigit } from './digits.js';
import type { Candidate, Scan } from './scan.js';

/** How far after its context word a value may start. */
const VALUE_WINDOW = 36;

interface CodeRule {
  type: EntityType;
  kind: ContextKind;
  min: number;
  max: number;
  score: number;
  /** context words that may stand between the name and its value ("the cvc from my visa, which is 635") */
  between: readonly ContextKind[];
}

const CODE_RULES: CodeRule[] = [
  { type: 'CVV', kind: 'cvv', min: 3, max: 4, score: 0.9, between: ['card'] },
  { type: 'PIN', kind: 'pin', min: 4, max: 6, score: 0.9, between: ['card'] },
  { type: 'OTP', kind: 'otp', min: 4, max: 8, score: 0.85, between: [] },
];

/** Words that may stand between a context word and its value ("my pin number is 1234"). */
const FILLER = new Set([
  'is', 'was', 'are', 'its', 'it', 's', 'number', 'no', 'num', 'nr', 'code', 'my', 'the', 'a', 'new', 'old', 'current', 'of', 'be', 'will',
  'would', 'should', 'say', 'says', 'said', 'got', 'get', 'i', 'me', 'to', 'you', 'sent', 'received', 'just', 'digits', 'digit', 'on',
  'back', 'card', 'and', 'here', 'this', 'that', 'as', 'for', 'please', 'pls', 'use', 'try', 'tried', 'entered', 'typed', 'texted',
  'which', 'like', 'they', 'gave', 'well', 'ok', 'okay', 'then', 'from', 'sms', 'text', 'email', 'in', 'app', 'one', 'time', 'set',
  'changed', 'reset', 'also', 'still', 'now', 'kept', 'keeps', 'saying', 'pin', 'cvv', 'cvc', 'otp', 'password', 'security', 'verification',
  '3', '4', '6', 'three', 'four', 'six', 'x', 'phone', 'mobile', 'message', 'u', 'ur', 'by', 'post', 'mail', 'letter', 'shows', 'showing',
  // a few short words of other languages ("mi pin es 1746", "mon code est 4821", "meine pin ist 1234",
  // "code de vérification 845201")
  'mi', 'es', 'era', 'el', 'mon', 'ma', 'est', 'c', 'le', 'la', 'mein', 'meine', 'ist', 'war', 'de', 'du',
  // "the security code on the front 2248", "wrong cvv but i'm typing 316"
  'front', 'typing', 'entering', 'used', 'using',
  // "atm asked for pin, put 3092", "access code emailed to me 750214", "pin for the credit card 7145"
  'put', 'emailed', 'via', 'credit', 'debit',
]);

/** Filler words that link a name to its value: after other words, one of these (or ":", "=") must come. */
const LINKS = new Set(['is', 'was', 'are', 'be', 'es', 'era', 'est', 'ist', 'war', 'typed', 'typing', 'entered', 'entering', 'tried', 'used', 'using', 'put']);
/** Filler only before "card" ("pin for the debit card 7145"; not "otp, debit 4500 happened"). */
const CARD_KINDS = new Set(['credit', 'debit']);
/**
 * Links that are verbs of entering. The number after one is often an amount or a year ("i tried
 * 2000 so i tried 500", "used 2500 at the atm", "the pin i used in 2019 was different"): it is a
 * code only when it is not a round hundred, not after "in", and ends its clause or its phrase.
 */
const ENTERING_LINKS = new Set(['typed', 'typing', 'entered', 'entering', 'tried', 'used', 'using', 'put']);
const AMOUNT_AFTER_ENTERING = /^(?:[1-9]\d*00(?!\d)|\d+[ ]{1,2}(?:at|on|from|for|in|into|as|to|of|off|out|quid|bucks|grand|k|cash|was|is|and)\b)/;
/** Words that point back at a value named before ("the old pin was 1605 and the new one is 2766"). */
const ANAPHORS = new Set(['one', 'new', 'old']);
/** Words offering another value of the same kind with no link ("was it 2261 or 7620?"). */
const ALTERNATIVES = new Set(['or']);
/** How many words that are neither filler nor context may stand before the link ("the pin they mailed me is 0590"). */
const MAX_OTHER_WORDS = 3;
/** Words after which a number is a reference, not the value ("my pin for the card ending 1234 is 8271"). */
const REFERENCES = new Set(['ending', 'ends', 'ended']);
/** Words naming another number: "the pin for the atm limit is 5000" names an amount, not the pin. */
const OTHER_NUMBERS = new Set([
  'limit', 'amount', 'balance', 'fee', 'fees', 'charge', 'total', 'price', 'cost', 'payment', 'deposit', 'withdrawal', 'attempts', 'tries',
  'times', 'minutes', 'hours', 'days', 'weeks', 'months', 'years', 'year', 'date', 'address', 'branch', 'street', 'age',
]);
const ALL_KINDS: readonly ContextKind[] = [
  'card', 'notCard', 'iban', 'routing', 'account', 'sortCode', 'ssn', 'social', 'cvv', 'pin', 'otp', 'notOtp', 'password', 'pass', 'dob', 'phone', 'imei',
];
/** Per code rule, the context kinds that stop the search for its value. */
const BLOCKING: ReadonlyMap<CodeRule, readonly ContextKind[]> = new Map(CODE_RULES.map((r) => [r, ALL_KINDS.filter((k) => !r.between.includes(k))]));
/** Words after a number that make it a quantity, not a code (with OTHER_NUMBERS: "2000 withdrawal limit", "1000 pounds"). */
const UNITS = new Set(['pounds', 'dollars', 'euros', 'rupees', 'usd', 'gbp', 'eur', 'points', 'miles', 'left', 'withdrawals', 'per', 'each', 'meters', 'metres', 'feet', 'km', 'percent']);
/** How far before a "pin code" an address word makes its six digits an Indian postal code. */
const ADDRESS_WINDOW = 40;

/**
 * Finds the position where the value after a context word starts, skipping filler words and
 * punctuation; null if anything else comes first. Up to MAX_OTHER_WORDS other words may come first
 * when a link ("is", ":", "=", a dash) follows them ("the pin they mailed me is 0590", "code from
 * the text message: 526638"); not a context word of one of the `blocking` kinds, and not across a
 * sentence's end. An aside in brackets, the number after "ending" and a number that cannot be a
 * code (a card, an expiry date) count as other words. With `anaphor` (the value after another
 * value) only filler may come, with a link and a word pointing back ("1605 and the new one is
 * 2766"), or "or"/"and" right before another value.
 */
function valueStart(scan: Scan, from: number, limit: number, anaphor = false, blocking: readonly ContextKind[] = ALL_KINDS): number | null {
  const { lower } = scan;
  let i = from;
  let stop = Math.min(lower.length, from + limit);
  let others = 0;
  let needLink = anaphor;
  let pointsBack = !anaphor;
  let reference = false;
  let entering = false;
  let put = false;
  while (i < stop) {
    const code = lower.charCodeAt(i);
    if (code === 10 || code === 1) return null;
    // an aside in brackets ("my secret pin (dont tell anyone lol) 5208") is skipped whole; a
    // bracketed value ("my cvv (218)") is not an aside
    if (code === 40 && !anaphor && !isDigit(lower.charCodeAt(i + 1))) {
      const close = lower.indexOf(')', i);
      if (close < 0 || close >= stop + 40) return null;
      i = close + 1;
      // "my pin (blocked). 5000 left": the aside ended the sentence
      if (/^\s*[.!?;]/.test(lower.slice(i, i + 4))) return null;
      continue;
    }
    if (isDigit(code) && reference) {
      // the number after "ending" names something else: skip it as one more word
      while (i < lower.length && isDigit(lower.charCodeAt(i))) i++;
      reference = false;
      if (++others > MAX_OTHER_WORDS) return null;
      needLink = true;
      continue;
    }
    if (isDigit(code) && !anaphor) {
      // a card number or an expiry date between the name and its value is another value: skipped
      // as one more word ("the cvv on card 4111 1111 1111 1111 exp 12/26 is 123")
      const run = otherNumberRun(lower, i);
      if (run !== null) {
        // the skipped number does not count against the window
        stop = Math.min(lower.length, stop + (run - i));
        i = run;
        if (++others > MAX_OTHER_WORDS) return null;
        needLink = true;
        continue;
      }
    }
    if (isDigit(code)) {
      // a filler number word like "3 digits" is skipped when followed by a letter word
      let j = i;
      while (j < lower.length && isDigit(lower.charCodeAt(j))) j++;
      const word = lower.slice(i, j);
      let k = j;
      while (k < lower.length && lower.charCodeAt(k) === 32) k++;
      if (j - i === 1 && FILLER.has(word) && k < lower.length && isAsciiLetter(lower.charCodeAt(k))) {
        i = j;
        continue;
      }
      if (entering && (AMOUNT_AFTER_ENTERING.test(lower.slice(i, i + 24)) || lower.endsWith('in ', i))) return null;
      // "i put 3092"; not "i put 1250 towards the bill"
      if (put && !endsClause(scan, j)) return null;
      return needLink || !pointsBack ? null : i;
    }
    if (isAsciiLetter(code)) {
      let j = i;
      while (j < lower.length && isAsciiLetter(lower.charCodeAt(j))) j++;
      const word = lower.slice(i, j);
      if (anaphor && (ALTERNATIVES.has(word) || (word === 'and' && isDigit(lower.charCodeAt(nextNonSpace(lower, j)))))) {
        // "2261 or 7620", "771204 and 118350": another value offered the same way
        needLink = false;
        pointsBack = true;
      } else if (REFERENCES.has(word) && !anaphor) {
        reference = true;
        if (++others > MAX_OTHER_WORDS) return null;
        needLink = true;
      } else if (FILLER.has(word) && !(CARD_KINDS.has(word) && !/^[ ]{1,2}cards?\b/.test(lower.slice(j, j + 8)))) {
        if (LINKS.has(word)) {
          needLink = false;
          entering = ENTERING_LINKS.has(word);
          put = word === 'put';
        }
        // "old pin was 4421, new one 2494": a word pointing back stands in for the link
        if (ANAPHORS.has(word)) {
          pointsBack = true;
          needLink = false;
        }
      } else {
        if (anaphor || ++others > MAX_OTHER_WORDS || OTHER_NUMBERS.has(word) || scan.context.before(j, 0, blocking)) return null;
        needLink = true;
      }
      i = j;
      continue;
    }
    // ":", "=" and dashes link a name to its value ("pin for my debit card – 3826")
    if (code === 58 || code === 61 || code === 45 || code === 0x2013 || code === 0x2014) needLink = false;
    else if (needLink && (code === 46 || code === 33 || code === 63 || code === 59)) return null;
    i++;
  }
  return null;
}

/**
 * Where a number that cannot be a code ends, when one starts at `at`: nine or more digits joined by
 * single spaces, dashes or dots (a card, an account), or digits with a slash (an expiry date); null
 * otherwise.
 */
function otherNumberRun(lower: string, at: number): number | null {
  let i = at;
  let digits = 0;
  let slash = false;
  while (i < lower.length) {
    const c = lower.charCodeAt(i);
    if (isDigit(c)) {
      digits++;
      i++;
    } else if ((c === 32 || c === 45 || c === 46 || c === 47) && i + 1 < lower.length && isDigit(lower.charCodeAt(i + 1))) {
      if (c === 47) slash = true;
      i++;
    } else break;
  }
  return digits >= 9 || (slash && digits <= 6) ? i : null;
}

function nextNonSpace(text: string, from: number): number {
  let k = from;
  while (k < text.length && text.charCodeAt(k) === 32) k++;
  return k;
}

/**
 * A run of digits optionally split by single spaces or dashes into groups of at most four
 * ("482 913"), taking whole groups while the count stays within `max`.
 */
function digitValue(text: string, at: number, max: number): { end: number; digits: number } | null {
  let i = at;
  let digits = 0;
  let end = at;
  const groupEnds: number[] = [];
  const groupLens: number[] = [];
  for (;;) {
    let j = i;
    while (j < text.length && isDigit(text.charCodeAt(j))) j++;
    const len = j - i;
    if (len === 0) break;
    if (digits > 0 && (len > 4 || digits + len > max)) break;
    digits += len;
    end = j;
    groupEnds.push(j);
    groupLens.push(len);
    if (digits > max) break;
    const sep = text.charCodeAt(j);
    if ((sep === 32 || sep === 45) && j + 1 < text.length && isDigit(text.charCodeAt(j + 1)) && len <= 4) i = j + 1;
    else break;
  }
  // groups glued to more digits by '.', '-' or '_' ("4821 4.0.0.0...") belong to that other number
  while (groupEnds.length > 0 && /^[-._][0-9]/.test(text.slice(end, end + 2))) {
    groupEnds.pop();
    groupLens.pop();
    end = groupEnds[groupEnds.length - 1] ?? at;
    digits = groupLens.reduce((a, b) => a + b, 0);
  }
  if (digits === 0) return null;
  const after = end < text.length ? text.charCodeAt(end) : 32;
  if (isAsciiLetter(after) || isDigit(after)) return null;
  return { end, digits };
}

/** CVV/CVC, PIN and one-time codes: digits right after their context words. */
export function recogniseCodes(scan: Scan, out: Candidate[]): void {
  const { text, context } = scan;
  for (const rule of CODE_RULES) {
    let lastEnd = -1;
    for (const hit of context.all(rule.kind)) {
      if (hit.end < lastEnd) continue;
      if (rule.type === 'OTP' && isNotOtp(scan, hit)) continue;
      // "one sec code 4821 just came", "cash back code 250", "code on back of the cheque": not a card's code
      if (rule.type === 'CVV' && isNotCardCode(scan, hit)) continue;
      // "the one time pin is 256380" names a one-time code (the OTP rule takes it)
      if (rule.type === 'PIN' && oneTimeBefore(scan, hit)) continue;
      const after = valueStart(scan, hit.end, VALUE_WINDOW, false, BLOCKING.get(rule));
      const before = valueBefore(scan, hit, rule);
      const at = after ?? before;
      // a one-time code of capitals and digits, not after a bare "code" ("use code WELCOME10")
      const mixedAllowed = rule.type === 'OTP' && !BARE_CODE_WORDS.has(scan.lower.slice(hit.start, hit.end));
      if (mixedAllowed && (at === null || (at > 0 && isAsciiLetter(text.charCodeAt(at - 1))))) {
        // "OTP is A7K92P": the search for digits stopped inside the code, or found none
        MIXED_LEAD.lastIndex = hit.end;
        const before = out.length;
        pushMixedCode(text, MIXED_LEAD.test(scan.lower) ? MIXED_LEAD.lastIndex : -1, rule, out);
        if (at === null && out.length === before && rule.type === 'OTP') pushSentenceOtp(scan, hit, out);
        continue;
      }
      if (at === null) {
        if (rule.type === 'OTP') pushSentenceOtp(scan, hit, out);
        continue;
      }
      const value = digitValue(text, at, rule.max);
      if (!value && mixedAllowed) {
        // "your otp is 12AB34": capitals and digits starting with a digit
        pushMixedCode(text, at, rule, out);
        continue;
      }
      if (!value || value.digits < rule.min || value.digits > rule.max || !plainCode(text, at, value.end) || namesOtherNumber(scan, value.end)) continue;
      if (value.digits === 6 && isPostalPin(scan, rule, hit, at)) continue;
      out.push({ type: rule.type, start: at, end: value.end, score: rule.score, reason: `${rule.kind}-context` });
      lastEnd = value.end;
      // "1234 was my old pin, 5678 is the new one": a value named before the word as well
      if (after !== null && before !== null) {
        const earlier = digitValue(text, before, rule.max);
        if (earlier && earlier.digits >= rule.min && plainCode(text, before, earlier.end)) {
          out.push({ type: rule.type, start: before, end: earlier.end, score: rule.score, reason: `${rule.kind}-context-after` });
        }
      }
      // "my old pin was 1605 and the new one is 2766": one more value of the same kind
      const nextAt = valueStart(scan, value.end, VALUE_WINDOW, true);
      if (nextAt === null) continue;
      const nextValue = digitValue(text, nextAt, rule.max);
      if (!nextValue || nextValue.digits < rule.min || nextValue.digits > rule.max || !plainCode(text, nextAt, nextValue.end)) continue;
      // after a bare "and", only a value of the same length that ends its clause ("codes 771204 and
      // 118350"; not "pin 4821 and 1999 is my birth year", "pin 4821 and 1000 pounds")
      if (/^\s*and\s*$/.test(scan.lower.slice(value.end, nextAt)) && (nextValue.digits !== value.digits || !endsClause(scan, nextValue.end))) continue;
      if (namesOtherNumber(scan, nextValue.end)) continue;
      out.push({ type: rule.type, start: nextAt, end: nextValue.end, score: rule.score, reason: `${rule.kind}-context` });
      lastEnd = nextValue.end;
    }
  }
}

/** Whether a line break, or a full stop, "!" or "?" followed by a space or the end, stands at `i` (not the dot of an address or a decimal). */
function endsSentence(text: string, i: number): boolean {
  return text[i] === '\n' || (/[.!?]/.test(text[i] as string) && (i + 1 === text.length || /\s/.test(text[i + 1] as string)));
}

/** The part of the sentence around `hit` within `window` characters of it on either side. */
function sentenceAround(text: string, hit: ContextHit, window: number): { from: number; to: number } {
  let from = Math.max(0, hit.start - window);
  let to = Math.min(text.length, hit.end + window);
  for (let i = hit.start - 1; i >= from; i--) if (endsSentence(text, i)) { from = i + 1; break; }
  for (let i = hit.end; i < to; i++) if (endsSentence(text, i)) { to = i; break; }
  return { from, to };
}

/** How far from a one-time code's name, in its sentence, a six-digit code is looked for. */
const SENTENCE_WINDOW = 60;
/** Words right before a number that name it as something else, or make it an amount or a place. */
const NAMED_BEFORE =
  /\b(?:number|no|num|nr|crn|cif|utr|rrn|sr|id|ref|reference|order|txn|transaction|invoice|ticket|case|complaint|application|loan|customer|cust|account|acct|a\/c|amount|balance|price|bill|salary|debited|credited|lost|paid|pay|of|for|pincode|zip|postal|postcode|branch|room|flight|rs|inr|usd|gbp|eur|cheque|check|chq|serial|emp|employee|username|claim|docket|error)\W{0,3}(?:(?:is|was)\W{1,3})?$/;
/** Evidence before a code given in passing: a verb of receiving, reading or entering it. */
const CODE_RECEIVED = /\b(?:got|get|getting|received|receive|recieved|typed|type|put|keyed|key|punched|entered|enter|shows|showed|showing|says|said|gave (?:them|him|her)|sent me|texted me)(?:\s+in)?\s*:?\s*$/;
/** Evidence after it: the code's name ("334719 thats the otp", "749301 as the approval code"). */
const CODE_NAMED_AFTER = /^\s*,?\s*(?:thats|that's|that is|is|was|as)\s+(?:(?:the|my|a|an|your)\s+(?:[a-z]+\s+)?)?(?:otp|code|verification code|one time|2fa|passcode)\b/;
/** What may follow a code given in passing: the end of its clause, or a word going on about it. */
const CODE_GOES_ON = /^(?:\s*$|\s*[.,;:!?)]|\s+(?:via|by|in|but|and|then|which|pls|please|on|from)\b)/;

/**
 * "334719 thats the otp", "i typed in 914255 but it says invalid verification code", "just got
 * 883017 via sms, is that the code": when nothing links a one-time code's name to a value, a number
 * of six digits (the usual length) standing alone in the name's sentence, with evidence: received
 * or entered right before it (ending its clause), or the code's name right after it. Not a round
 * amount, not after a word naming it as something else or an amount ("customer number", "debited",
 * "rs"), not in a sentence with an address.
 */
function pushSentenceOtp(scan: Scan, hit: ContextHit, out: Candidate[]): void {
  const { text, lower } = scan;
  const { from, to } = sentenceAround(text, hit, SENTENCE_WINDOW);
  // an address anywhere in the sentence: its six digits are a postal code
  if (scan.context.before(to, to - from, ['address']) !== null) return;
  let best: { start: number; end: number; distance: number } | null = null;
  for (let i = from; i < to; i++) {
    if (!isDigit(text.charCodeAt(i))) continue;
    let j = i;
    while (j < text.length && isDigit(text.charCodeAt(j))) j++;
    const start = i;
    i = j;
    if (j - start !== 6 || j > to || (start < hit.end && j > hit.start)) continue;
    const prev = start > 0 ? (text[start - 1] as string) : ' ';
    const next = j < text.length ? (text[j] as string) : ' ';
    // glued to letters or other digits, part of a grouped, dated, timed or decimal number
    if (/[\p{L}\d(#+*$£€₹/.,:-]/u.test(prev) || /[\p{L}\d%/-]/u.test(next)) continue;
    if ((prev === ' ' && isDigit(text.charCodeAt(start - 2))) || (next === ' ' && isDigit(text.charCodeAt(j + 1)))) continue;
    const lead = lower.slice(Math.max(0, start - 20), start);
    if (/000$/.test(text.slice(start, j)) || NAMED_BEFORE.test(lead)) continue;
    // "i typed in 914255"; not "i'm in 560034" (a place)
    if (/\bin\W{0,2}$/.test(lead) && !/\b(?:typed|type|put|punched|keyed|key|entered)\s+in\W{0,2}$/.test(lead)) continue;
    // positive evidence: received or entered right before it and ending its clause, or named right after
    const named = CODE_NAMED_AFTER.test(lower.slice(j, j + 40));
    if (!named && !(CODE_RECEIVED.test(lead) && CODE_GOES_ON.test(lower.slice(j, j + 12)))) continue;
    const distance = start >= hit.end ? start - hit.end : hit.start - j;
    if (!best || distance < best.distance) best = { start, end: j, distance };
  }
  if (best) out.push({ type: 'OTP', start: best.start, end: best.end, score: 0.75, reason: 'otp-context+sentence' });
}

/**
 * "i always use 0603 as my pin", "typed 2964 for the pin": digits right before "as/for (my/the)
 * <name>"; "for" only after a verb of entering ("charged 1500 for the pin reissue" is an amount).
 */
const VALUE_BEFORE = /(?:^|([^0-9a-z]))(\d{3,8})[ ]{1,2}(as|for|is|was|=)[ ]{1,2}(?:(?:my|the|a|new|old|current|card)[ ]{1,2}){0,2}$/;
const ENTERING_BEFORE = /\b(?:typed|type|typing|entered|enter|entering|used|use|using|put|tried|try|chose|set|punched)(?:[ ]{1,2}in)?[ ]{1,2}$/;
const NAME_ENDS = /^(?:\s*$|\s*[,.;!?)]|\s+(?:number|code|no|right|i|im|i'm|you|u|we|that|which|but|please|pls|thanks|so|from|sent|received|just|and\s+(?:it|its|it's|i|im|i'm|now|then|still|please))\b)/;
/** "4172 pin", "584112 code": a value opening its clause, named by the word that ends it (no link). */
const VALUE_BEFORE_BARE = /(?:^|[.!?;,][ ]{0,2})(\d{3,8})[ ]{1,2}$/;
const CURRENCY_BEFORE = /(?:[$£€¥]|\b(?:usd|eur|gbp|inr|rs|aud|cad))[ ]{0,2}$/;

function valueBefore(scan: Scan, hit: ContextHit, rule: CodeRule): number | null {
  const from = Math.max(0, hit.start - 40);
  const window = scan.lower.slice(from, hit.start);
  const m = VALUE_BEFORE.exec(window);
  if (!m) {
    // one word names it ("4172 pin"; not "1500 one time", a payment), ending its clause
    const bare = scan.lower.slice(hit.start, hit.end).includes(' ') ? null : VALUE_BEFORE_BARE.exec(window);
    if (!bare || !/^\s*(?:$|[.!?])/.test(scan.lower.slice(hit.end, hit.end + 4))) return null;
    const digits = bare[1] as string;
    if (digits.length < rule.min || digits.length > rule.max) return null;
    const at = from + bare.index + bare[0].indexOf(digits);
    // "the fee was 1,500 cvv?": the end of an amount
    if (/\d[.,]$/.test(scan.lower.slice(Math.max(0, at - 2), at))) return null;
    // "Bangalore, 560034 pin": India's postal code after an address
    if (rule.type === 'PIN' && digits.length === 6 && scan.context.before(hit.start, ADDRESS_WINDOW + 40, ['address']) !== null) return null;
    return at;
  }
  const digits = m[2] as string;
  if (digits.length < rule.min || digits.length > rule.max) return null;
  const at = from + (m.index ?? 0) + m[0].indexOf(digits);
  const before = scan.lower.slice(Math.max(0, at - 24), at);
  // "1,500 for the cvv replacement", "USD 1500 for the pin": an amount
  if (/\d[.,]$/.test(before) || CURRENCY_BEFORE.test(before)) return null;
  if (m[3] === 'for' && !ENTERING_BEFORE.test(before)) return null;
  // "5519 is my pin" names the value, and so does "3071 is my pin right?" or "448120 is the otp i
  // received" (a new clause after the name); "the 5000 is the atm pin limit" has another word after
  if ((m[3] === 'is' || m[3] === 'was' || m[3] === '=') && !NAME_ENDS.test(scan.lower.slice(hit.end, hit.end + 12))) return null;
  return at;
}

/** The value is followed by a word naming another quantity ("2000 withdrawal limit", "1000 pounds"). */
function namesOtherNumber(scan: Scan, end: number): boolean {
  const m = /^[ ]{1,2}([a-z]+)(?:[ ]{1,2}([a-z]+))?/.exec(scan.lower.slice(end, end + 24));
  if (m === null) return false;
  // "635019 per sms" says how the code came, not "5 per month"
  if (m[1] === 'per' && m[2] !== undefined && CHANNELS.has(m[2])) return false;
  return OTHER_NUMBERS.has(m[1] as string) || UNITS.has(m[1] as string);
}
const CHANNELS = new Set(['sms', 'text', 'email', 'mail', 'post', 'app', 'whatsapp']);

/** Nothing but punctuation, the end, or a new clause ("which", "but") after the value. */
function endsClause(scan: Scan, end: number): boolean {
  return /^(?:\s*$|\s*[.,;!?)]|\s+(?:which|but|please|pls|thanks|thank|both|neither|so)\b)/.test(scan.lower.slice(end, end + 24));
}

/**
 * "delivery address ... pin code 560034": India's six-digit postal code, not a card PIN (nor, for
 * the "code" of "pin code", a one-time code).
 */
function isPostalPin(scan: Scan, rule: CodeRule, hit: ContextHit, at: number): boolean {
  const { lower } = scan;
  const pin = rule.type === 'PIN' ? hit : rule.type === 'OTP' ? scan.context.before(hit.start, 2, ['pin']) : null;
  if (pin === null) return false;
  // exactly "pin code 560034": no "is" or ":" (a card PIN is given: "pin is 482913", "pin code: ...")
  if (!/^ {1,2}code {1,2}$/.test(lower.slice(pin.end, at))) return false;
  const address = scan.context.before(pin.start, ADDRESS_WINDOW, ['address']);
  return address !== null && !/[.!?;]/.test(lower.slice(address.end, pin.start));
}

/** "code" alone names promotion and voucher codes too: it takes digit codes only. */
const BARE_CODE_WORDS = new Set(['code', 'codes', 'codigo']);
/** Between a one-time code's name and a code of capitals and digits: "is", ":", "=" and a few words. */
const MIXED_LEAD = /[ ]{0,2}(?:(?:is|was)[ ]{1,2}|[:=][ ]{0,2}|[ ])(?:(?:my|the|your|a)[ ]{1,2})?/y;

function pushMixedCode(text: string, start: number, rule: CodeRule, out: Candidate[]): void {
  const code = start >= 0 ? mixedCode(text, start) : null;
  if (code) out.push({ type: rule.type, start: code.start, end: code.end, score: rule.score, reason: `${rule.kind}-context+mixed` });
}

/** The token of capitals and digits starting at `start` (4-10 characters, at least two digits and a letter), or null. */
function mixedCode(text: string, start: number): { start: number; end: number } | null {
  if (start > 0 && /[A-Za-z0-9]/.test(text[start - 1] as string)) return null;
  let end = start;
  while (end < text.length && /[A-Za-z0-9]/.test(text[end] as string)) end++;
  const token = text.slice(start, end);
  if (!/^[A-Z0-9]{4,10}$/.test(token) || (token.match(/\d/g) ?? []).length < 2 || !/[A-Z]/.test(token)) return null;
  return { start, end };
}

/** Not an amount, a date or a time ("pin 12/05", "code 10:30"). */
function plainCode(text: string, at: number, end: number): boolean {
  if (at > 0 && (text[at - 1] === '$' || text[at - 1] === '£' || text[at - 1] === '€')) return false;
  // "sent on 2024-05-01", "15-01-2024": a date
  if (/^(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}-\d{1,2}-\d{4})$/.test(text.slice(at, end))) return false;
  const next = text[end];
  return !(next === '/' || next === ':' || (next === '.' && isDigit(text.charCodeAt(end + 1))));
}

function isNotCardCode(scan: Scan, hit: ContextHit): boolean {
  const { lower } = scan;
  const name = lower.slice(hit.start, hit.end);
  // a second, then a code (the OTP rule takes it)
  if (name === 'sec code') return /(?:^|[^a-z])(?:a|one|few|\d+)[ ]{1,2}$/.test(lower.slice(Math.max(0, hit.start - 8), hit.start));
  if (name === 'back code') return /\b(?:cash|call|money|send|pay|paid|get|give)\s+$/.test(lower.slice(Math.max(0, hit.start - 8), hit.start));
  if (name === 'code on back') return /^\s+of\s+(?:the\s+|my\s+)?(?:cheque|check|voucher|gift)/.test(lower.slice(hit.end, hit.end + 24));
  return false;
}

function oneTimeBefore(scan: Scan, hit: ContextHit): boolean {
  const before = scan.context.before(hit.start, 2, ['otp']);
  return before !== null && scan.lower.slice(before.start, before.end) === 'one time';
}

function isNotOtp(scan: Scan, hit: ContextHit): boolean {
  // "zip code", "promo code", "sort code": the word before "code" says what it is ("otp" itself
  // needs no such word: "transaction otp 93017264")
  const before = scan.context.before(hit.start, 2, ['notOtp']);
  if (before && scan.lower.slice(hit.start, hit.end) !== 'otp') return true;
  // "code" on its own after a CVV word is the CVV's
  return scan.context.before(hit.start, 2, ['cvv']) !== null;
}

const PASSWORD_STOP = new Set([
  'not', 'wrong', 'incorrect', 'invalid', 'expired', 'reset', 'changed', 'locked', 'forgotten', 'forgot', 'correct', 'right', 'working',
  'the', 'my', 'a', 'an', 'and', 'but', 'same', 'also', 'still', 'too', 'very', 'please', 'for', 'to', 'on', 'in', 'help', 'again', 'has',
  'have', 'been', 'being', 'is', 'was', 'will', 'would', 'doesnt', "doesn't", 'isnt', "isn't", 'wont', "won't", 'keeps', 'anymore',
  'required', 'change', 'recovery', 'hint', 'manager', 'field', 'email', 'sent', 'link', 'that', 'this', 'it', 'so', 'case', 'sensitive',
  'now', 'just', 'no', 'longer', 'valid', 'what', 'when', 'where', 'how', 'why', 'which', 'or', 'if', 'work', 'works', 'accepted', 'rejected',
  'blocked', 'stolen', 'compromised', 'hacked', 'weak', 'strong', 'too', 'short', 'long', 'you', 'your', 'i', 'me', 'we', 'with', 'at',
  'of', 'by', 'from', 'up', 'out', 'set', 'updated', 'update', 'reset', 'new', 'old', 'temporary', 'one', 'did', 'does', 'do', 'can', 'cant',
  "can't", 'cannot', 'all', 'any', 'there', 'here', 'something', 'same', 'different', 'different', 'ok', 'okay', 'fine', 'good', 'bad',
  'policy', 'policies', 'requirements', 'rules', 'anyone', 'anybody', 'someone', 'somebody', 'nobody', 'them', 'him', 'her', 'us',
  'empty', 'blank', 'missing', 'broken', 'down', 'failing', 'failed', 'twice', 'incorrectly', 'multiple', 'yesterday', 'today', 'online',
  // status words of the other languages whose password words are known
  'falsch', 'abgelaufen', 'gesperrt', 'vergessen', 'incorrecta', 'incorrecto', 'bloqueada', 'bloqueado', 'olvidada', 'caducada', 'bloque',
  'oublie', 'perdu', 'expire', 'errada', 'esqueci', 'invalide', 'ungultig',
]);
// "password is", "password: ", "password to X", "password i use is X", "password pls, the old one was X"
// "password for online banking that i set last week is X", "password on a sticky note: X", "Passwort ist X"
const PASSWORD_LEAD = /^[\s,]*(?:[a-z']{1,12}(?:[\s,]+|(?=:))){0,8}?(?:(?:been|is|was|ist|est|es|to|be)(?![a-z])|[=:-])(?:\s*(?::|-|=|currently|now))?\s*/;

// "pass" is a password only as the subject of "is", ":" or "=" ("my pass is ...", "the pass for
// online banking is ..."), never the verb
const PASS_LEAD = /(?:[ ]{1,2}for(?:[ ]{1,2}[a-z]{1,12}){1,3})?[ ]{0,2}(?:(?:is|was)[ ]{1,2}|[:=][ ]{0,2})|[ ]{1,2}(?=['"`])/y;
// "tried password X", "typed the password X": the word after the name is the value tried
const ATTEMPT_BEFORE = /\b(?:tried|try|trying|typed|typing|entered|entering|used|using|put|putting)[ ]{1,2}((?:the|my|a)[ ]{1,2})?$/;
// "password X and Y", "X or Y": a second value offered the same way
// ("new pw is X, old was Y")
const ANOTHER = /(?:[ ]{1,2}(?:and|or)[ ]{1,2}|,[ ]{1,2})(?:(?:the|my)[ ]{1,2})?(?:(?:old|new|previous)(?:[ ]{1,2}one)?[ ]{1,2}(?:is|was|=|:)[ ]{1,2})?/y;
// "its ilovemycat123 my password", "Xk9!pass is the password": a value named right after it
const NAMED_AFTER = /(?:^|[\s,])(?:its[ ]{1,2}|it's[ ]{1,2}|it is[ ]{1,2})?(\S{4,64})[ ]{1,2}(?:(?:is|was|=)[ ]{1,2})?(?:my|the)[ ]{1,2}(?:(?:old|new|current)[ ]{1,2})?$/;
// "password must be 8-20 characters": a length rule, not a value
const LENGTH_RANGE = /^\d{1,3}(?:-|to)\d{1,3}$/;
const LENGTH_UNIT = /[ ]{1,2}(?:characters?|chars?|letters?|digits?|symbols?|numbers?)\b/y;

/** Parts of a login page, named after "memorable word" or "password" ("the memorable word page"). */
const LOGIN_PARTS = new Set(['feature', 'page', 'question', 'screen', 'option', 'login', 'thing', 'section', 'prompt', 'box', 'bit', 'step', 'setting', 'settings', 'part', 'function', 'characters', 'letters', 'verification', 'check', 'field']);
/** Identifiers other than a password, named right before a link ("my username is jsmith1985"). */
const IDENTIFIER_NOUNS = new Set(['reference', 'ref', 'number', 'no', 'username', 'id', 'email', 'ticket', 'case', 'code', 'postcode', 'confirmation']);

/** The context kinds a password needs (a text without a hit of one has none). */
export const PASSWORD_CONTEXT: readonly ContextKind[] = ['password', 'pass'];

/** Passwords: the token after "password is", "password:", "pwd=", "my pass is" ... */
export function recognisePasswords(scan: Scan, out: Candidate[]): void {
  const { text, lower, context } = scan;
  for (const hit of context.hits) {
    if (!PASSWORD_CONTEXT.includes(hit.kind)) continue;
    const weak = hit.kind === 'pass';
    if (weak) PASS_LEAD.lastIndex = hit.end;
    if (weak && !PASS_LEAD.test(lower)) {
      // "pass Copacabana_21": with no link, only the classic shape (upper and lower case and a digit)
      const bare = passwordToken(scan, hit.end, true, true);
      // and not the verb ("did you pass Exam2024"): "pass" opens the clause or follows "my/the/app/login"
      const opens = /(?:^|[,.;:!?(]\s*|\b(?:my|the|app|login|online|banking|bank)\s+)$/.test(lower.slice(Math.max(0, hit.start - 12), hit.start));
      if (opens && bare && /^ {1,2}\S/.test(lower.slice(hit.end, hit.end + 3)) && bare.start <= hit.end + 2 && CLASSIC_SHAPE.test(text.slice(bare.start, bare.end))) {
        out.push({ type: 'PASSWORD', start: bare.start, end: bare.end, score: 0.8, reason: 'pass-context+shape' });
      }
      continue;
    }
    const tail = weak ? '' : lower.slice(hit.end, hit.end + 60);
    const lead = weak ? null : PASSWORD_LEAD.exec(tail);
    // "memorable word pineapple": the phrase names its value with no link
    const memorable = !weak && lower.slice(hit.start, hit.end) === 'memorable word';
    const linked = weak || (lead !== null && lead[0].length > 0) || memorable;
    const attempt = weak ? null : ATTEMPT_BEFORE.exec(lower.slice(Math.max(0, hit.start - 24), hit.start));
    const attempted = attempt !== null;
    const explicit = linked || attempted;
    const at = weak ? PASS_LEAD.lastIndex : hit.end + (lead ? lead[0].length : 0);
    let first = passwordToken(scan, at, explicit, weak);
    if (first && lead && !weak) {
      const words = leadWords(lead[0]);
      const others = words.some((w) => !PLAIN_LEAD_WORDS.has(w));
      // "password policy is strict": with other words before the link, a plain word names no
      // password; nor does a word after "to" that ends a story ("stopped working after i upgraded to ios17")
      if (others && (!first.strong || words[words.length - 1] === 'to')) first = null;
      // "password expired, the reference is INC0012345": the link names another identifier
      else if (others && IDENTIFIER_NOUNS.has(words[words.length - 2] ?? '')) first = null;
    }
    // "memorable word lighthouse, and the rest is fine", "i typed password buttercups and it was
    // rejected": else the word right after the name, when a later link named nothing (not a part
    // of the login page: "memorable word page is not loading"; not "entered password correctly")
    if (!first && (memorable || (attempted && !attempt?.[1]))) {
      const word = passwordToken(scan, hit.end, true, false);
      const said = word ? lower.slice(word.start, word.end) : '';
      if (word && !LOGIN_PARTS.has(said) && !(attempted && said.endsWith('ly'))) first = word;
    }
    // "tried password bananabread" names the value; "i tried my password twice" does not: after
    // "my/the", only a token mixing letters with digits or symbols, or a quoted one
    if (first && !linked && attempt?.[1] && !first.strong && !first.quoted) first = null;
    // "one time password is 902113" names a one-time code (the code recogniser takes digits and
    // capitals with digits); anything else after it is still a password
    const otpBefore = first ? context.before(hit.start, 2, ['otp']) : null;
    if (first && otpBefore && lower.slice(otpBefore.start, otpBefore.end) === 'one time' && /^(?:\d+|[A-Z0-9]+)$/.test(text.slice(first.start, first.end))) continue;
    // "its ilovemycat123 my password": named after the value, when nothing follows the name
    if (!first && !weak) {
      namedBefore(scan, hit, out);
      continue;
    }
    if (!first) continue;
    out.push({ type: 'PASSWORD', start: first.start, end: first.end, score: first.strong || explicit ? 0.9 : 0.7, reason: `password-context${explicit ? '+is' : ''}` });
    // "tried password bananabread and Bananabread1": one more value offered the same way
    ANOTHER.lastIndex = first.end;
    if (!ANOTHER.test(lower)) continue;
    const second = passwordToken(scan, ANOTHER.lastIndex, explicit, weak);
    if (second?.strong) {
      out.push({ type: 'PASSWORD', start: second.start, end: second.end, score: 0.9, reason: 'password-context+another' });
    }
  }
  for (const hit of context.hits) if (hit.kind === 'password') shapedInSentence(scan, hit, out);
}

/** How far from a password's name, in its sentence, a token shaped like a password is taken. */
const SHAPED_WINDOW = 64;
/** Letters with digits or symbols (a hyphen alone joins words: "one-time", "e-mail"), and a lower-case letter: how people write passwords. */
const PASSWORD_SHAPE = /^(?=\S*[a-z])(?=\S*[\d!#$%&*_+=~^])\S{6,64}$/;
/** Shaped like that but something else: devices and systems, times, sizes, e-mail and web addresses. */
const NOT_PASSWORD = new RegExp(
  '^(?:' +
    // devices and systems: "iphone15pro", "galaxy_s21", "win11", "office365"
    '(?:ios|iphone|ipad|android|windows|win|macos|macbook|galaxy|pixel|oneplus|redmi|note|vivo|miui|office|chrome|firefox|safari|edge|version|covid|s|v)' +
    '[_-]?[a-z]?[\\d.]+(?:pro|max|plus|ultra|mini|lite|[a-z])?\\d*' +
    // a number and its unit or count: "3times", "8-characters", "24hours", "10am-12pm", "250gbp", "rs.5000"
    '|\\d[\\d:.,/-]*-?(?:am|pm|st|nd|rd|th|k|gb|mb|kb|kg|km|hrs?|hours?|mins?|minutes?|secs?|seconds?|x|yrs?|years?|times?|days?|weeks?|months?|digits?|chars?|characters?|letters?|step|factor|gbp|usd|eur|inr|rs)(?:-\\d[\\d:.]*(?:am|pm))?' +
    '|(?:rs|inr)\\.?\\d[\\d,.]*' +
    '|' +
    // dates with a month's name, handles and tags, e-mail and web addresses
    '\\d{1,4}(?:st|nd|rd|th)?[-/.]?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[-/.]?\\d{0,4}' +
    '|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[-/.]\\d{1,2}[-/.]\\d{2,4}' +
    '|[@#].*|.*@.*\\..*|.*:\\/\\/.*|www\\..*' +
    ')$',
  'i',
);
/** A word before a token that names it as something else ("user jlee88", "order ab12345", "sku ..."). */
const NAMED_OTHERWISE = new Set([
  ...IDENTIFIER_NOUNS, 'user', 'login', 'customer', 'member', 'membership', 'order', 'sku', 'model', 'product', 'account', 'acct', 'invoice',
  'tracking', 'booking', 'policy', 'iban', 'card', 'device', 'phone', 'version', 'app', 'handle', 'name', 'nickname', 'wifi', 'network',
  'userid', 'loginid', 'crn', 'cif', 'complaint', 'request', 'reg', 'registration', 'upi', 'vpa',
]);

/**
 * "Is Hunter2024 a strong enough password?", "hello_world99 that's my login password", "a senha é
 * Brasil@2022": in the sentence of a password's name, a token shaped like a password (letters with
 * digits or symbols, a lower-case letter among them, six or more characters) is one, however the
 * sentence names it; not one named as something else by the word before it, nor a device, a time,
 * a size or an address.
 */
function shapedInSentence(scan: Scan, hit: ContextHit, out: Candidate[]): void {
  const { text, lower } = scan;
  const sentence = sentenceAround(text, hit, SHAPED_WINDOW);
  const to = sentence.to;
  let from = sentence.from;
  // whole tokens only: not the tail of one the window starts in
  while (from > 0 && from < to && !/\s/.test(text[from - 1] as string)) from++;
  const token = /\S+/g;
  token.lastIndex = from;
  for (let m = token.exec(text); m !== null && m.index < to; m = token.exec(text)) {
    let start = m.index;
    // a token running past the window is taken whole (cut, the rest of a password would stay)
    const end0 = m.index + m[0].length;
    let end = end0 > to && endsSentence(text, to) ? to : end0;
    // quotes and brackets around it, punctuation after it belong to the sentence
    while (start < end && /["'`(\[]/.test(text[start] as string)) start++;
    while (end > start && /[.,;:)"'`\]?!]/.test(text[end - 1] as string)) end--;
    const value = text.slice(start, end);
    if (!PASSWORD_SHAPE.test(value) || NOT_PASSWORD.test(value) || /^\[[A-Z]/.test(value)) continue;
    if (start < hit.end && end > hit.start) continue;
    // the word before it, or the one before a link ("user jlee88", "login is mike_r")
    const before = /([a-z]+)[\s:#=.("'-]*(?:(?:is|was)[\s:"'(]+)?$/.exec(lower.slice(Math.max(0, start - 24), start));
    if (before && NAMED_OTHERWISE.has(before[1] as string)) continue;
    // "username:john_doe": the name glued to the value
    const label = /^([a-z]+)[:=#]/.exec(value.toLowerCase());
    if (label && NAMED_OTHERWISE.has(label[1] as string)) continue;
    out.push({ type: 'PASSWORD', start, end, score: 0.7, reason: 'password-context+shape' });
  }
}

/** Upper and lower case letters and a digit: what a password looks like when nothing names it as one. */
const CLASSIC_SHAPE = /^(?=\S*[a-z])(?=\S*[A-Z])(?=\S*\d)\S{6,64}$/;

/** Words that may stand between "password" and its link before a plain word ("my new password is bananabread"). */
const PLAIN_LEAD_WORDS = new Set(['new', 'old', 'current', 'temporary', 'actual', 'real', 'been', 'is', 'was', 'ist', 'est', 'es', 'to', 'be', 'has', 'now', 'currently']);

function leadWords(lead: string): string[] {
  return lead.match(/[a-z']+/g) ?? [];
}

/** A password-like token named right after it ("its ilovemycat123 my password"). */
function namedBefore(scan: Scan, hit: ContextHit, out: Candidate[]): void {
  const from = Math.max(0, hit.start - 80);
  const m = NAMED_AFTER.exec(scan.lower.slice(from, hit.start));
  if (!m) return;
  // "at 10am my password was changed": unless "its" points at it, the name must end the clause
  if (!/^(?:its|it's|it is)/.test(m[0].trimStart()) && !/^(?:\s*$|\s*[,.;!?)])/.test(scan.lower.slice(hit.end, hit.end + 8))) return;
  const start = from + (m.index ?? 0) + m[0].indexOf(m[1] as string);
  const token = passwordToken(scan, start, false, false);
  if (token?.strong && token.start === start) out.push({ type: 'PASSWORD', start: token.start, end: token.end, score: 0.9, reason: 'password-context-after' });
}

/** The password-like token starting at `from` (after spaces and an opening quote), or null. */
function passwordToken(scan: Scan, from: number, explicit: boolean, weak: boolean): { start: number; end: number; strong: boolean; quoted: boolean } | null {
  const { text, lower } = scan;
  let at = from;
  while (at < text.length && text[at] === ' ') at++;
  const quoted = text[at] === '"' || text[at] === "'" || text[at] === '`';
  if (quoted) at++;
  let end = at;
  while (end < text.length && end - at < 64 && !/\s/.test(text[end] as string) && text.charCodeAt(end) !== 1) end++;
  // trailing punctuation belongs to the sentence, and so does "?" after a plain word ("policy?")
  while (end > at && /[.,;:)"'`]/.test(text[end - 1] as string)) end--;
  if (/^[A-Za-z]+\?+$/.test(text.slice(at, end))) while (text[end - 1] === '?') end--;
  if (end - at < 4) return null;
  const token = text.slice(at, end);
  // a word of letters of any script ("bloqué", "falsch") is plain
  const plain = /^\p{L}+$/u.test(token);
  if (PASSWORD_STOP.has(token.toLowerCase().normalize('NFD').replace(/\p{M}/gu, ''))) return null;
  if (plain && !explicit) return null;
  if (/^\[[A-Z]+/.test(token)) return null;
  // "reset link https://...": the lead took the address's scheme for a link
  if (token.startsWith('//')) return null;
  // after "pass", only a token mixing letters with digits or symbols ("my pass is ready" is not one)
  if (weak && (plain || !/[A-Za-z]/.test(token))) return null;
  LENGTH_UNIT.lastIndex = end;
  if (LENGTH_RANGE.test(token) || LENGTH_UNIT.test(lower) || /^\d+-?(?:characters?|chars?|letters?|digits?|symbols?|numbers?)$/i.test(token)) return null;
  return { start: at, end, strong: /\d/.test(token) && /[A-Za-z]/.test(token), quoted };
}

// English month names, then French, Spanish and German ones (accents folded by the scan)
const MONTH =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?' +
  '|janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre' +
  '|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre' +
  '|januar|februar|marz|maerz|juni|juli|oktober|dezember)';
const DATE_PATTERNS = [
  /\d{1,2}\s?[/.-]\s?\d{1,2}\s?[/.-]\s?(?:\d{4}|\d{2})(?!\d)/y,
  /\d{4}[/.-]\d{1,2}[/.-]\d{1,2}(?!\d)/y,
  // "3rd of may 1985", "12 de mayo de 1990", "4. märz 1975"
  new RegExp(`\\d{1,2}(?:st|nd|rd|th|\\.)?\\s{0,2}(?:(?:of|de)\\s{1,2})?${MONTH}\\.?,?\\s{0,2}(?:de\\s{1,2})?\\d{4}(?!\\d)`, 'y'),
  // "02-Apr-1977", "02/apr/1977"
  new RegExp(`\\d{1,2}([-/])${MONTH}\\1\\d{4}(?!\\d)`, 'y'),
  new RegExp(`${MONTH}\\.?\\s{0,2}\\d{1,2}(?:st|nd|rd|th)?,?\\s{0,2}\\d{4}(?!\\d)`, 'y'),
  // eight digits: ddmmyyyy or yyyymmdd, with a valid day and month
  /(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])(?:19|20)\d\d(?!\d)/y,
  /(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)/y,
];
// whole words only: "s" must not eat the "s" of "September"; "." after "d.o.b."
// "date of birth on my account should be ...", "(dd/mm/yyyy):", "geboren am"
const DOB_FILLER = /^(?:[\s:=.,)-]|\([a-z/.-]{3,12}\)|(?:is|was|on|the|my|its|it's|of|be|'s|s|am|le|el|in|your|account|record|file|profile|should|says|shows|here|em|est|mine|and|i|put|entered|typed)\b)*/;

/** How many years before this one a date's year is (two-digit years count as long ago). */
function yearsBack(date: string): number {
  // yyyy first ("1985-03-12", "19850312"), else the year last ("12/03/1985", "12031985", "3 May 1985");
  // eight digits read as ddmmyyyy when they can be, as the date patterns do
  const dayFirst = /^(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])(?:19|20)\d\d$/.test(date);
  const yearFirst = /^\d{4}[/.-]/.test(date) || (!dayFirst && /^\d{8}$/.test(date));
  const year = yearFirst ? Number(date.slice(0, 4)) : Number(/\d+$/.exec(date)?.[0].slice(-4) ?? '0');
  return year < 100 ? Infinity : new Date().getUTCFullYear() - year;
}
const MIN_YEARS_BACK = 5;

/** "04/02/1958 is my date of birth": a numeric date named after it, the name ending its clause. */
const DATE_BEFORE = /(?:^|[^0-9a-z/.-])(\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})|\d{4}-\d{1,2}-\d{1,2})[ ]{1,2}(?:is|was|=)[ ]{1,2}(?:(?:my|his|her|the)[ ]{1,2})?$/;

/** Dates of birth: a date right after "DOB", "date of birth", "born on", "birthday" ..., or before "is my date of birth". */
export function recogniseDatesOfBirth(scan: Scan, out: Candidate[]): void {
  const { lower, context } = scan;
  for (const hit of context.all('dob')) {
    const tail = lower.slice(hit.end, hit.end + 48);
    const lead = DOB_FILLER.exec(tail);
    const at = hit.end + (lead ? lead[0].length : 0);
    let found = false;
    // with a comma, "and" or a verb between the name and the date, the date may be another event's
    // ("please correct my dob, on 12/03/2024 my kyc was rejected"): a birth date is years back
    const loose = lead !== null && /,|\b(?:and|i|put|entered|typed|mine)\b/.test(lead[0]);
    for (const pattern of DATE_PATTERNS) {
      pattern.lastIndex = at;
      const m = pattern.exec(lower);
      if (m) {
        if (loose && yearsBack(m[0]) < MIN_YEARS_BACK) break;
        out.push({ type: 'DOB', start: at, end: at + m[0].length, score: 0.9, reason: 'date+dob-context' });
        found = true;
        break;
      }
    }
    if (found) continue;
    const from = Math.max(0, hit.start - 32);
    const before = DATE_BEFORE.exec(lower.slice(from, hit.start));
    // a birth date is years back ("15/06/2025 is my birthday and I will be abroad" is a birthday)
    if (before && NAME_ENDS.test(lower.slice(hit.end, hit.end + 12)) && yearsBack(before[1] as string) >= MIN_YEARS_BACK) {
      const start = from + before.index + before[0].indexOf(before[1] as string);
      out.push({ type: 'DOB', start, end: start + (before[1] as string).length, score: 0.9, reason: 'date+dob-context-after' });
    }
  }
}
