import type { EntitySpan, EntityType } from './types.js';

export function placeholder(span: Pick<EntitySpan, 'type' | 'last4'>): string {
  if (span.type === 'CARD' && span.last4 && /^\d{4}$/.test(span.last4)) return `[CARD ****${span.last4}]`;
  return `[${span.type}]`;
}

const TYPES: readonly EntityType[] = ['CARD', 'IBAN', 'ROUTING', 'ACCOUNT', 'SSN', 'CVV', 'PIN', 'OTP', 'PASSWORD', 'DOB', 'EMAIL', 'PHONE'];
/** Matches placeholders written by `redact` (so a second pass leaves them alone). */
export const PLACEHOLDER_PATTERN = new RegExp(`\\[(?:CARD \\*{4}\\d{4}|${TYPES.join('|')})\\]`, 'g');
/** PLACEHOLDER_PATTERN, matched where `lastIndex` says only */
const PLACEHOLDER_AT = new RegExp(PLACEHOLDER_PATTERN.source, 'y');
const MASK = '\u0001';

/**
 * The text with each placeholder of an earlier redaction overwritten by as many U+0001 (same
 * length, so positions keep their meaning): recognisers treat them as opaque.
 */
export function maskPlaceholders(text: string): string {
  let at = text.indexOf('[');
  if (at < 0) return text;
  let out = '';
  let pos = 0;
  while (at >= 0) {
    PLACEHOLDER_AT.lastIndex = at;
    if (PLACEHOLDER_AT.test(text)) {
      const end = PLACEHOLDER_AT.lastIndex;
      out += text.slice(pos, at) + MASK.repeat(end - at);
      pos = end;
    }
    at = text.indexOf('[', at + 1);
  }
  return pos === 0 ? text : out + text.slice(pos);
}

/**
 * Replaces each span of `text` by its typed placeholder. Spans index `text`; overlapping or
 * out-of-range spans are clipped, never thrown on.
 */
export function redact(text: string, spans: readonly EntitySpan[]): string {
  if (typeof text !== 'string') return '';
  if (spans.length === 0) return text;
  const sorted = [...spans].filter((s) => Number.isInteger(s.start) && Number.isInteger(s.end)).sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let pos = 0;
  for (const span of sorted) {
    const start = Math.max(span.start, pos);
    const end = Math.min(span.end, text.length);
    if (end <= start) continue;
    out += text.slice(pos, start) + placeholder(span);
    pos = end;
  }
  return out + text.slice(pos);
}
