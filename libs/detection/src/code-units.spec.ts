import { describe, expect, it } from '@jest/globals';
import { CodeUnits } from './code-units.js';

const unitsOf = (text: string): number[] => Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));

describe('CodeUnits', () => {
  it('gives the UTF-16 code units of ASCII and of any other text, and says which it was', () => {
    const cu = new CodeUnits();
    for (const text of ['', 'card 4111', 'née 😀 ４１\u200b', '\ud800 lone', 'tab\there\u007f']) {
      const units = cu.load(text);
      expect(Array.from(units.subarray(0, text.length))).toEqual(unitsOf(text));
      expect(cu.ascii).toBe(/^[\x00-\x7f]*$/.test(text));
    }
  });

  it('grows for long texts and reuses its array for shorter ones', () => {
    const cu = new CodeUnits();
    const long = 'x'.repeat(10_000) + 'é';
    expect(Array.from(cu.load(long).subarray(0, long.length))).toEqual(unitsOf(long));
    const short = 'pin 1234';
    const units = cu.load(short);
    expect(Array.from(units.subarray(0, short.length))).toEqual(unitsOf(short));
    expect(cu.load('abc')).toBe(units);
  });
});
