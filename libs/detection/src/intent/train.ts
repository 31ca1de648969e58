import type { SensitivityMapping } from '../types.js';
import { DEFAULT_FEATURE_OPTIONS, FeatureBuffer, FeatureIndex, featureHashes, vectorise, type FeatureOptions, type SparseVector } from './features.js';
import { DEFAULT_INTENT_FLOOR, IntentModel, normaliseMapping, softmax } from './intent-model.js';

export interface TrainingRow {
  text: string;
  label: string;
}

export interface TrainOptions {
  features?: FeatureOptions;
  /** `softmax`: multinomial logistic regression; `hinge`: multi-class (Crammer-Singer) SVM */
  loss?: 'softmax' | 'hinge';
  epochs?: number;
  learningRate?: number;
  /** features seen in fewer documents are dropped */
  minDf?: number;
  /** weights with a smaller magnitude are dropped from the stored model */
  pruneBelow?: number;
  seed?: number;
  temperature?: number;
  floor?: number;
  sensitiveThreshold?: number;
  language?: string;
  meta?: Record<string, unknown>;
}

export const DEFAULT_TRAIN_OPTIONS = {
  features: DEFAULT_FEATURE_OPTIONS,
  loss: 'softmax',
  epochs: 12,
  learningRate: 1.0,
  minDf: 2,
  pruneBelow: 0.06,
  seed: 77,
  temperature: 1,
  floor: DEFAULT_INTENT_FLOOR,
  sensitiveThreshold: 0.5,
  language: 'en',
} as const satisfies Omit<Required<TrainOptions>, 'meta'>;

/** Deterministic PRNG (mulberry32), so the same corpus gives the same model. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffleInPlace<T>(a: T[], rand: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const tmp = a[i] as T;
    a[i] = a[j] as T;
    a[j] = tmp;
  }
}

export function trainIntentModel(rows: readonly TrainingRow[], mapping: SensitivityMapping, options: TrainOptions = {}): IntentModel {
  const o = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  if (rows.length === 0) throw new Error('no training rows');
  const labels = [...new Set(rows.map((r) => r.label))].sort();
  const sensitivity = normaliseMapping(labels, mapping);
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const c = labels.length;

  // vocabulary: hashes with document frequency >= minDf, in a deterministic order
  const docHashes = rows.map((r) => featureHashes(r.text, o.features));
  const df = new Map<number, number>();
  for (const hs of docHashes) {
    for (const h of new Set(hs)) df.set(h, (df.get(h) ?? 0) + 1);
  }
  const keys = [...df.entries()].filter(([, n]) => n >= o.minDf).map(([h]) => h).sort((a, b) => a - b);
  const f = keys.length;
  const index = new FeatureIndex(keys);
  const idf = new Float32Array(f);
  for (let i = 0; i < f; i++) idf[i] = Math.log((1 + rows.length) / (1 + (df.get(keys[i] as number) as number))) + 1;
  const scratch = new Int32Array(f);
  const buffer = new FeatureBuffer(o.features);
  const docs: SparseVector[] = rows.map((r) => vectorise(r.text, index, idf, scratch, buffer));
  const gold = rows.map((r) => labelIndex.get(r.label) as number);

  const { w, b } = o.loss === 'hinge' ? sgdHinge(docs, gold, f, c, o) : sgdSoftmax(docs, gold, f, c, o);

  // prune small weights and quantise the rest to int8 with one scale
  let maxAbs = 0;
  for (let i = 0; i < w.length; i++) maxAbs = Math.max(maxAbs, Math.abs(w[i] as number));
  const scale = maxAbs > 0 ? maxAbs / 127 : 1;
  const threshold = Math.max(o.pruneBelow, scale / 2);
  const rowPtr = new Uint32Array(f + 1);
  const cls: number[] = [];
  const q: number[] = [];
  for (let j = 0; j < f; j++) {
    for (let k = 0; k < c; k++) {
      const v = w[j * c + k] as number;
      if (Math.abs(v) >= threshold) {
        cls.push(k);
        q.push(Math.max(-127, Math.min(127, Math.round(v / scale))));
      }
    }
    rowPtr[j + 1] = cls.length;
  }
  // features whose every weight was pruned are dropped from the table
  const keep: number[] = [];
  for (let j = 0; j < f; j++) if ((rowPtr[j + 1] as number) > (rowPtr[j] as number)) keep.push(j);
  const keptKeys = new Uint32Array(keep.length);
  const keptIdf = new Float32Array(keep.length);
  const keptPtr = new Uint32Array(keep.length + 1);
  for (let n = 0; n < keep.length; n++) {
    const j = keep[n] as number;
    keptKeys[n] = keys[j] as number;
    keptIdf[n] = idf[j] as number;
    keptPtr[n + 1] = (keptPtr[n] as number) + (rowPtr[j + 1] as number) - (rowPtr[j] as number);
  }
  // IDF and normalisation still count the dropped features' mass: keeping it exact would need the
  // dropped keys; the accuracy cost is measured by cross-validation on the stored form.
  return new IntentModel({
    language: o.language,
    labels,
    sensitivity,
    features: o.features,
    temperature: o.temperature,
    floor: o.floor,
    sensitiveThreshold: o.sensitiveThreshold,
    featureKeys: keptKeys,
    idf: keptIdf,
    rowPtr: keptPtr,
    classes: Uint16Array.from(cls),
    quantised: Int8Array.from(q),
    weightScale: scale,
    bias: Float32Array.from(b),
    meta: { trainingRows: rows.length, loss: o.loss, epochs: o.epochs, learningRate: o.learningRate, minDf: o.minDf, seed: o.seed, ...(options.meta ?? {}) },
  });
}

interface SgdOptions {
  epochs: number;
  learningRate: number;
  seed: number;
}

/** The weights being learnt and the step-weighted sums of their updates, for averaging. */
interface AveragedWeights {
  w: Float32Array;
  u: Float32Array;
  b: Float64Array;
  ub: Float64Array;
}

