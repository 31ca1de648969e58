import { UNKNOWN_INTENT, type IntentPrediction, type IntentResult, type SensitivityMapping } from '../types.js';
import { decodeFloat32, decodeInt8, decodeUint16, decodeUint32, encodeFloat32, encodeInt8, encodeUint16, encodeUint32 } from './codec.js';
import { DEFAULT_FEATURE_OPTIONS, FeatureBuffer, FeatureIndex, type FeatureOptions } from './features.js';

export const INTENT_MODEL_FORMAT = 'handoff-intent-model';
export const INTENT_MODEL_VERSION = 1;
export const DEFAULT_INTENT_FLOOR = 0.35;
/** slots of the word memo: up to half as many distinct words (about 0.7 KB each) are kept; it is emptied when full */
const WORD_CACHE_SLOTS = 8192;

interface WordEntry {
  /** known character n-gram features of the word, repeats kept */
  features: Int32Array;
  /** sum over them of idf_f * quantised w_f, per class */
  row: Float64Array;
}

const EMPTY_WORD: WordEntry = { features: new Int32Array(0), row: new Float64Array(0) };

/** The serialised form, as written by `toJSON()` and read by `fromJSON()`. */
export interface IntentModelJSON {
  format: typeof INTENT_MODEL_FORMAT;
  version: number;
  language: string;
  labels: string[];
  sensitivity: Record<string, { sensitive: boolean; theme: string | null }>;
  features: FeatureOptions;
  temperature: number;
  floor: number;
  /** sensitive when the probabilities of sensitive labels add up to at least this */
  sensitiveThreshold?: number;
  /** base64 little-endian arrays */
  featureKeys: string;
  idf: string;
  rowPtr: string;
  classes: string;
  weights: string;
  weightScale: number;
  bias: number[];
  /** free-form provenance: data source, licence credit, cross-validation figures */
  meta: Record<string, unknown>;
}

export interface IntentModelParts {
  language: string;
  labels: string[];
  sensitivity: Record<string, { sensitive: boolean; theme: string | null }>;
  features: FeatureOptions;
  temperature: number;
  floor: number;
  sensitiveThreshold: number;
  featureKeys: Uint32Array;
  idf: Float32Array;
  rowPtr: Uint32Array;
  classes: Uint16Array;
  quantised: Int8Array;
  weightScale: number;
  bias: Float32Array;
  meta: Record<string, unknown>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(what: string): never {
  throw new Error(`invalid intent model: ${what}`);
}

/**
 * A linear intent classifier over hashed TF-IDF features with a temperature-calibrated softmax.
 * Everything the prediction needs is precomputed at load; `predict` allocates a few small arrays.
 */
export class IntentModel {
  readonly labels: readonly string[];
  readonly themes: readonly string[];
  readonly language: string;
  readonly temperature: number;
  readonly floor: number;
  readonly sensitiveThreshold: number;
  readonly meta: Readonly<Record<string, unknown>>;

  private readonly parts: IntentModelParts;
  private readonly index: FeatureIndex;
  private readonly scratch: Int32Array;
  private readonly features: FeatureBuffer;
  /** per feature: idf, negated for character features (the sign says the block) */
  private readonly signedIdf: Float64Array;
  private touched: Int32Array = new Int32Array(256);
  private readonly acc: Float64Array;
  private readonly charAcc: Float64Array;
  private readonly cacheHashes = new Uint32Array(WORD_CACHE_SLOTS);
  private readonly cacheChecks = new Uint32Array(WORD_CACHE_SLOTS);
  private readonly cacheEntries: (WordEntry | undefined)[] = new Array<WordEntry | undefined>(WORD_CACHE_SLOTS).fill(undefined);
  private cacheCount = 0;
  private readonly wordScratch: Int32Array;
  private readonly probs: Float64Array;
  private readonly taken: Uint8Array;
  private readonly sensitiveMask: Uint8Array;

