import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parseLabelledCsv } from '../csv.js';
import { Detector } from '../detector.js';
import type { SensitivityMapping } from '../types.js';
import { decodeInt8, decodeUint16, decodeUint32, decodeFloat32, encodeFloat32 } from './codec.js';
import { FeatureBuffer, FeatureIndex, featureHashes, tokenise, vectorise } from './features.js';
import { IntentModel } from './intent-model.js';
import { crossValidate, stratifiedFolds, trainIntentModel } from './train.js';

const dataDir = new URL('../../data/banking77/', import.meta.url);
const allRows = parseLabelledCsv(readFileSync(new URL('train.csv', dataDir), 'utf8'));
const mapping = JSON.parse(readFileSync(new URL('sensitivity.json', dataDir), 'utf8')) as SensitivityMapping;
const labels = ['card_arrival', 'lost_or_stolen_card', 'exchange_rate', 'top_up_limits', 'pin_blocked', 'age_limit'];
const rows = allRows.filter((r) => labels.includes(r.label));

/**
 * How far a score may be from the double-precision definition, relative to the sum of its terms'
 * sizes: the scorer sums in single precision, so the usual bound of a running sum, (additions + a
 * few) units of 2^-24; a message of n words adds at most 3n rows (its words' memoised rows,
 * unigrams and pairs).
 */
function singlePrecisionSlack(text: string): number {
  return (3 * tokenise(text).length + 8) * 2 ** -24;
}

/** Checks the scorer's sums against the plain feature-by-feature definition. */
function expectDefinedScores(model: IntentModel): void {
  const json = model.toJSON();
  // the stored bias is rounded: compare the loaded model with the stored arrays
  const loaded = IntentModel.fromJSON(JSON.parse(JSON.stringify(json)));
  const keys = decodeUint32(json.featureKeys);
  const idf = decodeFloat32(json.idf);
  const rowPtr = decodeUint32(json.rowPtr);
  const classes = decodeUint16(json.classes);
  const weights = decodeInt8(json.weights);
  const index = new FeatureIndex(keys);
  /** the message's vector (feature -> normalised value) and its scores, by the definition */
  const definition = (text: string): { vector: Map<number, number>; scores: number[]; magnitudes: number[] } => {
    // words and pairs: counted over the message, sublinear tf, L2 norm of the block
    const words = new Map<number, number>();
    for (const h of featureHashes(text, json.features)) {
      const f = index.get(h);
      if (f >= 0 && ((keys[f] as number) & 1) === 0) words.set(f, (words.get(f) ?? 0) + 1);
    }
    const vals = new Map<number, number>();
    let wordNorm = 0;
    for (const [f, tf] of words) {
      const v = (1 + Math.log(tf)) * (idf[f] as number);
      vals.set(f, v);
      wordNorm += v * v;
    }
    // character n-grams: each word's own vector (occurrences * idf), summed; the block is divided
    // by the root of the sum of the words' squared norms
    let charNorm = 0;
    for (const word of tokenise(text)) {
      const own = new Map<number, number>();
      for (const h of featureHashes(word, { ...json.features, words: false, bigrams: false })) {
        const f = index.get(h);
        if (f >= 0) own.set(f, (own.get(f) ?? 0) + 1);
      }
      for (const [f, n] of own) {
        const u = n * (idf[f] as number);
        vals.set(f, (vals.get(f) ?? 0) + u);
        charNorm += u * u;
      }
    }
    const vector = new Map<number, number>();
    const out = json.bias.map((b) => Math.fround(b));
    // per class, the sum of its terms' sizes: what a rounding error is relative to
    const magnitudes = out.map((b) => Math.abs(b));
    for (const [f, v] of vals) {
      const norm = ((keys[f] as number) & 1) === 0 ? wordNorm : charNorm;
      vector.set(f, v / Math.sqrt(norm));
      const x = (v / Math.sqrt(norm)) * json.weightScale;
      for (let k = rowPtr[f] as number; k < (rowPtr[f + 1] as number); k++) {
        const c = classes[k] as number;
        out[c] = (out[c] as number) + x * (weights[k] as number);
        magnitudes[c] = (magnitudes[c] as number) + Math.abs(x * (weights[k] as number));
      }
    }
    return { vector, scores: out, magnitudes };
  };
  let worst = 0;
  const expectScores = (text: string): void => {
    const got = loaded.scores(text);
    const { scores: want, magnitudes } = definition(text);
    for (let k = 0; k < want.length; k++) {
      const off = Math.abs((got[k] as number) - (want[k] as number)) / Math.max(magnitudes[k] as number, 1e-30);
      expect(off).toBeLessThanOrEqual(singlePrecisionSlack(text));
      worst = Math.max(worst, off);
    }
  };
  // training's vectors (vectorise) follow the same definition, so the model scores what it learnt
  const buffer = new FeatureBuffer(json.features);
  const scratch = new Int32Array(keys.length);
  const expectTrainingVector = (text: string): void => {
    const { vector } = definition(text);
    const trained = vectorise(text, index, idf, scratch, buffer);
    expect(trained.idx.length).toBe(vector.size);
    trained.idx.forEach((f, i) => {
      expect(vector.has(f)).toBe(true);
      expect(Math.abs((trained.val[i] as number) - (vector.get(f) as number))).toBeLessThan(1e-6);
    });
  };
  const texts = [
    'where is my card',
    'card card card, my card!! cards carded',
    'pin pin pinned blocked blocked',
    "I'm 17, how old do I need to be? Don't know",
    'zzqx unknownword ÉCOLE naïve 日本語 4111',
    '',
    // the most words a message can have (U+0130 lower-cases to two code units), and many distinct ones
    '\u0130'.repeat(2000),
    Array.from({ length: 600 }, (_, i) => `w${i.toString(36)}x`).join(' '),
    ...allRows.slice(0, 300).map((r) => r.text),
  ];
  for (const text of texts.slice(0, 40)) expectTrainingVector(text);
  for (let round = 0; round < 2; round++) {
    // the second round reads the memoised word rows
    for (const text of texts) expectScores(text);
  }
  // more distinct words than the memo holds: it starts again, the scores stay as close
  for (let i = 0; i < 5000; i++) loaded.scores(`word${i} card`);
  for (const text of texts.slice(0, 6)) expectScores(text);
  // the comparison is not vacuous: with more than one class, single precision shows
  if (json.labels.length > 1) expect(worst).toBeGreaterThan(0);
}

