import { UNKNOWN_INTENT, type CrossValidation, type SensitivityMapping } from '../src/index.js';
import { argmaxOf } from './math.js';

function softmaxT(s: Float32Array, t: number): Float64Array {
  let max = -Infinity;
  for (const v of s) max = Math.max(max, v);
  const out = new Float64Array(s.length);
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    out[i] = Math.exp(((s[i] as number) - max) / t);
    sum += out[i] as number;
  }
  for (let i = 0; i < s.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

export interface SensitiveFigures {
  precision: number;
  recall: number;
  tp: number;
  fp: number;
  fn: number;
  threshold: number;
}

/**
 * Sensitive-vs-general precision and recall of out-of-fold predictions: a message is sensitive
 * when the calibrated probabilities of sensitive labels add up to `threshold` or more (0.5 with
 * a well-calibrated model is the top-label rule's close cousin).
 */
export function sensitiveFigures(cv: CrossValidation, mapping: SensitivityMapping, temperature = cv.temperature, threshold = 0.5): SensitiveFigures {
  const mask = cv.labels.map((l) => mapping[l]?.sensitive === true);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  cv.scores.forEach((s, i) => {
    const p = softmaxT(s, temperature);
    let mass = 0;
    for (let c = 0; c < p.length; c++) if (mask[c]) mass += p[c] as number;
    const predicted = mass >= threshold;
    const actual = mask[cv.gold[i] as number] === true;
    if (predicted && actual) tp++;
    else if (predicted) fp++;
    else if (actual) fn++;
  });
  return { precision: tp / Math.max(1, tp + fp), recall: tp / Math.max(1, tp + fn), tp, fp, fn, threshold };
}

/**
 * The highest threshold (0.50 down to 0.20) whose out-of-fold recall reaches `targetRecall`
 * at a precision of at least `minPrecision`; recall matters more (a missed sensitive message
 * stays on Messenger), so failing that, the threshold with the best recall at that precision.
 */
export function chooseSensitiveThreshold(cv: CrossValidation, mapping: SensitivityMapping, targetRecall = 0.985, minPrecision = 0.95): SensitiveFigures {
  let best: SensitiveFigures | null = null;
  for (let t = 0.5; t >= 0.2 - 1e-9; t -= 0.05) {
    const f = sensitiveFigures(cv, mapping, cv.temperature, Math.round(t * 100) / 100);
    if (f.precision < minPrecision) continue;
    if (f.recall >= targetRecall) return f;
    if (!best || f.recall > best.recall) best = f;
  }
  return best ?? sensitiveFigures(cv, mapping);
}

/**
 * Out-of-fold top-label accuracy over the in-scope rows (gold label not `unknown`). `among` the
 * in-scope labels only: which banking intent a banking question is (the N-way task); otherwise
 * end to end, where answering the out-of-scope class counts as wrong.
 */
export function topLabelAccuracy(cv: CrossValidation, among: 'in-scope' | 'all' = 'all'): number {
  const oos = cv.labels.indexOf(UNKNOWN_INTENT);
  let correct = 0;
  let total = 0;
  cv.scores.forEach((s, i) => {
    if (cv.gold[i] === oos) return;
    total++;
    let best = -1;
    for (let c = 0; c < s.length; c++) {
      if (among === 'in-scope' && c === oos) continue;
      if (best < 0 || (s[c] as number) > (s[best] as number)) best = c;
    }
    if (best === cv.gold[i]) correct++;
  });
  return correct / Math.max(1, total);
}

/**
 * How the out-of-scope class does out of fold: the share of out-of-scope rows answered `unknown`
 * (the class, or a top confidence below the floor), and the share of in-scope rows answered
 * `unknown` (lost banking questions). Both 0 when the corpus has no out-of-scope rows.
 */
export function outOfScopeFigures(cv: CrossValidation, floor: number): { recall: number; inScopeLost: number; rows: number } {
  const oos = cv.labels.indexOf(UNKNOWN_INTENT);
  let rows = 0;
  let caught = 0;
  let inScope = 0;
  let lost = 0;
  cv.scores.forEach((s, i) => {
    const p = softmaxT(s, cv.temperature);
    const k = argmaxOf(p);
    const unknown = k === oos || (p[k] as number) < floor;
    if (oos >= 0 && cv.gold[i] === oos) {
      rows++;
      if (unknown) caught++;
    } else {
      inScope++;
      if (unknown) lost++;
    }
  });
  return { recall: rows > 0 ? caught / rows : 0, inScopeLost: lost / Math.max(1, inScope), rows };
}

/** Expected calibration error over 10 confidence bins. */
export function expectedCalibrationError(cv: CrossValidation): number {
  const bins = Array.from({ length: 10 }, () => ({ n: 0, conf: 0, correct: 0 }));
  cv.scores.forEach((s, i) => {
    const p = softmaxT(s, cv.temperature);
    const k = argmaxOf(p);
    const conf = p[k] as number;
    const b = bins[Math.min(9, Math.floor(conf * 10))] as { n: number; conf: number; correct: number };
    b.n++;
    b.conf += conf;
    if (k === cv.gold[i]) b.correct++;
  });
  let ece = 0;
  for (const b of bins) if (b.n > 0) ece += (b.n / cv.scores.length) * Math.abs(b.conf / b.n - b.correct / b.n);
  return ece;
}