  constructor(parts: IntentModelParts) {
    const f = parts.featureKeys.length;
    const c = parts.labels.length;
    if (c === 0) fail('no labels');
    if (parts.idf.length !== f || parts.rowPtr.length !== f + 1) fail('feature arrays disagree');
    const nnz = parts.rowPtr[f] as number;
    if (parts.classes.length !== nnz || parts.quantised.length !== nnz) fail('weight arrays disagree');
    if (parts.bias.length !== c) fail('bias length');
    for (let i = 0; i < nnz; i++) if ((parts.classes[i] as number) >= c) fail('class index out of range');
    for (let i = 0; i < f; i++) if ((parts.rowPtr[i] as number) > (parts.rowPtr[i + 1] as number)) fail('row pointers');
    if (!(parts.temperature > 0) || !Number.isFinite(parts.temperature)) fail('temperature');
    if (!(parts.floor >= 0 && parts.floor <= 1)) fail('floor');
    if (!(parts.sensitiveThreshold > 0 && parts.sensitiveThreshold <= 1)) fail('sensitiveThreshold');
    for (const label of parts.labels) if (!parts.sensitivity[label]) fail(`no sensitivity for label ${label}`);
    this.parts = parts;
    this.labels = Object.freeze([...parts.labels]);
    this.language = parts.language;
    this.temperature = parts.temperature;
    this.floor = parts.floor;
    this.sensitiveThreshold = parts.sensitiveThreshold;
    this.sensitiveMask = Uint8Array.from(parts.labels, (l) => (parts.sensitivity[l]?.sensitive ? 1 : 0));
    this.meta = Object.freeze({ ...parts.meta });
    const themes = new Set<string>();
    for (const label of parts.labels) {
      const t = parts.sensitivity[label]?.theme;
      if (t) themes.add(t);
    }
    this.themes = Object.freeze([...themes].sort());
    this.index = new FeatureIndex(parts.featureKeys);
    this.signedIdf = new Float64Array(f);
    for (let i = 0; i < f; i++) this.signedIdf[i] = ((parts.featureKeys[i] as number) & 1) === 1 ? -(parts.idf[i] as number) : (parts.idf[i] as number);
    this.scratch = new Int32Array(f);
    this.features = new FeatureBuffer(parts.features);
    this.acc = new Float64Array(c);
    this.charAcc = new Float64Array(c);
    this.wordScratch = new Int32Array(this.features.charBuffer.length);
    this.probs = new Float64Array(c);
    this.taken = new Uint8Array(c);
  }

  static fromJSON(json: unknown): IntentModel {
    if (!isRecord(json)) fail('not an object');
    if (json['format'] !== INTENT_MODEL_FORMAT) fail('format');
    if (json['version'] !== INTENT_MODEL_VERSION) fail(`unsupported version ${String(json['version'])}`);
    const labels = json['labels'];
    if (!Array.isArray(labels) || !labels.every((l): l is string => typeof l === 'string')) fail('labels');
    const sensitivityIn = json['sensitivity'];
    if (!isRecord(sensitivityIn)) fail('sensitivity');
    const sensitivity: Record<string, { sensitive: boolean; theme: string | null }> = {};
    for (const [label, v] of Object.entries(sensitivityIn)) {
      if (!isRecord(v) || typeof v['sensitive'] !== 'boolean') fail(`sensitivity of ${label}`);
      const theme = v['theme'];
      sensitivity[label] = { sensitive: v['sensitive'], theme: typeof theme === 'string' ? theme : null };
    }
    const features = json['features'];
    if (!isRecord(features)) fail('features');
    const str = (k: string): string => {
      const v = json[k];
      if (typeof v !== 'string') fail(k);
      return v;
    };
    const num = (k: string): number => {
      const v = json[k];
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(k);
      return v;
    };
    const bias = json['bias'];
    if (!Array.isArray(bias) || !bias.every((b): b is number => typeof b === 'number')) fail('bias');
    const meta = json['meta'];
    return new IntentModel({
      language: typeof json['language'] === 'string' ? json['language'] : 'en',
      labels,
      sensitivity,
      features: {
        words: features['words'] === true,
        bigrams: features['bigrams'] === true,
        charMin: typeof features['charMin'] === 'number' ? features['charMin'] : 0,
        charMax: typeof features['charMax'] === 'number' ? features['charMax'] : 0,
      },
      temperature: num('temperature'),
      floor: num('floor'),
      sensitiveThreshold: typeof json['sensitiveThreshold'] === 'number' ? json['sensitiveThreshold'] : 0.5,
      featureKeys: decodeUint32(str('featureKeys')),
      idf: decodeFloat32(str('idf')),
      rowPtr: decodeUint32(str('rowPtr')),
      classes: decodeUint16(str('classes')),
      quantised: decodeInt8(str('weights')),
      weightScale: num('weightScale'),
      bias: Float32Array.from(bias),
      meta: isRecord(meta) ? meta : {},
    });
  }

