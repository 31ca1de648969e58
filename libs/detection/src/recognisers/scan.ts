import { CodeUnits } from '../code-units.js';
import type { EntityType } from '../types.js';
import { ContextIndex } from './context.js';
import { digitGroups, type DigitGroup } from './digits.js';

/** A candidate span in normalised-text coordinates. */
export interface Candidate {
  type: EntityType;
  start: number;
  end: number;
  score: number;
  reason: string;
  last4?: string;
}

/** What every recogniser reads: the normalised text, its lower case, digit groups and context. */
export interface Scan {
  text: string;
  lower: string;
  groups: DigitGroup[];
  /** ASCII digits in the text (a recogniser of longer numbers skips a text with fewer) */
  digitCount: number;
  context: ContextIndex;
}

/** Latin-1 letters with their ASCII base letter (same length: one UTF-16 unit each). */
const FOLD_FROM = 'àáâãäåçèéêëìíîïñòóôõöøùúûüýÿ';
const FOLD_TO = 'aaaaaaceeeeiiiinoooooouuuuyy';
const ACCENTED = /[à-ÿ]/;

/**
 * Lower case with Latin-1 accents folded ("vérification", "contraseña", "née"), so context words
 * typed with accents are found like those typed without. Index-preserving: one code unit each.
 */
function foldAccents(lower: string): string {
  if (!ACCENTED.test(lower)) return lower;
  let out = '';
  for (let i = 0; i < lower.length; i++) {
    const c = lower[i] as string;
    const k = FOLD_FROM.indexOf(c);
    out += k >= 0 ? (FOLD_TO[k] as string) : c;
  }
  return out;
}

const units = new CodeUnits();

export function makeScan(text: string): Scan {
  const lower = text.toLowerCase();
  let codes = units.load(lower);
  let safeLower = lower;
  if (!units.ascii) {
    // toLowerCase keeps UTF-16 length for everything but a few characters (e.g. U+0130): fall back
    // to an index-preserving lower case then
    safeLower = foldAccents(
      lower.length === text.length ? lower : [...text].map((c) => (c.toLowerCase().length === c.length ? c.toLowerCase() : c)).join(''),
    );
    if (safeLower !== lower) codes = units.load(safeLower);
  }
  // the lower case has the text's digits at the same places
  const groups = digitGroups(codes, safeLower.length);
  let digitCount = 0;
  for (const g of groups) digitCount += g.end - g.start;
  return { text, lower: safeLower, groups, digitCount, context: new ContextIndex(safeLower, codes) };
}

export type Recogniser = (scan: Scan, out: Candidate[]) => void;
