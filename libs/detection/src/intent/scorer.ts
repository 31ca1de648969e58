import { FeatureBuffer, MAX_WORDS, type FeatureOptions } from './features.js';

/** What the scorer needs of a model: its hashed features, idf, weight rows and bias. */
export interface ScorerWeights {
  features: FeatureOptions;
  featureKeys: Uint32Array;
  idf: Float32Array;
  /** CSR rows: feature i has classes[rowPtr[i]..rowPtr[i+1]) with int8 weights */
  rowPtr: Uint32Array;
  classes: Uint16Array;
  quantised: Int8Array;
  weightScale: number;
  bias: Float32Array;
}

/** int32s per feature-table slot: key, row start, row length (-1: dense), idf (float32 bits) */
const SLOT = 4;
const KEY = 0;
const ROW_START = 1;
const ROW_LENGTH = 2;
const IDF = 3;
const DENSE = -1;
/** rows with weights for at least this share of the classes are stored densely (int8, one per class) */
const DENSE_ROW_SHARE = 0.5;
/** distinct words whose character n-gram rows are memoised; the memo starts again when full */
const MEMO_ENTRIES = Math.max(4096, MAX_WORDS);
const MEMO_SLOTS = MEMO_ENTRIES * 2;

/**
 * Scores messages with a linear model over hashed TF-IDF features. V8 checks every typed-array
 * access, so what costs is the number of class-wide row additions and memory reads:
 *
 * - One open-addressing table holds, per feature, its key, where its weight row is and its idf:
 *   a lookup reads one cache line.
 * - Rows are packed (class << 8 | int8 weight) or, when most classes have a weight, dense int8;
 *   consecutive dense rows, and the memoised word rows, are added several per pass over the classes.
 * - A word's character n-grams are always the same, so their summed row (idf_f * w_f per
 *   occurrence) is memoised per distinct word with the n-grams' table positions and idf, and an
 *   n-gram repeated in a message (tf > 1) is corrected by ((1 + ln tf) - tf) * idf_f * w_f.
 *
 * Every class's sum is taken in the order of the feature-by-feature definition (first occurrence
 * first), so the scores are exactly those of the plain sparse computation. Not reentrant: one
 * message at a time (JavaScript runs `predict` to completion).
 */
export class Scorer {
  readonly classCount: number;
  private readonly table: Int32Array;
  private readonly tableIdf: Float32Array;
  private readonly tableMask: number;
  private readonly packed: Int32Array;
  private readonly dense: Int8Array;
  private readonly bias: Float32Array;
  private readonly scale: number;
  private readonly buffer: FeatureBuffer;

  // memo of character n-gram rows per distinct word
  /** per slot: word hash, word check, entry + 1 (0: empty) */
  private readonly memoTable = new Int32Array(MEMO_SLOTS * 3);
  private memoRows: Float64Array | null = null;
  /** entry e's n-grams are memoFeatures[memoStart[e]..memoStart[e + 1]) (table positions) with their idf */
  private readonly memoStart = new Int32Array(MEMO_ENTRIES + 1);
  private memoFeatures = new Int32Array(4096);
  private memoIdf = new Float64Array(4096);
  private memoCount = 0;

  // the current message
  /** per table slot: occurrences of its feature in the message (all zero between messages; at most a few thousand in the 2,000 characters read) */
  private readonly counts: Uint16Array;
  /** distinct features by block, in order of first occurrence (table positions) */
  private wordOrder = new Int32Array(64);
  private charOrder = new Int32Array(512);
  private charOrderIdf = new Float64Array(512);
  /** where the memoised rows of the message's words start in memoRows */
  private rowOffsets = new Int32Array(64);
  /** weight rows to add (table positions) and their coefficients */
  private rowBases = new Int32Array(64);
  private rowCoefs = new Float64Array(64);

  private readonly wordAcc: Float64Array;
  private readonly charAcc: Float64Array;

