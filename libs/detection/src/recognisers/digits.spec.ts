import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { abaValid, cardIssuer, hasIssuerPrefix, hasIssuerPrefixAt, ISSUERS, luhnValid, luhnValidAt } from './digits.js';

/** The issuer tables read as written: a prefix range holds the digits whose leading characters compare between its ends as strings. */
function fitsAsStrings(digits: string, ranges: [string, string][]): boolean {
  return ranges.some(([lo, hi]) => {
    const p = digits.slice(0, lo.length);
    return p >= lo && p <= hi;
  });
}

describe('digit checksums', () => {
  it('Luhn', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('378282246310005')).toBe(true);
    expect(luhnValid('')).toBe(false);
  });

  it('ABA routing numbers: 3-7-1 checksum and Federal Reserve prefix', () => {
    expect(abaValid('021000021')).toBe(true);
    expect(abaValid('011000015')).toBe(true);
    expect(abaValid('021000022')).toBe(false);
    expect(abaValid('501000019')).toBe(false); // prefix 50 is not a routing prefix
    expect(abaValid('02100002')).toBe(false);
    expect(abaValid('271a61224')).toBe(false); // nine characters, not nine digits (its checksum over char codes would pass)
  });

  it('card issuers by prefix and length', () => {
    expect(cardIssuer('4111111111111111')).toBe('visa');
    expect(cardIssuer('5555555555554444')).toBe('mastercard');
    expect(cardIssuer('2221000000000009')).toBe('mastercard');
    expect(cardIssuer('378282246310005')).toBe('amex');
    expect(cardIssuer('6011111111111117')).toBe('discover');
    expect(cardIssuer('411111111111111')).toBeNull(); // Visa has no 15-digit numbers
    expect(cardIssuer('356482043990431')).toBeNull(); // an IMEI: 15 digits starting 35
    expect(cardIssuer('1846631557409776')).toBeNull();
  });

  it('compares issuer prefixes as numbers exactly as the table reads as strings', () => {
    // numbers of card lengths, near every range's ends, and short or odd strings (compared as strings)
    const ends = ISSUERS.flatMap((i) => i.ranges.flat());
    const nearEnd = fc.tuple(fc.constantFrom(...ends), fc.integer({ min: -1, max: 1 }), fc.stringMatching(/^[0-9]{0,16}$/)).map(([end, step, rest]) => {
      const n = String(Math.max(0, Number(end) + step)).padStart(end.length, '0');
      return `${n}${rest}`;
    });
    const anything = fc.oneof(nearEnd, fc.stringMatching(/^[0-9]{0,20}$/), fc.string({ maxLength: 8 }), fc.stringMatching(/^[0-9]{3}[a-z ][0-9]{10}$/));
    fc.assert(
      fc.property(anything, (digits) => {
        expect(hasIssuerPrefix(digits)).toBe(ISSUERS.some((i) => fitsAsStrings(digits, i.ranges)));
        expect(cardIssuer(digits)).toBe(ISSUERS.find((i) => i.lengths.includes(digits.length) && fitsAsStrings(digits, i.ranges))?.name ?? null);
      }),
      { numRuns: 5000 },
    );
  });

  it('checks a run of digit values as it checks the same digits written out', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{0,24}$/), fc.nat(24), fc.nat(24), (digits, a, b) => {
        const from = Math.min(a, b, digits.length);
        const to = Math.min(Math.max(a, b), digits.length);
        const values = Uint8Array.from(digits, (c) => c.charCodeAt(0) - 48);
        const window = digits.slice(from, to);
        expect(luhnValidAt(values, from, to)).toBe(luhnValid(window));
        expect(hasIssuerPrefixAt(values, from, to)).toBe(hasIssuerPrefix(window));
      }),
      { numRuns: 5000 },
    );
  });
});
