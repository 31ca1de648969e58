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
  context: ContextIndex;
}

export function makeScan(text: string): Scan {
  const lower = text.toLowerCase();
  // toLowerCase keeps UTF-16 length for everything but a few characters (e.g. U+0130): fall back
  // to an index-preserving lower case then
  const safeLower = lower.length === text.length ? lower : [...text].map((c) => (c.toLowerCase().length === c.length ? c.toLowerCase() : c)).join('');
  return { text, lower: safeLower, groups: digitGroups(text), context: new ContextIndex(safeLower) };
}

export type Recogniser = (scan: Scan, out: Candidate[]) => void;