  constructor(weights: ScorerWeights, classCount: number) {
    const f = weights.featureKeys.length;
    const c = classCount;
    this.classCount = c;
    this.bias = weights.bias;
    this.scale = weights.weightScale;
    this.buffer = new FeatureBuffer(weights.features);
    this.wordAcc = new Float64Array(c);
    this.charAcc = new Float64Array(c);

    let slots = 16;
    while (slots < f * 1.5) slots *= 2;
    this.table = new Int32Array(slots * SLOT);
    this.tableIdf = new Float32Array(this.table.buffer);
    this.tableMask = slots - 1;
    this.counts = new Uint16Array(slots);
    const { rowPtr, classes, quantised } = weights;
    let packedLength = 0;
    let denseRows = 0;
    const isDense = (i: number): boolean => (rowPtr[i + 1] as number) - (rowPtr[i] as number) >= c * DENSE_ROW_SHARE;
    for (let i = 0; i < f; i++) {
      if (isDense(i)) denseRows++;
      else packedLength += (rowPtr[i + 1] as number) - (rowPtr[i] as number);
    }
    this.packed = new Int32Array(packedLength);
    this.dense = new Int8Array(denseRows * c);
    let packedAt = 0;
    let denseAt = 0;
    for (let i = 0; i < f; i++) {
      const key = (weights.featureKeys[i] as number) | 0;
      let slot = key & this.tableMask;
      // a repeated key (never written by training) keeps the last row, as a map would
      while (this.table[slot * SLOT + KEY] !== 0 && this.table[slot * SLOT + KEY] !== key) slot = (slot + 1) & this.tableMask;
      const base = slot * SLOT;
      this.table[base + KEY] = key;
      this.tableIdf[base + IDF] = weights.idf[i] as number;
      const from = rowPtr[i] as number;
      const to = rowPtr[i + 1] as number;
      if (isDense(i)) {
        this.table[base + ROW_START] = denseAt;
        this.table[base + ROW_LENGTH] = DENSE;
        for (let k = from; k < to; k++) this.dense[denseAt + (classes[k] as number)] = quantised[k] as number;
        denseAt += c;
      } else {
        this.table[base + ROW_START] = packedAt;
        this.table[base + ROW_LENGTH] = to - from;
        for (let k = from; k < to; k++) this.packed[packedAt++] = ((classes[k] as number) << 8) | ((quantised[k] as number) & 0xff);
      }
    }
  }

  /** The table position (a multiple of SLOT) of the feature with this key, or -1. */
  private find(key: number): number {
    const table = this.table;
    const k = key | 0;
    for (let slot = k & this.tableMask; ; slot = (slot + 1) & this.tableMask) {
      const at = table[slot * SLOT + KEY] as number;
      if (at === k) return slot * SLOT;
      if (at === 0) return -1;
    }
  }

  /** acc += coef * the weight row of the feature at table position `base` */
  private addRow(acc: Float64Array, base: number, coef: number): void {
    const start = this.table[base + ROW_START] as number;
    const length = this.table[base + ROW_LENGTH] as number;
    if (length === DENSE) {
      const dense = this.dense;
      const c = this.classCount;
      for (let k = 0; k < c; k++) acc[k] = (acc[k] as number) + coef * (dense[start + k] as number);
      return;
    }
    const packed = this.packed;
    const end = start + length;
    for (let i = start; i < end; i++) {
      const x = packed[i] as number;
      const cl = x >>> 8;
      acc[cl] = (acc[cl] as number) + coef * ((x << 24) >> 24);
    }
  }

  /**
   * acc += rowCoefs[i] * the row of rowBases[i], for i in 0..n in that order; runs of dense rows
   * are added a few at a time per class (the same sums, in the same order, with fewer passes).
   */
  private addRows(acc: Float64Array, n: number): void {
    const bases = this.rowBases;
    const coefs = this.rowCoefs;
    const table = this.table;
    const dense = this.dense;
    const c = this.classCount;
    let i = 0;
    while (i < n) {
      const base = bases[i] as number;
      if (table[base + ROW_LENGTH] !== DENSE) {
        this.addRow(acc, base, coefs[i] as number);
        i++;
        continue;
      }
      // up to four consecutive dense rows
      let m = 1;
      while (m < 4 && i + m < n && table[(bases[i + m] as number) + ROW_LENGTH] === DENSE) m++;
      const a = table[base + ROW_START] as number;
      const ca = coefs[i] as number;
      if (m === 1) {
        for (let k = 0; k < c; k++) acc[k] = (acc[k] as number) + ca * (dense[a + k] as number);
      } else if (m === 2) {
        const b = table[(bases[i + 1] as number) + ROW_START] as number;
        const cb = coefs[i + 1] as number;
        for (let k = 0; k < c; k++) acc[k] = (acc[k] as number) + ca * (dense[a + k] as number) + cb * (dense[b + k] as number);
      } else if (m === 3) {
        const b = table[(bases[i + 1] as number) + ROW_START] as number;
        const cb = coefs[i + 1] as number;
        const d = table[(bases[i + 2] as number) + ROW_START] as number;
        const cd = coefs[i + 2] as number;
        for (let k = 0; k < c; k++) acc[k] = (acc[k] as number) + ca * (dense[a + k] as number) + cb * (dense[b + k] as number) + cd * (dense[d + k] as number);
      } else {
        const b = table[(bases[i + 1] as number) + ROW_START] as number;
        const cb = coefs[i + 1] as number;
        const d = table[(bases[i + 2] as number) + ROW_START] as number;
        const cd = coefs[i + 2] as number;
        const e = table[(bases[i + 3] as number) + ROW_START] as number;
        const ce = coefs[i + 3] as number;
        for (let k = 0; k < c; k++) {
          acc[k] = (acc[k] as number) + ca * (dense[a + k] as number) + cb * (dense[b + k] as number) + cd * (dense[d + k] as number) + ce * (dense[e + k] as number);
        }
      }
      i += m;
    }
  }

