import { describe, expect, it } from '@jest/globals';
import { makeScan } from './scan.js';

describe('makeScan', () => {
  it('reads nothing a longer text left behind in its reused arrays', () => {
    const long = makeScan('my a/c number is 12345678 and the rest of a long message');
    expect(long.context.has('account')).toBe(true);
    expect(long.groups).toHaveLength(1);
    for (const short of ['a', 'a/', 'a/c'.slice(0, 2), 'my']) {
      const scan = makeScan(short);
      expect(scan.context.hits).toEqual([]);
      expect(scan.groups).toEqual([]);
      expect(scan.digitCount).toBe(0);
    }
    expect(makeScan('a/c').context.has('account')).toBe(true);
  });

  it('finds digit groups and context words in non-ASCII text, with accents folded', () => {
    const scan = makeScan('Contraseña: 1234 née 12/03/1985 😀 card 4111');
    expect(scan.context.has('password')).toBe(true);
    expect(scan.context.has('dob')).toBe(true);
    expect(scan.context.has('card')).toBe(true);
    expect(scan.groups.map((g) => scan.text.slice(g.start, g.end))).toEqual(['1234', '12', '03', '1985', '4111']);
  });
});
