import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseLabelledCsv } from '../csv.js';
import { decodeFloat32, decodeInt8, decodeUint16, decodeUint32 } from './codec.js';
import { MAX_CHARS } from './features.js';
import type { IntentModelJSON } from './intent-model.js';
import { Scorer } from './scorer.js';

const json = JSON.parse(readFileSync(new URL('../../models/banking77-en.json', import.meta.url), 'utf8')) as IntentModelJSON;
const questions = parseLabelledCsv(readFileSync(new URL('../../data/banking77/train.csv', import.meta.url), 'utf8'))
  .map((r) => r.text)
  // a few hold a pound sign or a curly quote: those are walked in JavaScript only
  .filter((t) => /^[\x00-\x7f]*$/.test(t));

function defaultScorer(): Scorer {
  return new Scorer(
    {
      features: json.features,
      featureKeys: decodeUint32(json.featureKeys),
      idf: decodeFloat32(json.idf),
      rowPtr: decodeUint32(json.rowPtr),
      classes: decodeUint16(json.classes),
      quantised: decodeInt8(json.weights),
      weightScale: json.weightScale,
      bias: Float32Array.from(json.bias),
    },
    json.labels.length,
  );
}

/**
 * The kernel's word walk (plain ASCII) on one scorer and the JavaScript one on another give the same
 * maximum and scores, bit for bit. Two scorers, so neither walk reuses memo rows the other made.
 */
function expectSameWalks(kernel: Scorer, javascript: Scorer, text: string): void {
  expect(kernel.loadAscii(text)).toBe(true);
  const kernelMax = kernel.score(text);
  const max = javascript.scoreUnicode(text);
  expect(Object.is(kernelMax, max)).toBe(true);
  // toEqual tells +0 from -0 and compares NaN as equal: the bits, as far as numbers show them
  expect(Array.from(kernel.scores)).toEqual(Array.from(javascript.scores));
}

/** ASCII text as customers type it, and worse: words in any case, digits, apostrophes, runs of punctuation, words past 40 characters */
const asciiText = fc
  .array(
    fc.oneof(
      fc.constantFrom(...questions.slice(0, 400)),
      fc.stringMatching(/^[A-Za-z0-9']{1,12}$/),
      fc.stringMatching(/^[a-z]{38,45}$/),
      fc.stringMatching(/^[ .,!?'\-[\]*\t\n]{1,3}$/),
      fc.string({ unit: 'binary-ascii', maxLength: 8 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(' '));

describe(Scorer.name, () => {
  it('scores plain ASCII text in the kernel word walk exactly as in the JavaScript one', () => {
    const kernel = defaultScorer();
    const javascript = defaultScorer();
    for (const text of questions.filter((_, i) => i % 7 === 0)) expectSameWalks(kernel, javascript, text);
    for (const text of ['', ' ', "'", "don't", "'quoted' words'", 'a'.repeat(41), `${'x'.repeat(50)} ${'x'.repeat(40)}`, 'card card card card my card']) {
      expectSameWalks(kernel, javascript, text);
    }
    fc.assert(fc.property(asciiText, (text) => expectSameWalks(kernel, javascript, text)), { numRuns: 2000 });
  });

  it('reads the first 2,000 characters in both walks, and walks a text in JavaScript when those are not all ASCII', () => {
    const kernel = defaultScorer();
    const javascript = defaultScorer();
    const long = 'my card was declined at the shop, why? '.repeat(80);
    expect(long.length).toBeGreaterThan(MAX_CHARS);
    expectSameWalks(kernel, javascript, long);
    // what lies past the characters read does not matter
    expectSameWalks(kernel, javascript, `${long.slice(0, MAX_CHARS)} café ４`);
    expect(kernel.loadAscii(`${long.slice(0, MAX_CHARS - 1)}é`)).toBe(false);
    for (const text of ['café', 'my card ４１１１', 'lost my card 😢', 'Straße', '\u200bpin']) expect(kernel.loadAscii(text)).toBe(false);
  });

  it('starts its memo again when it is full, and scores alike after, whichever walk made a word\'s entry', () => {
    const kernel = defaultScorer();
    const javascript = defaultScorer();
    const memoCount = (): number => (kernel as unknown as { memoCount: Int32Array }).memoCount[0] as number;
    let most = 0;
    let restarted = false;
    // 500 messages of 20 new words each: more distinct words than the memo holds (4,096); every
    // other message has a character outside ASCII, so the JavaScript walk makes its words' entries
    for (let m = 0; m < 500; m++) {
      const words = Array.from({ length: 20 }, (_, i) => `w${m}x${i}${questions[(m * 20 + i) % questions.length]?.split(' ')[0] ?? ''}`);
      const text = words.join(' ');
      if (m % 2 === 0) expectSameWalks(kernel, javascript, text);
      else kernel.score(`${text} é`);
      restarted ||= memoCount() < most;
      most = Math.max(most, memoCount());
    }
    expect(restarted).toBe(true);
    // the words met before the memo started again are looked up (and made) afresh; then words whose
    // entries the JavaScript walk made are read by the kernel's
    for (const text of questions.slice(0, 50)) expectSameWalks(kernel, javascript, text);
    for (let m = 1; m < 40; m += 2) {
      const text = Array.from({ length: 20 }, (_, i) => `w${m}x${i}${questions[(m * 20 + i) % questions.length]?.split(' ')[0] ?? ''}`).join(' ');
      kernel.score(`${text} é`);
      expectSameWalks(kernel, javascript, text);
    }
  });
});