/** One example's update: `s` holds its scores, `t` is the step the averaging weighs the update by. */
type SgdStep = (x: SparseVector, y: number, s: Float64Array, lr: number, t: number, m: AveragedWeights) => void;

/** Averaged SGD: shuffled epochs with a decaying rate; `step` applies the loss's update. */
function averagedSgd(docs: SparseVector[], gold: number[], f: number, c: number, o: SgdOptions, step: SgdStep): { w: Float32Array; b: Float64Array } {
  const m: AveragedWeights = { w: new Float32Array(f * c), u: new Float32Array(f * c), b: new Float64Array(c), ub: new Float64Array(c) };
  const { w, u, b, ub } = m;
  const order = docs.map((_, i) => i);
  const rand = seededRandom(o.seed);
  const s = new Float64Array(c);
  let t = 1;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    shuffleInPlace(order, rand);
    const lr = o.learningRate / (1 + epoch * 0.5);
    for (const d of order) {
      const x = docs[d] as SparseVector;
      const y = gold[d] as number;
      for (let k = 0; k < c; k++) s[k] = b[k] as number;
      for (let i = 0; i < x.idx.length; i++) {
        const base = (x.idx[i] as number) * c;
        const v = x.val[i] as number;
        for (let k = 0; k < c; k++) s[k] = (s[k] as number) + v * (w[base + k] as number);
      }
      step(x, y, s, lr, t, m);
      t++;
    }
  }
  for (let i = 0; i < w.length; i++) w[i] = (w[i] as number) - (u[i] as number) / t;
  for (let k = 0; k < c; k++) b[k] = (b[k] as number) - (ub[k] as number) / t;
  return { w, b };
}

/** Averaged SGD on the softmax cross-entropy. */
function sgdSoftmax(docs: SparseVector[], gold: number[], f: number, c: number, o: SgdOptions): { w: Float32Array; b: Float64Array } {
  const active = new Int32Array(c);
  return averagedSgd(docs, gold, f, c, o, (x, y, s, lr, t, { w, u, b, ub }) => {
    const p = softmax(s, 1);
    p[y] = (p[y] as number) - 1;
    for (let k = 0; k < c; k++) {
      const g = lr * (p[k] as number);
      b[k] = (b[k] as number) - g;
      ub[k] = (ub[k] as number) - t * g;
    }
    // classes with a negligible gradient are skipped: after the first epoch only a handful remain
    let m = 0;
    for (let k = 0; k < c; k++) {
      const g = p[k] as number;
      if (g > 1e-4 || g < -1e-4) active[m++] = k;
    }
    for (let i = 0; i < x.idx.length; i++) {
      const base = (x.idx[i] as number) * c;
      const v = lr * (x.val[i] as number);
      for (let a = 0; a < m; a++) {
        const k = active[a] as number;
        const g = (p[k] as number) * v;
        w[base + k] = (w[base + k] as number) - g;
        u[base + k] = (u[base + k] as number) - t * g;
      }
    }
  });
}