  /** Writes the raw class scores of `text` into `out` (bias + scale * (word block + character block)). */
  scoreInto(text: string, out: Float64Array): void {
    const c = this.classCount;
    const fb = this.buffer;
    const words = fb.extractWords(text);
    // the message's rows are summed after all its words are looked up: room for all of them
    if (this.memoCount + words > MEMO_ENTRIES) {
      this.memoTable.fill(0);
      this.memoCount = 0;
    }
    const counts = this.counts;
    const tableIdf = this.tableIdf;
    // word unigrams and pairs: counted first, added once their tf is known
    const keys = fb.keys;
    if (this.wordOrder.length < fb.count) this.wordOrder = growInt32(this.wordOrder, fb.count);
    const wordOrder = this.wordOrder;
    let nWord = 0;
    for (let i = 0; i < fb.count; i++) {
      const base = this.find(keys[i] as number);
      if (base < 0) continue;
      const slot = base >> 2;
      const seen = counts[slot] as number;
      if (seen === 0) wordOrder[nWord++] = base;
      counts[slot] = seen + 1;
    }
    // character n-grams: each word's memoised row; the n-grams are counted to correct repeats
    if (this.rowOffsets.length < words) this.rowOffsets = growInt32(this.rowOffsets, words);
    let nRows = 0;
    let nChar = 0;
    for (let w = 0; w < words; w++) {
      const e = this.memoEntry(fb, w);
      const from = this.memoStart[e] as number;
      const to = this.memoStart[e + 1] as number;
      if (to === from) continue;
      if (this.charOrder.length < nChar + to - from) this.growCharOrder(nChar + to - from);
      const charOrder = this.charOrder;
      const charOrderIdf = this.charOrderIdf;
      const features = this.memoFeatures;
      const idf = this.memoIdf;
      for (let i = from; i < to; i++) {
        const base = features[i] as number;
        const slot = base >> 2;
        const seen = counts[slot] as number;
        if (seen === 0) {
          charOrder[nChar] = base;
          charOrderIdf[nChar++] = idf[i] as number;
        }
        counts[slot] = seen + 1;
      }
      this.rowOffsets[nRows++] = e * c;
    }
    if (this.rowBases.length < Math.max(nWord, nChar)) {
      this.rowBases = growInt32(this.rowBases, Math.max(nWord, nChar));
      this.rowCoefs = new Float64Array(this.rowBases.length);
    }
    const bias = this.bias;
    if (nWord === 0 && nChar === 0) {
      for (let k = 0; k < c; k++) out[k] = bias[k] as number;
      return;
    }
    const charAcc = this.charAcc;
    sumRows(charAcc, this.memoRows as Float64Array, this.rowOffsets, nRows, c);
    const wordAcc = this.wordAcc;
    wordAcc.fill(0);
    let normWord = 0;
    const rowBases = this.rowBases;
    const rowCoefs = this.rowCoefs;
    for (let i = 0; i < nWord; i++) {
      const base = wordOrder[i] as number;
      const tf = counts[base >> 2] as number;
      counts[base >> 2] = 0;
      // sublinear tf; log(1) = 0 spares the call for the usual single occurrence
      const v = (tf === 1 ? 1 : 1 + Math.log(tf)) * (tableIdf[base + IDF] as number);
      normWord += v * v;
      rowBases[i] = base;
      rowCoefs[i] = v;
    }
    this.addRows(wordAcc, nWord);
    let normChar = 0;
    let nCorrections = 0;
    const charOrder = this.charOrder;
    const charOrderIdf = this.charOrderIdf;
    for (let i = 0; i < nChar; i++) {
      const base = charOrder[i] as number;
      const tf = counts[base >> 2] as number;
      counts[base >> 2] = 0;
      const idf = charOrderIdf[i] as number;
      if (tf === 1) {
        normChar += idf * idf;
        continue;
      }
      const sub = 1 + Math.log(tf);
      const v = sub * idf;
      normChar += v * v;
      // the memoised word rows added tf * idf * w_f; the model wants (1 + ln tf) * idf * w_f
      rowBases[nCorrections] = base;
      rowCoefs[nCorrections++] = (sub - tf) * idf;
    }
    this.addRows(charAcc, nCorrections);
    const invWord = normWord > 0 ? this.scale / Math.sqrt(normWord) : 0;
    const invChar = normChar > 0 ? this.scale / Math.sqrt(normChar) : 0;
    for (let k = 0; k < c; k++) out[k] = (bias[k] as number) + invWord * (wordAcc[k] as number) + invChar * (charAcc[k] as number);
  }

