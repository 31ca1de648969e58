import { describe, expect, it } from '@jest/globals';
import { normalise, normaliseView, toOriginalRange } from './normalise.js';

describe('normalise', () => {
  it('keeps plain ASCII as it is, with an identity map', () => {
    const n = normalise('card 4111');
    expect(n.text).toBe('card 4111');
    expect(toOriginalRange(n, 5, 9)).toEqual({ start: 5, end: 9 });
  });

  it('builds no map for plain text in the view, and the same map on request', () => {
    expect(normaliseView('card 4111')).toEqual({ text: 'card 4111', start: null, end: null });
    const n = normalise('a b');
    expect(Array.from(n.start)).toEqual([0, 1, 2]);
    expect(Array.from(n.end)).toEqual([1, 2, 3]);
    expect(toOriginalRange(normaliseView('card 4111'), 5, 9)).toEqual({ start: 5, end: 9 });
    expect(toOriginalRange(normaliseView('pin four one two'), 4, 7)).toEqual({ start: 4, end: 16 });
  });

  it('turns full-width and other-script digits into ASCII digits', () => {
    expect(normalise('４１１１').text).toBe('4111');
    expect(normalise('٤١١١').text).toBe('4111'); // Arabic-Indic
    expect(normalise('४१११').text).toBe('4111'); // Devanagari
  });

  it('removes invisible characters and maps spans around them', () => {
    const input = '41\u200b11\u2060 22\u00ad';
    const n = normalise(input);
    expect(n.text).toBe('4111 22');
    const r = toOriginalRange(n, 0, 4);
    expect(input.slice(r.start, r.end)).toBe('41\u200b11');
  });

  it('maps every dash and space to ASCII and control characters to spaces', () => {
    expect(normalise('4111\u20131111\u00a02222\u0007x').text).toBe('4111-1111 2222 x');
  });

  it('replaces lone surrogates and keeps pairs', () => {
    expect(normalise('a\ud800b').text).toBe('a\ufffdb');
    expect(normalise('😀').text).toBe('😀');
  });

  it('spells out digits in runs of three or more, mapped to the words', () => {
    const input = 'pin is four one double two, ok';
    const n = normalise(input);
    expect(n.text).toBe('pin is 4122, ok');
    const r = toOriginalRange(n, 7, 11);
    expect(input.slice(r.start, r.end)).toBe('four one double two');
  });

  it('leaves isolated number words alone', () => {
    expect(normalise('I have one card and two accounts').text).toBe('I have one card and two accounts');
    expect(normalise('someone, anyone').text).toBe('someone, anyone');
  });
});