  toJSON(): IntentModelJSON {
    const p = this.parts;
    return {
      format: INTENT_MODEL_FORMAT,
      version: INTENT_MODEL_VERSION,
      language: p.language,
      labels: [...p.labels],
      sensitivity: p.sensitivity,
      features: p.features,
      temperature: p.temperature,
      floor: p.floor,
      sensitiveThreshold: p.sensitiveThreshold,
      featureKeys: encodeUint32(p.featureKeys),
      idf: encodeFloat32(p.idf),
      rowPtr: encodeUint32(p.rowPtr),
      classes: encodeUint16(p.classes),
      weights: encodeInt8(p.quantised),
      weightScale: p.weightScale,
      bias: Array.from(p.bias, (b) => Math.round(b * 1e5) / 1e5),
      meta: p.meta,
    };
  }

  /** The same model with another floor or temperature (e.g. an admin's setting). */
  withCalibration(calibration: { floor?: number; temperature?: number; sensitiveThreshold?: number }): IntentModel {
    return new IntentModel({
      ...this.parts,
      sensitiveThreshold: calibration.sensitiveThreshold ?? this.parts.sensitiveThreshold,
      floor: calibration.floor ?? this.parts.floor,
      temperature: calibration.temperature ?? this.parts.temperature,
    });
  }

  sensitivityOf(label: string): { sensitive: boolean; theme: string | null } {
    const s = this.parts.sensitivity[label];
    return s ? { sensitive: s.sensitive, theme: s.theme } : { sensitive: false, theme: null };
  }

  /** Raw (uncalibrated) class scores, one per label. */
  scores(text: string): Float64Array {
    const out = new Float64Array(this.labels.length);
    this.scoreInto(text, out);
    return out;
  }