  private growCharOrder(need: number): void {
    this.charOrder = growInt32(this.charOrder, need);
    const idf = new Float64Array(this.charOrder.length);
    idf.set(this.charOrderIdf);
    this.charOrderIdf = idf;
  }

  /** The memo entry of word `w` of the buffer: its known character n-grams and their summed row. */
  private memoEntry(fb: FeatureBuffer, w: number): number {
    // open addressing on two independent 32-bit hashes of the word
    const hash = (fb.wordHash[w] as number) | 0;
    const check = (fb.wordCheck[w] as number) | 0;
    const table = this.memoTable;
    const mask = MEMO_SLOTS - 1;
    let slot = (hash ^ (hash >>> 15)) & mask;
    for (;;) {
      const entry = table[slot * 3 + 2] as number;
      if (entry === 0) break;
      if (table[slot * 3] === hash && table[slot * 3 + 1] === check) return entry - 1;
      slot = (slot + 1) & mask;
    }
    const c = this.classCount;
    this.memoRows ??= new Float64Array(MEMO_ENTRIES * c);
    const e = this.memoCount++;
    const rows = this.memoRows;
    rows.fill(0, e * c, (e + 1) * c);
    const n = fb.charKeys(w);
    const keys = fb.charBuffer;
    let at = this.memoStart[e] as number;
    if (at + n > this.memoFeatures.length) {
      this.memoFeatures = growInt32(this.memoFeatures, at + n);
      const idf = new Float64Array(this.memoFeatures.length);
      idf.set(this.memoIdf);
      this.memoIdf = idf;
    }
    const row = rows.subarray(e * c, (e + 1) * c);
    for (let i = 0; i < n; i++) {
      const base = this.find(keys[i] as number);
      if (base < 0) continue;
      const idf = this.tableIdf[base + IDF] as number;
      this.memoFeatures[at] = base;
      this.memoIdf[at] = idf;
      at++;
      this.addRow(row, base, idf);
    }
    this.memoStart[e + 1] = at;
    table[slot * 3] = hash;
    table[slot * 3 + 1] = check;
    table[slot * 3 + 2] = e + 1;
    return e;
  }
}

/**
 * acc = the sum of the c-wide rows of `rows` starting at offsets[0..n), added in that order for
 * every class; four rows per pass over the classes (fewer loads and stores of acc).
 */
function sumRows(acc: Float64Array, rows: Float64Array, offsets: Int32Array, n: number, c: number): void {
  acc.fill(0);
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    const a = offsets[r] as number;
    const b = offsets[r + 1] as number;
    const d = offsets[r + 2] as number;
    const e = offsets[r + 3] as number;
    for (let k = 0; k < c; k++) acc[k] = (acc[k] as number) + (rows[a + k] as number) + (rows[b + k] as number) + (rows[d + k] as number) + (rows[e + k] as number);
  }
  for (; r < n; r++) {
    const a = offsets[r] as number;
    for (let k = 0; k < c; k++) acc[k] = (acc[k] as number) + (rows[a + k] as number);
  }
}

function growInt32(a: Int32Array, need = a.length + 1): Int32Array<ArrayBuffer> {
  let cap = Math.max(a.length * 2, 16);
  while (cap < need) cap *= 2;
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}