describe(IntentModel.name, () => {
  const model = trainIntentModel(rows, mapping, { epochs: 6 });

  it('learns a small subset and maps labels to their sensitivity and theme', () => {
    const lost = model.predict('I think my card was stolen, someone took my wallet');
    expect(lost.label).toBe('lost_or_stolen_card');
    expect(lost.sensitive).toBe(true);
    expect(lost.theme).toBe('credentials_and_security');
    const rate = model.predict('what exchange rate do you use for euros?');
    expect(rate.label).toBe('exchange_rate');
    expect(rate.sensitive).toBe(false);
    expect(rate.theme).toBeNull();
    expect(rate.top).toHaveLength(3);
    expect(rate.top[0]?.confidence).toBeGreaterThanOrEqual(rate.top[1]?.confidence ?? 1);
    expect(model.labels).toEqual([...labels].sort());
    expect(model.themes).toContain('credentials_and_security');
  });

  it('survives toJSON/fromJSON with identical predictions', () => {
    const copy = IntentModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    for (const text of ['where is my card', 'how old do I need to be', 'pin is blocked', '']) {
      expect(copy.predict(text)).toEqual(model.predict(text));
    }
  });

  it('scores as the feature-by-feature definition, to single precision (memoised word rows, repeated words and n-grams, unknown words)', () => {
    expectDefinedScores(model);
  });

  it('scores as defined with one class (a row padded to four)', () => {
    const one = trainIntentModel(rows.filter((r) => r.label === 'age_limit'), mapping, { epochs: 2 });
    expect(one.labels).toHaveLength(1);
    expectDefinedScores(one);
    expect(one.predict('how old do I need to be').top[0]?.confidence).toBe(1);
  });

  it('scores as defined with five classes (the kernel adds four classes at a time over a padded row)', () => {
    const odd = trainIntentModel(rows.filter((r) => r.label !== 'age_limit'), mapping, { epochs: 6 });
    expect(odd.labels).toHaveLength(5);
    expectDefinedScores(odd);
  });

  it('predicts the softmax of its scores: confidences, their order and the sensitive mass', () => {
    const sensitive = new Set(model.labels.filter((l) => model.sensitivityOf(l).sensitive));
    for (const text of [...allRows.slice(0, 400).map((r) => r.text), 'hello', '', 'card card card']) {
      const p = model.probabilities(text);
      const got = model.predict(text, 4);
      const ranked = [...p.keys()].sort((a, b) => (p[b] as number) - (p[a] as number) || a - b);
      got.top.forEach((t, n) => {
        expect(t.label).toBe(model.labels[ranked[n] as number]);
        expect(Math.abs(t.confidence - (p[ranked[n] as number] as number))).toBeLessThanOrEqual(0.00005 + 1e-6);
      });
      if (got.label !== 'unknown') {
        const mass = model.labels.reduce((a, l, i) => a + (sensitive.has(l) ? (p[i] as number) : 0), 0);
        expect(Math.abs((got.sensitiveProbability as number) - mass)).toBeLessThanOrEqual(0.00005 + 1e-6);
      }
    }
  });

  it('trains deterministically', () => {
    const again = trainIntentModel(rows, mapping, { epochs: 6 });
    expect(JSON.stringify(again.toJSON())).toBe(JSON.stringify(model.toJSON()));
  });

  it("answers 'unknown' below the floor, and then is not sensitive", () => {
    const strict = model.withCalibration({ floor: 0.999 });
    const r = strict.predict('my card has not arrived yet');
    expect(r.label).toBe('unknown');
    expect(r.sensitive).toBe(false);
    expect(r.theme).toBeNull();
  });

  it('rejects a broken model file and a mapping that misses a label', () => {
    expect(() => IntentModel.fromJSON({ format: 'nope' })).toThrow(/invalid intent model/);
    expect(() => IntentModel.fromJSON({ ...model.toJSON(), bias: [1] })).toThrow(/bias/);
    const json = model.toJSON();
    const idf = decodeFloat32(json.idf);
    idf[0] = Infinity;
    expect(() => IntentModel.fromJSON({ ...json, idf: encodeFloat32(idf) })).toThrow(/idf not finite/);
    expect(() => IntentModel.fromJSON({ ...json, version: 1 })).toThrow(/unsupported version 1 .*retrain/);
    expect(() => trainIntentModel(rows, { card_arrival: { sensitive: true } })).toThrow(/no sensitivity/);
  });

  it('builds stratified folds with every label in every fold', () => {
    const folds = stratifiedFolds(
      rows.map((r) => r.label),
      3,
      1,
    );
    for (let f = 0; f < 3; f++) expect(new Set(rows.filter((_, i) => folds[i] === f).map((r) => r.label)).size).toBe(labels.length);
  });

  it('cross-validates and fits a temperature', () => {
    const small = rows.filter((_, i) => i % 3 === 0);
    const cv = crossValidate(small, mapping, { epochs: 4 }, 3);
    expect(cv.accuracy).toBeGreaterThan(0.6);
    expect(cv.temperature).toBeGreaterThan(0);
  });
});