  /**
   * Writes the raw class scores of `text` into `out`, allocation-free on the usual path.
   *
   * The score is bias + scale * (invWord * sum over word features of v_f * w_f + invChar * sum over
   * character n-grams of v_f * w_f), v_f = (1 + ln tf_f) * idf_f. A word's character n-grams are
   * always the same, so their summed 77-wide row (idf_f * w_f per occurrence) is computed once per
   * distinct word and memoised (bounded); an n-gram occurring tf > 1 times in the message is then
   * corrected by ((1 + ln tf) - tf) * idf_f * w_f. The result equals the feature-by-feature sum.
   */
  private scoreInto(text: string, out: Float64Array): void {
    const bias = this.parts.bias;
    const c = out.length;
    const fb = this.features;
    const words = fb.extractWords(text);
    const count = fb.count;
    const hashes = fb.keys;
    const scratch = this.scratch;
    const index = this.index;
    const need = count + words * fb.charBuffer.length;
    if (this.touched.length < need) this.touched = new Int32Array(need);
    const touched = this.touched;
    let nTouched = 0;
    for (let i = 0; i < count; i++) {
      const f = index.get(hashes[i] as number);
      if (f < 0) continue;
      const seen = scratch[f] as number;
      if (seen === 0) touched[nTouched++] = f;
      scratch[f] = seen + 1;
    }
    const charAcc = this.charAcc;
    charAcc.fill(0);
    for (let w = 0; w < words; w++) {
      const entry = this.wordEntry(fb, w);
      const feats = entry.features;
      for (let i = 0; i < feats.length; i++) {
        const f = feats[i] as number;
        const seen = scratch[f] as number;
        if (seen === 0) touched[nTouched++] = f;
        scratch[f] = seen + 1;
      }
      if (feats.length === 0) continue;
      const row = entry.row;
      for (let k = 0; k < c; k++) charAcc[k] = (charAcc[k] as number) + (row[k] as number);
    }
    if (nTouched === 0) {
      for (let k = 0; k < c; k++) out[k] = bias[k] as number;
      return;
    }
    const signedIdf = this.signedIdf;
    const rowPtr = this.parts.rowPtr;
    const classes = this.parts.classes;
    const weights = this.parts.quantised;
    const wordAcc = this.acc;
    wordAcc.fill(0);
    let normWord = 0;
    let normChar = 0;
    for (let i = 0; i < nTouched; i++) {
      const f = touched[i] as number;
      const tf = scratch[f] as number;
      scratch[f] = 0;
      const si = signedIdf[f] as number;
      const idf = si < 0 ? -si : si;
      // sublinear tf; log(1) = 0 spares the call for the usual single occurrence
      const sub = tf === 1 ? 1 : 1 + Math.log(tf);
      const v = sub * idf;
      let coef: number;
      let acc: Float64Array;
      if (si < 0) {
        normChar += v * v;
        if (tf === 1) continue;
        // the memoised word rows added tf * idf * w_f; the model wants (1 + ln tf) * idf * w_f
        coef = (sub - tf) * idf;
        acc = charAcc;
      } else {
        normWord += v * v;
        coef = v;
        acc = wordAcc;
      }
      const end = rowPtr[f + 1] as number;
      for (let k = rowPtr[f] as number; k < end; k++) {
        const cl = classes[k] as number;
        acc[cl] = (acc[cl] as number) + coef * (weights[k] as number);
      }
    }
    const scale = this.parts.weightScale;
    const invWord = normWord > 0 ? scale / Math.sqrt(normWord) : 0;
    const invChar = normChar > 0 ? scale / Math.sqrt(normChar) : 0;
    for (let k = 0; k < c; k++) out[k] = (bias[k] as number) + invWord * (wordAcc[k] as number) + invChar * (charAcc[k] as number);
  }

  /** The known character n-gram features of word `w` of the buffer and their summed idf-weighted row, memoised. */
  private wordEntry(fb: FeatureBuffer, w: number): WordEntry {
    // open addressing on two independent 32-bit hashes of the word
    const hash = fb.wordHash[w] as number;
    const check = fb.wordCheck[w] as number;
    const cacheHashes = this.cacheHashes;
    const cacheChecks = this.cacheChecks;
    const entries = this.cacheEntries;
    const mask = WORD_CACHE_SLOTS - 1;
    let slot = (hash ^ (hash >>> 15)) & mask;
    for (;;) {
      const e = entries[slot];
      if (e === undefined) break;
      if (cacheHashes[slot] === hash && cacheChecks[slot] === check) return e;
      slot = (slot + 1) & mask;
    }
    const n = fb.charKeys(w);
    const keys = fb.charBuffer;
    const index = this.index;
    let known = 0;
    const found = this.wordScratch;
    for (let i = 0; i < n; i++) {
      const f = index.get(keys[i] as number);
      if (f >= 0) found[known++] = f;
    }
    let entry: WordEntry;
    if (known === 0) entry = EMPTY_WORD;
    else {
      const c = this.labels.length;
      const features = found.slice(0, known);
      const sum = new Float64Array(c);
      const rowPtr = this.parts.rowPtr;
      const classes = this.parts.classes;
      const weights = this.parts.quantised;
      const idf = this.parts.idf;
      for (let i = 0; i < known; i++) {
        const f = features[i] as number;
        const v = idf[f] as number;
        const end = rowPtr[f + 1] as number;
        for (let k = rowPtr[f] as number; k < end; k++) {
          const cl = classes[k] as number;
          sum[cl] = (sum[cl] as number) + v * (weights[k] as number);
        }
      }
      entry = { features, row: sum };
    }
    if (this.cacheCount >= WORD_CACHE_SLOTS / 2) {
      // full: start again (the slot found above is then free as well)
      entries.fill(undefined);
      this.cacheCount = 0;
      slot = (hash ^ (hash >>> 15)) & mask;
    }
    cacheHashes[slot] = hash;
    cacheChecks[slot] = check;
    entries[slot] = entry;
    this.cacheCount++;
    return entry;
  }

