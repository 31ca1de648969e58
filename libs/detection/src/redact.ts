import type { EntitySpan, EntityType } from './types.js';

export function placeholder(span: Pick<EntitySpan, 'type' | 'last4'>): string {
  if (span.type === 'CARD' && span.last4 && /^\d{4}$/.test(span.last4)) return `[CARD ****${span.last4}]`;
  return `[${span.type}]`;
}

const TYPES: readonly EntityType[] = ['CARD', 'IBAN', 'ROUTING', 'ACCOUNT', 'SSN', 'CVV', 'PIN', 'OTP', 'PASSWORD', 'DOB', 'EMAIL', 'PHONE'];
/** Matches placeholders written by `redact` (so a second pass leaves them alone). */
export const PLACEHOLDER_PATTERN = new RegExp(`\\[(?:CARD \\*{4}\\d{4}|${TYPES.join('|')})\\]`, 'g');

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