describe('default BANKING77 model', () => {
  it('loads in under 2 s and classifies, with out-of-scope text unknown', () => {
    const started = performance.now();
    const model = IntentModel.fromJSON(JSON.parse(readFileSync(new URL('../../models/banking77-en.json', import.meta.url), 'utf8')));
    expect(performance.now() - started).toBeLessThan(2000);
    // BANKING77's 77 intents and the out-of-scope class
    expect(model.labels).toHaveLength(78);
    expect(model.labels).toContain('unknown');
    expect(model.sensitivityOf('unknown')).toEqual(expect.objectContaining({ sensitive: false }));
    const detector = new Detector({ model });
    const r = detector.detect('I lost my card yesterday, card number 4111 1111 1111 1111');
    expect(r.redactedText).toBe('I lost my card yesterday, card number [CARD ****1111]');
    expect(r.intent?.label).toBe('lost_or_stolen_card');
    expect(r.sensitive).toBe(true);
    expect(detector.detect('what is the weather like in london tomorrow').intent?.label).toBe('unknown');
    expect(detector.detect('how long does a transfer to the US take?').intent?.sensitive).toBe(false);
    for (const text of ['hi', 'thanks a lot!', 'who won the match last night', 'my wifi keeps dropping']) {
      expect(detector.detect(text).intent).toEqual(expect.objectContaining({ label: 'unknown', sensitive: false }));
    }
    // a greeting does not hide a banking question
    expect(detector.detect('hello there! i think someone stole my card').intent).toEqual(expect.objectContaining({ sensitive: true }));
  });
});