  /** Calibrated probabilities, one per label. */
  probabilities(text: string): Float64Array {
    return softmax(this.scores(text), this.temperature);
  }

  predict(text: string, topK = 3): IntentResult {
    const probs = this.probs;
    this.scoreInto(typeof text === 'string' ? text : '', probs);
    softmaxInPlace(probs, this.temperature);
    const k = Math.max(1, Math.min(Math.floor(topK) || 1, probs.length));
    const top: IntentPrediction[] = [];
    const taken = this.taken;
    taken.fill(0);
    for (let n = 0; n < k; n++) {
      let best = -1;
      for (let c = 0; c < probs.length; c++) {
        if (taken[c] === 0 && (best < 0 || (probs[c] as number) > (probs[best] as number))) best = c;
      }
      taken[best] = 1;
      top.push({ label: this.parts.labels[best] as string, confidence: round4(probs[best] as number) });
    }
    const first = top[0] as IntentPrediction;
    if (first.confidence < this.floor) {
      return { label: UNKNOWN_INTENT, confidence: first.confidence, sensitive: false, theme: null, top, sensitiveProbability: 0 };
    }
    // the verdict adds up every sensitive label: "card_arrival 0.4 + lost_or_stolen_card 0.3" is sensitive
    let mass = 0;
    let bestSensitive = -1;
    for (let c = 0; c < probs.length; c++) {
      if (this.sensitiveMask[c] !== 1) continue;
      mass += probs[c] as number;
      if (bestSensitive < 0 || (probs[c] as number) > (probs[bestSensitive] as number)) bestSensitive = c;
    }
    const sensitive = mass >= this.sensitiveThreshold;
    const s = this.sensitivityOf(first.label);
    const theme = sensitive ? (s.sensitive ? s.theme : this.sensitivityOf(this.parts.labels[bestSensitive] as string).theme) : null;
    return { label: first.label, confidence: first.confidence, sensitive, theme, top, sensitiveProbability: round4(mass) };
  }
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/** softmax(x / temperature), in place. */
function softmaxInPlace(x: Float64Array, temperature: number): void {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) if ((x[i] as number) > max) max = x[i] as number;
  const inv = 1 / temperature;
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const e = Math.exp(((x[i] as number) - max) * inv);
    x[i] = e;
    sum += e;
  }
  const norm = 1 / sum;
  for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) * norm;
}

export function softmax(scores: ArrayLike<number>, temperature: number): Float64Array {
  const out = new Float64Array(scores.length);
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) max = Math.max(max, scores[i] as number);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    const e = Math.exp(((scores[i] as number) - max) / temperature);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

export function normaliseMapping(labels: readonly string[], mapping: SensitivityMapping): Record<string, { sensitive: boolean; theme: string | null }> {
  const out: Record<string, { sensitive: boolean; theme: string | null }> = {};
  const missing: string[] = [];
  for (const label of labels) {
    const m = mapping[label];
    if (!m || typeof m.sensitive !== 'boolean') {
      missing.push(label);
      continue;
    }
    out[label] = { sensitive: m.sensitive, theme: m.sensitive ? (m.theme ?? 'sensitive') : (m.theme ?? null) };
  }
  if (missing.length > 0) throw new Error(`mapping has no sensitivity for label(s): ${missing.join(', ')}`);
  return out;
}

export { DEFAULT_FEATURE_OPTIONS };
