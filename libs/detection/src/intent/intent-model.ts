import { UNKNOWN_INTENT, type IntentPrediction, type IntentResult, type SensitivityMapping } from '../types.js';
import { decodeFloat32, decodeInt8, decodeUint16, decodeUint32, encodeFloat32, encodeInt8, encodeUint16, encodeUint32 } from './codec.js';
import { DEFAULT_FEATURE_OPTIONS, type FeatureOptions } from './features.js';
import { Scorer, type ScorerWeights } from './scorer.js';

export const INTENT_MODEL_FORMAT = 'handoff-intent-model';
/** 2: the character block is normalised per word (see vectorise); a version 1 file was trained with
 * the message-wide norm and would score differently here, so it is refused: retrain it. */
export const INTENT_MODEL_VERSION = 2;
export const DEFAULT_INTENT_FLOOR = 0.35;
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

export interface IntentModelParts extends ScorerWeights {
  language: string;
  labels: string[];
  sensitivity: Record<string, { sensitive: boolean; theme: string | null }>;
  temperature: number;
  floor: number;
  sensitiveThreshold: number;
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
  private readonly scorer: Scorer;
  /** per class: 1 when the label is sensitive */
  private readonly sensitiveMask: Uint8Array;
  /** per class: its theme when the label is sensitive, else null */
  private readonly sensitiveTheme: (string | null)[];

  constructor(parts: IntentModelParts) {
    const f = parts.featureKeys.length;
    const c = parts.labels.length;
    if (c === 0) fail('no labels');
    if (parts.idf.length !== f || parts.rowPtr.length !== f + 1) fail('feature arrays disagree');
    const nnz = parts.rowPtr[f] as number;
    if (parts.classes.length !== nnz || parts.quantised.length !== nnz) fail('weight arrays disagree');
    if (parts.bias.length !== c) fail('bias length');
    for (let k = 0; k < c; k++) if (!Number.isFinite(parts.bias[k])) fail('bias not finite');
    for (let i = 0; i < f; i++) if (!Number.isFinite(parts.idf[i]) || (parts.idf[i] as number) < 0) fail('idf not finite');
    if (!Number.isFinite(parts.weightScale)) fail('weightScale');
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
    this.sensitiveTheme = parts.labels.map((l) => (parts.sensitivity[l]?.sensitive ? (parts.sensitivity[l]?.theme ?? null) : null));
    this.meta = Object.freeze({ ...parts.meta });
    const themes = new Set<string>();
    for (const label of parts.labels) {
      const t = parts.sensitivity[label]?.theme;
      if (t) themes.add(t);
    }
    this.themes = Object.freeze([...themes].sort());
    this.scorer = new Scorer(parts, c, this.sensitiveMask);
  }

  static fromJSON(json: unknown): IntentModel {
    if (!isRecord(json)) fail('not an object');
    if (json['format'] !== INTENT_MODEL_FORMAT) fail('format');
    if (json['version'] !== INTENT_MODEL_VERSION) {
      fail(`unsupported version ${String(json['version'])} (this release reads version ${INTENT_MODEL_VERSION}: retrain the model with npm run model:train)`);
    }
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
   * character n-grams of v_f * w_f), v_f = (1 + ln tf_f) * idf_f (see Scorer for how).
   */
  private scoreInto(text: string, out: Float64Array): void {
    this.scorer.scoreInto(text, out);
  }

  /** Calibrated probabilities, one per label. */
  probabilities(text: string): Float64Array {
    return softmax(this.scores(text), this.temperature);
  }

  predict(text: string, topK = 3): IntentResult {
    const scorer = this.scorer;
    const max = scorer.score(typeof text === 'string' ? text : '');
    // one pass over the raw scores (the kernel's rank; exp keeps their order): the k most probable
    // labels (ties: the lower index first) and the most probable sensitive one; then exp((x - max) / T)
    // for every class, their sum and the sum over the sensitive labels for the verdict
    // ("card_arrival 0.4 + lost_or_stolen_card 0.3") at once
    const c = this.labels.length;
    const k = Math.max(1, Math.min(Math.floor(topK) || 1, c));
    const bestSensitive = scorer.rank(k);
    const order = scorer.rankOrder;
    const sum = scorer.expSum(max, 1 / this.temperature);
    const sensitiveSum = scorer.summedExp;
    const e = scorer.scores;
    const norm = 1 / sum;
    const mass = sensitiveSum * norm;
    const labels = this.labels;
    const top: IntentPrediction[] = [];
    for (let n = 0; n < k; n++) {
      const best = order[n] as number;
      top.push({ label: labels[best] as string, confidence: round4((e[best] as number) * norm) });
    }
    const first = top[0] as IntentPrediction;
    if (first.confidence < this.floor) {
      return { label: UNKNOWN_INTENT, confidence: first.confidence, sensitive: false, theme: null, top, sensitiveProbability: 0 };
    }
    const sensitive = mass >= this.sensitiveThreshold;
    const firstClass = order[0] as number;
    // the top label's theme when it is sensitive, else the most probable sensitive label's
    const theme = sensitive ? (this.sensitiveMask[firstClass] === 1 ? this.sensitiveTheme[firstClass] : this.sensitiveTheme[bestSensitive]) ?? null : null;
    // a model trained with out-of-scope text has an `unknown` class: when it wins, no banking intent
    // is forced on the message, but the verdict still counts ("hi there! also i lost my card")
    return { label: first.label, confidence: first.confidence, sensitive, theme, top, sensitiveProbability: round4(mass) };
  }
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
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
