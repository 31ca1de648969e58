import { describe, expect, it } from '@jest/globals';
import { abaValid, cardIssuer, luhnValid } from './digits.js';

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
});
