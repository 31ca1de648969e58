import type { CountryCode } from 'libphonenumber-js/max';
import type { IntentModel } from './intent/intent-model.js';
import { DIGIT_WORD_SOURCE, normaliseView, toOriginalRange } from './normalise.js';
import { maskPlaceholders, placeholder, redact } from './redact.js';
import { recogniseAccounts, recogniseIbans, recogniseRouting, recogniseSsns } from './recognisers/bank.recogniser.js';
import { recogniseCards } from './recognisers/card.recogniser.js';
import { DEFAULT_PHONE_REGIONS, recogniseEmails, recognisePhones } from './recognisers/contact.recogniser.js';
import { contextWordsOf } from './recognisers/context.js';
import { PASSWORD_CONTEXT, recogniseCodes, recogniseDatesOfBirth, recognisePasswords } from './recognisers/credentials.recogniser.js';
import { makeScan, type Candidate } from './recognisers/scan.js';
import type { DetectionResult, EntitySpan, EntityType, IntentResult } from './types.js';

export interface DetectorOptions {
  /** the intent model; null or absent: no intent classification */
  model?: IntentModel | null;
  /** overrides the model's confidence floor below which the intent is `unknown` */
  intentFloor?: number;
  /** how many intents `top` lists (default 3) */
  intentTopK?: number;
  /** regions phone numbers without a country code are tried in (default US, GB, IE, CA, AU, IN, DE, FR, ES) */
  phoneRegions?: readonly CountryCode[];
  /** spans scoring below this are dropped (default 0.5) */
  minScore?: number;
  /** entity types to look for (default all) */
  types?: readonly EntityType[];
}

const MAX_EXTRA_PASSES = 3;

/**
 * What `findEntities` needs to find anything, tested in one go on text that has had its
 * placeholders masked: a digit or an `@`; a character normalisation may change (a full-width
 * digit); a spelled digit; or a word of the password context (in any case, anywhere: the context
 * scan splits words where this does not). Every recogniser but the e-mail's and the password's
 * needs a digit group. A text without any of these yields no entity, so `detect` skips it, and a
 * second look at a redacted text that only has placeholders left.
 *
 * U+0001 passes as the placeholder mask, also where the text itself had one: normalisation makes
 * that a space, which only splits words, and every password phrase holds the word looked for here.
 * Keep this in step with `findEntities`: a recogniser that needs no digit group (as the e-mail's and
 * the password's) must add what it needs here; the property test in detector.spec.ts checks the two.
 *
 * Two expressions, as a character class alone is scanned far faster than among words: a digit or
 * `@`, or a character normalisation may change (\x01 is the placeholder mask); then a spelled digit
 * or a password context word (one holding another, as "password" holds "pass", is left to it).
 */
const MAY_HOLD_VALUE_CHARACTER = /[0-9@]|[^\x01\t\n\r\x20-\x7e]/;
const MAY_HOLD_VALUE_WORD = new RegExp(
  [
    DIGIT_WORD_SOURCE,
    ...contextWordsOf(PASSWORD_CONTEXT)
      .filter((w, _, all) => !all.some((other) => other !== w && w.includes(other)))
      .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
  ].join('|'),
  'i',
);

/** Whether `findEntities(text)` may find anything (false: it finds nothing). */
export function mayHoldValues(text: string): boolean {
  const masked = maskPlaceholders(text);
  return MAY_HOLD_VALUE_CHARACTER.test(masked) || MAY_HOLD_VALUE_WORD.test(masked);
}

/** Longest input examined; the rest of a longer message is redacted wholesale (never stored raw). */
export const MAX_DETECT_LENGTH = 200_000;

/**
 * Finds sensitive values and the intent of a message and redacts it. Pure and synchronous;
 * `detect` never throws and runs in time linear in the input.
 */
export class Detector {
  private readonly model: IntentModel | null;
  private readonly regions: readonly CountryCode[];
  private readonly minScore: number;
  private readonly topK: number;
  private readonly types: ReadonlySet<EntityType> | null;

  constructor(options: DetectorOptions = {}) {
    const floor = options.intentFloor;
    this.model = options.model ? (floor !== undefined ? options.model.withCalibration({ floor }) : options.model) : null;
    this.regions = options.phoneRegions ?? DEFAULT_PHONE_REGIONS;
    this.minScore = options.minScore ?? 0.5;
    this.topK = options.intentTopK ?? 3;
    this.types = options.types ? new Set(options.types) : null;
  }

  findEntities(text: string): EntitySpan[] {
    const input = typeof text === 'string' ? text : '';
    const n = normaliseView(input);
    // placeholders from an earlier redaction are opaque: masked with U+0001, which
    // normalisation never leaves in a text
    const masked = maskPlaceholders(n.text);
    const scan = makeScan(masked);
    const candidates: Candidate[] = [];
    // every recogniser but the password's needs a digit in what it matches (an e-mail, an '@'):
    // most messages have none, and skip them
    if (scan.groups.length > 0) {
      recogniseCards(scan, candidates);
      recogniseIbans(scan, candidates);
      recogniseRouting(scan, candidates);
      recogniseSsns(scan, candidates);
      recogniseAccounts(scan, candidates);
    }
    recogniseEmails(scan, candidates);
    if (scan.groups.length > 0) recogniseCodes(scan, candidates);
    recognisePasswords(scan, candidates);
    if (scan.groups.length > 0) {
      recogniseDatesOfBirth(scan, candidates);
      recognisePhones(scan, candidates, this.regions);
    }
    if (candidates.length === 0) return [];
    const accepted = resolveOverlaps(candidates, masked.length, this.minScore, this.types);
    return accepted.map((c) => {
      const { start, end } = toOriginalRange(n, c.start, c.end);
      const span: EntitySpan = { type: c.type, start, end, score: c.score, reason: c.reason };
      if (c.last4) span.last4 = c.last4;
      return span;
    });
  }

