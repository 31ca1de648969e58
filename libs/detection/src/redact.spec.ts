import { describe, expect, it } from '@jest/globals';
import { maskPlaceholders, PLACEHOLDER_PATTERN } from './redact.js';

const byReplace = (text: string): string => text.replace(PLACEHOLDER_PATTERN, (m) => '\u0001'.repeat(m.length));

describe('maskPlaceholders', () => {
  it('overwrites each placeholder with as many U+0001, as a global replace would', () => {
    const texts = [
      '',
      'no placeholder here',
      '[PIN] at the start',
      'at the end [CARD ****1111]',
      'two [IBAN][SSN] together, [[PIN] doubled bracket',
      'unterminated [CARD ****1111 and [CARD 1111] not a placeholder',
      'lower case [pin] is text, [EMAIL] is not',
      '[',
      '[[[',
    ];
    for (const text of texts) {
      expect(maskPlaceholders(text)).toBe(byReplace(text));
      expect(maskPlaceholders(text)).toHaveLength(text.length);
    }
  });

  it('returns the same string when there is nothing to mask', () => {
    const text = 'a [note] in brackets';
    expect(maskPlaceholders(text)).toBe(text);
  });
});