/** Averaged SGD on the multi-class hinge loss (Crammer-Singer), margin 1. */
function sgdHinge(docs: SparseVector[], gold: number[], f: number, c: number, o: SgdOptions): { w: Float32Array; b: Float64Array } {
  return averagedSgd(docs, gold, f, c, o, (x, y, s, lr, t, { w, u, b, ub }) => {
    let r = -1;
    for (let k = 0; k < c; k++) if (k !== y && (r < 0 || (s[k] as number) > (s[r] as number))) r = k;
    if ((s[y] as number) - (s[r] as number) < 1) {
      b[y] = (b[y] as number) + lr;
      ub[y] = (ub[y] as number) + t * lr;
      b[r] = (b[r] as number) - lr;
      ub[r] = (ub[r] as number) - t * lr;
      for (let i = 0; i < x.idx.length; i++) {
        const base = (x.idx[i] as number) * c;
        const g = lr * (x.val[i] as number);
        w[base + y] = (w[base + y] as number) + g;
        u[base + y] = (u[base + y] as number) + t * g;
        w[base + r] = (w[base + r] as number) - g;
        u[base + r] = (u[base + r] as number) - t * g;
      }
    }
  });
}

/** Assigns each row to one of `k` folds, keeping each label's share equal across folds. */
export function stratifiedFolds(labels: readonly string[], k: number, seed: number): number[] {
  const byLabel = new Map<string, number[]>();
  labels.forEach((l, i) => {
    const list = byLabel.get(l) ?? [];
    list.push(i);
    byLabel.set(l, list);
  });
  const fold = new Array<number>(labels.length).fill(0);
  const rand = seededRandom(seed);
  let offset = 0;
  for (const l of [...byLabel.keys()].sort()) {
    const idx = byLabel.get(l) as number[];
    shuffleInPlace(idx, rand);
    idx.forEach((row, n) => {
      fold[row] = (n + offset) % k;
    });
    offset += idx.length;
  }
  return fold;
}

export interface CrossValidation {
  /** out-of-fold raw scores per row, columns in `labels` order */
  scores: Float32Array[];
  labels: string[];
  gold: number[];
  accuracy: number;
  /** temperature that minimises the out-of-fold negative log-likelihood */
  temperature: number;
  foldMillis: number[];
}

export function crossValidate(rows: readonly TrainingRow[], mapping: SensitivityMapping, options: TrainOptions = {}, k = 5): CrossValidation {
  const seed = options.seed ?? DEFAULT_TRAIN_OPTIONS.seed;
  const folds = stratifiedFolds(rows.map((r) => r.label), k, seed);
  const labels = [...new Set(rows.map((r) => r.label))].sort();
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const scores = new Array<Float32Array>(rows.length);
  const foldMillis: number[] = [];
  for (let fold = 0; fold < k; fold++) {
    const started = performance.now();
    const train = rows.filter((_, i) => folds[i] !== fold);
    const model = trainIntentModel(train, mapping, options);
    const order = model.labels.map((l) => labelIndex.get(l) as number);
    rows.forEach((r, i) => {
      if (folds[i] !== fold) return;
      const s = model.scores(r.text);
      const full = new Float32Array(labels.length).fill(-1e4);
      order.forEach((col, j) => {
        full[col] = s[j] as number;
      });
      scores[i] = full;
    });
    foldMillis.push(performance.now() - started);
  }
  const gold = rows.map((r) => labelIndex.get(r.label) as number);
  let correct = 0;
  scores.forEach((s, i) => {
    if (argmax(s) === gold[i]) correct++;
  });
  return { scores, labels, gold, accuracy: correct / rows.length, temperature: fitTemperature(scores, gold), foldMillis };
}

export function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if ((a[i] as number) > (a[best] as number)) best = i;
  return best;
}

/** Golden-section search of log T minimising the mean negative log-likelihood. */
export function fitTemperature(scores: readonly Float32Array[], gold: readonly number[]): number {
  const nll = (logT: number): number => {
    const t = Math.exp(logT);
    let sum = 0;
    scores.forEach((s, i) => {
      const p = softmax(s, t)[gold[i] as number] as number;
      sum -= Math.log(Math.max(p, 1e-12));
    });
    return sum / scores.length;
  };
  let lo = Math.log(0.01);
  let hi = Math.log(20);
  const phi = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - phi * (hi - lo);
  let x2 = lo + phi * (hi - lo);
  let f1 = nll(x1);
  let f2 = nll(x2);
  for (let i = 0; i < 40; i++) {
    if (f1 < f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - phi * (hi - lo);
      f1 = nll(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + phi * (hi - lo);
      f2 = nll(x2);
    }
  }
  return Math.round(Math.exp((lo + hi) / 2) * 1e4) / 1e4;
}