  classify(text: string): IntentResult | null {
    return this.model ? this.model.predict(text, this.topK) : null;
  }

  detect(text: string): DetectionResult {
    const input = typeof text === 'string' ? text : '';
    try {
      const head = input.length > MAX_DETECT_LENGTH ? input.slice(0, MAX_DETECT_LENGTH) : input;
      // most messages hold nothing a recogniser could find (no digit, `@`, spelled digit, password
      // word or character normalisation would change): the quick test skips them
      const entities = mayHoldValues(head) ? this.findEntities(head) : [];
      let redactedText = redact(head, entities);
      // A value can read differently once a neighbour is a placeholder ("pin 4821 4 0 0 2 ..."
      // where the digits ran into a card). Looking again until nothing new is found makes the
      // result a fixed point: redacting redacted text changes nothing.
      for (let pass = 0; pass < MAX_EXTRA_PASSES && entities.length > 0; pass++) {
        if (!mayHoldValues(redactedText)) break;
        const more = this.findEntities(redactedText);
        if (more.length === 0) break;
        const mapped = mapRedactedSpans(head, entities, more);
        if (mapped.length === 0) break;
        entities.push(...mapped);
        entities.sort((a, b) => a.start - b.start);
        redactedText = redact(head, entities);
      }
      if (head.length < input.length) redactedText += '[TRUNCATED]';
      const intent = this.classify(redactedText);
      return { redactedText, entities, intent, sensitive: entities.length > 0 || (intent?.sensitive ?? false) };
    } catch {
      // Defensive: a bug must never let the raw text through; nothing of it is kept.
      return { redactedText: '[REDACTED]', entities: [], intent: null, sensitive: true };
    }
  }
}

const FEW_CANDIDATES = 16;

/**
 * An IBAN wins over the card, account or phone digits inside it: they are part of it, whatever
 * their score. IBAN candidates never overlap each other (the recogniser skips past each one).
 */
function dropSpansInsideIbans(candidates: Candidate[]): Candidate[] {
  let ibans: Candidate[] | null = null;
  for (const c of candidates) if (c.type === 'IBAN') (ibans ??= []).push(c);
  if (ibans === null) return candidates;
  const sorted = ibans.sort((a, b) => a.start - b.start);
  return candidates.filter((c) => {
    if (c.type === 'IBAN') return true;
    // the last IBAN starting at or before c
    let lo = 0;
    let hi = sorted.length - 1;
    let last = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((sorted[mid] as Candidate).start <= c.start) {
        last = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return last < 0 || c.end > (sorted[last] as Candidate).end;
  });
}

/** Strongest first (score, then length); a span overlapping an accepted one is dropped. */
function resolveOverlaps(candidates: Candidate[], length: number, minScore: number, types: ReadonlySet<EntityType> | null): Candidate[] {
  const sorted = dropSpansInsideIbans(candidates.filter((c) => c.score >= minScore && c.end > c.start && (!types || types.has(c.type))))
    .sort((a, b) => b.score - a.score || b.end - b.start - (a.end - a.start) || a.start - b.start);
  // a few candidates (the usual case) are checked against each other; many against a map of
  // taken characters, so the time stays linear
  const taken = sorted.length > FEW_CANDIDATES ? new Uint8Array(length + 1) : null;
  const accepted: Candidate[] = [];
  for (const c of sorted) {
    let free = true;
    if (taken) {
      for (let i = c.start; i < c.end; i++) {
        if (taken[i] === 1) {
          free = false;
          break;
        }
      }
    } else {
      for (const a of accepted) {
        if (c.start < a.end && a.start < c.end) {
          free = false;
          break;
        }
      }
    }
    if (!free) continue;
    taken?.fill(1, c.start, c.end);
    accepted.push(c);
  }
  return accepted.sort((a, b) => a.start - b.start);
}

/**
 * Maps spans found in `redact(text, spans)` back to `text`. A span inside a kept stretch of the
 * original shifts by that stretch's offset; one touching a placeholder is dropped.
 */
function mapRedactedSpans(text: string, spans: readonly EntitySpan[], found: readonly EntitySpan[]): EntitySpan[] {
  const stretches: { redStart: number; redEnd: number; origStart: number }[] = [];
  let pos = 0;
  let red = 0;
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    const start = Math.max(span.start, pos);
    const end = Math.min(span.end, text.length);
    if (end <= start) continue;
    stretches.push({ redStart: red, redEnd: red + start - pos, origStart: pos });
    red += start - pos + placeholder(span).length;
    pos = end;
  }
  stretches.push({ redStart: red, redEnd: red + text.length - pos, origStart: pos });
  const out: EntitySpan[] = [];
  for (const f of found) {
    const s = stretches.find((x) => f.start >= x.redStart && f.end <= x.redEnd);
    if (!s) continue;
    out.push({ ...f, start: s.origStart + f.start - s.redStart, end: s.origStart + f.end - s.redStart });
  }
  return out;
}
