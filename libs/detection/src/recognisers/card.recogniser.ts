import { cardIssuer, digitChunks, hasIssuerPrefix, hasIssuerPrefixAt, looksLikeAmount, luhnValid, luhnValidAt, standsAlone } from './digits.js';
import type { Candidate, Scan } from './scan.js';

const SEPARATORS = ' -._\t';
const MAX_GAP = 3;
const CONTEXT_WINDOW = 48;

/**
 * Payment card numbers: 12-19 digits in any grouping, Luhn-valid, with a known issuer prefix and
 * length. Without a prefix, card context words are required; a Luhn failure is kept only with
 * context (a mistyped card is still a card).
 */
export function recogniseCards(scan: Scan, out: Candidate[]): void {
  const { text } = scan;
  // a card has at least 12 digits
  if (scan.digitCount < 12) return;
  for (const chunk of digitChunks(text, scan.groups, SEPARATORS, MAX_GAP)) {
    if (chunk.digits.length < 12) continue;
    const groups = chunk.groups;
    // the chunk's digits as numbers, and where each group's start among them: a window's checksum
    // and prefix are read from these, and its digits taken as a string only when they pass
    const values = digitValues(chunk.digits);
    const offsets = groupOffsets(groups);
    // every window of whole groups from every start, bounded by 19 digits, so linear; the
    // overlaps are settled later (stronger, then longer, wins). Windows are not judged by the
    // digits around them, so redacting one card never makes another appear on a second pass.
    for (let i = 0; i < groups.length; i++) {
      const from = offsets[i] as number;
      for (let j = i; j < groups.length; j++) {
        const to = offsets[j + 1] as number;
        const length = to - from;
        if (length > 19) break;
        if (length < 12) continue;
        // scoreCard's first test, without building the window's digits: most windows fail it
        if (!luhnValidAt(values, from, to) && (length < 13 || !hasIssuerPrefixAt(values, from, to))) continue;
        const g = groups[j] as { start: number; end: number };
        const start = (groups[i] as { start: number }).start;
        const candidate = scoreCard(scan, chunk.digits.slice(from, to), start, g.end, () => chunk.groups.length > j - i + 1 && !cardShaped(groups, i, j));
        if (candidate) out.push(candidate);
      }
    }
  }
}

/** The digit values of a string of ASCII digits (a reused array, valid until the next call). */
function digitValues(digits: string): Uint8Array {
  if (digits.length > valuesBuffer.length) valuesBuffer = new Uint8Array(Math.max(digits.length, valuesBuffer.length * 2));
  for (let k = 0; k < digits.length; k++) valuesBuffer[k] = digits.charCodeAt(k) - 48;
  return valuesBuffer;
}
let valuesBuffer = new Uint8Array(64);

/** offsets[g]: how many digits the groups before g hold (offsets[groups.length]: all of them) */
function groupOffsets(groups: readonly { start: number; end: number }[]): number[] {
  const offsets = [0];
  let at = 0;
  for (const g of groups) offsets.push((at += g.end - g.start));
  return offsets;
}

/** `oddWindow`: whether the window is part of a longer chunk and not shaped as a card is (asked only of a candidate). */
function scoreCard(scan: Scan, digits: string, start: number, end: number, oddWindow: () => boolean): Candidate | null {
  const { text, context } = scan;
  // the checksum and the prefix first: most windows (parts of a number, near misses) fail both,
  // and are dropped before the costlier looks at the text around them
  const luhn = luhnValid(digits);
  if (!luhn && (digits.length < 13 || !hasIssuerPrefix(digits))) return null;
  if (!standsAlone(text, start, end)) return null;
  // "+44 ..." is a phone number (E.164 has at most 15 digits)
  if (start > 0 && text[start - 1] === '+' && digits.length <= 15) return null;
  if (looksLikeAmount(text, start, end)) return null;
  const cardWord = context.before(start, CONTEXT_WINDOW, ['card']) ?? context.after(end, 16, ['card']);
  const negative = context.before(start, 32, ['notCard', 'imei', 'phone'], true);
  const positiveCloser = cardWord && (!negative || cardWord.end >= negative.end);
  if (negative && !positiveCloser) return null;
  const issuer = cardIssuer(digits);
  const last4 = digits.slice(-4);
  if (luhn && issuer) {
    let score = oddWindow() ? 0.8 : 0.88;
    if (cardWord) score = 0.97;
    return { type: 'CARD', start, end, score, reason: `luhn+${issuer}${cardWord ? '+context' : ''}`, last4 };
  }
  if (luhn && cardWord && digits.length >= 13) {
    return { type: 'CARD', start, end, score: 0.75, reason: 'luhn+context', last4 };
  }
  if (!luhn && cardWord && hasIssuerPrefix(digits) && digits.length >= 13 && digits.length <= 19) {
    return { type: 'CARD', start, end, score: 0.6, reason: 'prefix+context (luhn failed)', last4 };
  }
  return null;
}

/** 4-4-4-4(-1..3), 4-6-5, 4-6-4, or one unbroken group. */
function cardShaped(groups: readonly { start: number; end: number }[], i: number, j: number): boolean {
  const lens: number[] = [];
  for (let k = i; k <= j; k++) lens.push((groups[k] as { start: number; end: number }).end - (groups[k] as { start: number }).start);
  if (lens.length === 1) return true;
  if (lens.length === 3 && lens[0] === 4 && lens[1] === 6 && (lens[2] === 5 || lens[2] === 4)) return true;
  const last = lens[lens.length - 1] as number;
  return lens.slice(0, -1).every((l) => l === 4) && lens.length >= 4 && last >= 1 && last <= 4;
}
