import { FeatureBuffer, MAX_WORDS, type FeatureOptions } from './features.js';
import { instantiateKernel, type Kernel } from './kernel.js';

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
/** rows with weights for at least this share of the classes are stored densely (one int8 per class) */
const DENSE_ROW_SHARE = 0.5;
/** distinct words whose character n-gram rows are memoised; the memo starts again when full */
const MEMO_ENTRIES = Math.max(4096, MAX_WORDS);
const MEMO_SLOTS = MEMO_ENTRIES * 2;

/** Lays out regions in one memory, each 16-byte aligned (the kernel loads four f32 at a time). */
class Layout {
  size = 0;
  take(bytes: number): number {
    const at = this.size;
    this.size += Math.ceil(bytes / 16) * 16;
    return at;
  }
}

/**
 * Scores messages with a linear model over hashed TF-IDF features. What costs is the number of
 * class-wide row additions, so those run in a small WebAssembly kernel (kernel.wat), four classes
 * per SIMD operation in single precision, over weights laid out in its memory; the feature work
 * stays here.
 *
 * - Open-addressing tables hold, per feature, its key, where its weight row is and its idf: a
 *   lookup reads one cache line. Word-level features (unigrams and pairs, looked up for every
 *   message) have a table of their own, 256 KB for the default model, which stays in cache; the
 *   character n-grams' is read only when a new word's row is memoised.
 * - Rows are packed (class << 8 | int8 weight) or, when most classes have a weight, dense (an
 *   int8 weight per class, a row `stride` wide); consecutive dense rows, and the memoised word
 *   rows, are added several per pass over the classes.
 * - The character block is a sum of per-word parts (see `vectorise`), and a word's character
 *   n-grams are always the same: its summed row (idf_f * w_f per occurrence, summed in double
 *   precision and kept as f32) and its squared norm are memoised per distinct word, so a message
 *   adds one row and one number per word and counts none of its n-grams.
 *
 * The word block's rows are added in the order of the feature-by-feature definition (first
 * occurrence first). The sums are single precision (kernel.wat says why): the scores are those of
 * the double-precision definition within the usual bound of a running sum in single precision (a
 * test holds them to it), and the confidences a prediction reports have four decimals. Not
 * reentrant: one message at a time (JavaScript runs `predict` to completion).
 */
export class Scorer {
  readonly classCount: number;
  /** row width: the class count rounded up to a multiple of four (the kernel adds four classes at a time) */
  private readonly stride: number;
  private readonly kernel: Kernel;
  private readonly table: Int32Array;
  private readonly tableIdf: Float32Array;
  private readonly wordMask: number;
  private readonly charMask: number;
  /** where the character n-gram table starts (in slots) */
  private readonly charSlots: number;
  private readonly packed: Int32Array;
  private readonly dense: Int8Array;
  private readonly scale: number;
  private readonly buffer: FeatureBuffer;

  // memo of character n-gram rows per distinct word
  /** per slot: word hash, word check, entry + 1 (0: empty) */
  private readonly memoTable = new Int32Array(MEMO_SLOTS * 3);
  private readonly memoRows: Float32Array;
  /** a memo row while it is summed (in double precision, then kept as f32) */
  private readonly memoScratch: Float64Array;
  /** entry e's squared norm: the sum over its distinct n-grams of (occurrences * idf)^2 */
  private readonly memoNorms = new Float64Array(MEMO_ENTRIES);
  /** entry e's unigram: its table position, or -1 (not a feature) */
  private readonly memoUnigram = new Int32Array(MEMO_ENTRIES);
  /** a word's distinct n-grams while its entry is made (table positions) */
  private readonly inWord: Int32Array;
  private memoCount = 0;

  // the current message
  /** per table slot: occurrences of its feature in the message (all zero between messages; at most a few thousand in the 2,000 characters read) */
  private readonly counts: Uint16Array;
  /** distinct features by block, in order of first occurrence (table positions) */
  private wordOrder = new Int32Array(64);
  /** where the memoised rows of the message's words start in memoRows (in the kernel's memory: MAX_WORDS long) */
  private readonly rowOffsets: Int32Array;
  /** weight rows to add (their starts and lengths from the table) and their coefficients (in the kernel's memory: one per feature at most) */
  private readonly rowStarts: Int32Array;
  private readonly rowLengths: Int32Array;
  private readonly rowCoefs: Float32Array;

  private readonly wordAcc: Float32Array;
  private readonly charAcc: Float32Array;
  /** the bias, `stride` wide; the pad classes' is -infinity, so a pad is never the maximum */
  private readonly bias32: Float32Array;
  /** the last message's raw class scores (`score`), or their exp (`expSum`); `stride` wide, the first `classCount` are the classes */
  readonly scores: Float32Array;
  /** 1 for the classes whose exps `expSum` also sums apart and `rank` looks among, else 0; `stride` wide */
  private readonly mask: Float32Array;
  /** [0]: that sum, from the last `expSum` */
  private readonly maskedSum: Float64Array;
  /** the classes `rank` keeps, best first, and their values (`classCount` long) */
  readonly rankOrder: Int32Array;
  private readonly rankValues: Float32Array;

  /** `summed`: per class, 1 if `expSum` also sums its exp apart (the sensitive labels) */
  constructor(weights: ScorerWeights, classCount: number, summed: ArrayLike<number> = []) {
    const f = weights.featureKeys.length;
    const c = classCount;
    const stride = (c + 3) & ~3;
    this.classCount = c;
    this.stride = stride;
    this.scale = weights.weightScale;
    this.buffer = new FeatureBuffer(weights.features);
    this.inWord = new Int32Array(this.buffer.charBuffer.length);

    // two tables in one array: word-level features (looked up for every message) first, kept small
    // so they stay in cache, then character n-grams (looked up only when a new word is memoised);
    // each at most two-thirds full
    let wordFeatures = 0;
    for (let i = 0; i < f; i++) if (((weights.featureKeys[i] as number) & 1) === 0) wordFeatures++;
    const tableSize = (n: number): number => {
      let size = 16;
      while (size < n * 1.5) size *= 2;
      return size;
    };
    const wordSlots = tableSize(wordFeatures);
    const charSlots = tableSize(f - wordFeatures);
    const slots = wordSlots + charSlots;
    const { rowPtr, classes, quantised } = weights;
    let packedLength = 0;
    let denseRows = 0;
    const isDense = (i: number): boolean => (rowPtr[i + 1] as number) - (rowPtr[i] as number) >= c * DENSE_ROW_SHARE;
    for (let i = 0; i < f; i++) {
      if (isDense(i)) denseRows++;
      else packedLength += (rowPtr[i + 1] as number) - (rowPtr[i] as number);
    }

    const layout = new Layout();
    const tableAt = layout.take(slots * SLOT * 4);
    const denseAt0 = layout.take(denseRows * stride);
    const packedAt0 = layout.take(packedLength * 4);
    const memoAt = layout.take(MEMO_ENTRIES * stride * 4);
    const offsetsAt = layout.take(MAX_WORDS * 4);
    const startsAt = layout.take((f + 1) * 4);
    const lengthsAt = layout.take((f + 1) * 4);
    const coefsAt = layout.take((f + 1) * 4);
    const wordAccAt = layout.take(stride * 4);
    const charAccAt = layout.take(stride * 4);
    const biasAt = layout.take(stride * 4);
    const scoresAt = layout.take(stride * 4);
    const maskAt = layout.take(stride * 4);
    const maskedSumAt = layout.take(8);
    const rankOrderAt = layout.take(c * 4);
    const rankValuesAt = layout.take(c * 4);
    this.kernel = instantiateKernel();
    const memory = this.kernel.memory;
    const pages = Math.ceil(layout.size / 65536);
    if (pages > memory.buffer.byteLength / 65536) memory.grow(pages - memory.buffer.byteLength / 65536);
    // the memory never grows after this, so these views stay attached
    const buffer = memory.buffer;
    this.table = new Int32Array(buffer, tableAt, slots * SLOT);
    this.tableIdf = new Float32Array(buffer, tableAt, slots * SLOT);
    this.dense = new Int8Array(buffer, denseAt0, denseRows * stride);
    this.packed = new Int32Array(buffer, packedAt0, packedLength);
    this.memoRows = new Float32Array(buffer, memoAt, MEMO_ENTRIES * stride);
    this.memoScratch = new Float64Array(stride);
    this.rowOffsets = new Int32Array(buffer, offsetsAt, MAX_WORDS);
    this.rowStarts = new Int32Array(buffer, startsAt, f + 1);
    this.rowLengths = new Int32Array(buffer, lengthsAt, f + 1);
    this.rowCoefs = new Float32Array(buffer, coefsAt, f + 1);
    this.wordAcc = new Float32Array(buffer, wordAccAt, stride);
    this.charAcc = new Float32Array(buffer, charAccAt, stride);
    this.bias32 = new Float32Array(buffer, biasAt, stride);
    this.bias32.set(weights.bias);
    this.bias32.fill(-Infinity, c);
    this.scores = new Float32Array(buffer, scoresAt, stride);
    this.mask = new Float32Array(buffer, maskAt, stride);
    for (let k = 0; k < c; k++) this.mask[k] = summed[k] === 1 ? 1 : 0;
    this.maskedSum = new Float64Array(buffer, maskedSumAt, 1);
    this.rankOrder = new Int32Array(buffer, rankOrderAt, c);
    this.rankValues = new Float32Array(buffer, rankValuesAt, c);
    this.kernel.layout(denseAt0, packedAt0, memoAt, stride);
    this.wordMask = wordSlots - 1;
    this.charMask = charSlots - 1;
    this.charSlots = wordSlots;
    this.counts = new Uint16Array(slots);

    let packedAt = 0;
    let denseAt = 0;
    for (let i = 0; i < f; i++) {
      const key = (weights.featureKeys[i] as number) | 0;
      const [first, mask] = (key & 1) === 0 ? [0, this.wordMask] : [this.charSlots, this.charMask];
      let slot = key & mask;
      // a repeated key (never written by training) keeps the last row, as a map would
      while (this.table[(first + slot) * SLOT + KEY] !== 0 && this.table[(first + slot) * SLOT + KEY] !== key) slot = (slot + 1) & mask;
      const base = (first + slot) * SLOT;
      this.table[base + KEY] = key;
      this.tableIdf[base + IDF] = weights.idf[i] as number;
      const from = rowPtr[i] as number;
      const to = rowPtr[i + 1] as number;
      if (isDense(i)) {
        this.table[base + ROW_START] = denseAt;
        this.table[base + ROW_LENGTH] = DENSE;
        for (let k = from; k < to; k++) this.dense[denseAt + (classes[k] as number)] = quantised[k] as number;
        denseAt += stride;
      } else {
        this.table[base + ROW_START] = packedAt;
        this.table[base + ROW_LENGTH] = to - from;
        for (let k = from; k < to; k++) this.packed[packedAt++] = ((classes[k] as number) << 8) | ((quantised[k] as number) & 0xff);
      }
    }
  }

  /** The table position (a multiple of SLOT) of the word-level feature (even key) with this key, or -1. */
  private findWord(key: number): number {
    const table = this.table;
    const mask = this.wordMask;
    const k = key | 0;
    for (let slot = k & mask; ; slot = (slot + 1) & mask) {
      const at = table[slot * SLOT + KEY] as number;
      if (at === k) return slot * SLOT;
      if (at === 0) return -1;
    }
  }

  /** The table position (a multiple of SLOT) of the character n-gram (odd key) with this key, or -1. */
  private findChar(key: number): number {
    const table = this.table;
    const mask = this.charMask;
    const first = this.charSlots;
    const k = key | 0;
    for (let slot = k & mask; ; slot = (slot + 1) & mask) {
      const at = table[(first + slot) * SLOT + KEY] as number;
      if (at === k) return (first + slot) * SLOT;
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

  /** Writes the raw class scores of `text` into `out` (bias + scale * (word block + character block)). */
  scoreInto(text: string, out: Float64Array): void {
    this.score(text);
    for (let k = 0; k < this.classCount; k++) out[k] = this.scores[k] as number;
  }

  /**
   * scores[k] = exp((scores[k] - max) * inv), the unnormalised softmax of the last `score`, in
   * place; returns their sum over the classes, each taken in class order (`maskedSum` then holds
   * the sum over the classes of `summed`).
   */
  expSum(max: number, inv: number): number {
    return this.kernel.expSum(this.scores.byteOffset, max, inv, this.mask.byteOffset, this.maskedSum.byteOffset);
  }

  /**
   * The `k` (1 to classCount) largest of `scores` (the raw scores: before `expSum`), best first,
   * ties to the lower class, into `rankOrder[0..k)`; returns the first class of `summed` holding the
   * largest of their values, or -1 (none).
   */
  rank(k: number): number {
    return this.kernel.rank(this.scores.byteOffset, this.classCount, this.mask.byteOffset, k, this.rankOrder.byteOffset, this.rankValues.byteOffset);
  }

  /** The sum over the classes of `summed` of the last `expSum`. */
  get summedExp(): number {
    return this.maskedSum[0] as number;
  }

  /** Scores `text` into `scores` (bias + scale * (word block + character block)); returns the maximum. */
  score(text: string): number {
    const fb = this.buffer;
    // at most MAX_WORDS (features.ts reads 2,000 code units, and no lower-cased unit starts two
    // words): rowOffsets and the memo are sized for it; should that change, words past it are dropped
    const words = Math.min(fb.extractWords(text), MAX_WORDS);
    // the message's rows are summed after all its words are looked up: room for all of them
    if (this.memoCount + words > MEMO_ENTRIES) {
      this.memoTable.fill(0);
      this.memoCount = 0;
    }
    const counts = this.counts;
    // word by word: the memoised character n-gram row and squared norm (see vectorise), and the
    // word-level features (the unigram's table position is memoised too), counted first and added
    // once their tf is known, in order of first occurrence (each word's unigram, then its pair)
    if (this.wordOrder.length < words * 2) this.wordOrder = growInt32(this.wordOrder, words * 2);
    const wordOrder = this.wordOrder;
    const wordPair = fb.wordPair;
    const memoNorms = this.memoNorms;
    const memoUnigram = this.memoUnigram;
    const rowOffsets = this.rowOffsets;
    const stride = this.stride;
    let nWord = 0;
    let nRows = 0;
    let normChar = 0;
    for (let w = 0; w < words; w++) {
      const e = this.memoEntry(fb, w);
      const norm = memoNorms[e] as number;
      if (norm !== 0) {
        normChar += norm;
        rowOffsets[nRows++] = e * stride;
      }
      const unigram = memoUnigram[e] as number;
      if (unigram >= 0) {
        const seen = counts[unigram >> 2] as number;
        if (seen === 0) wordOrder[nWord++] = unigram;
        counts[unigram >> 2] = seen + 1;
      }
      const pairKey = wordPair[w] as number;
      if (pairKey === 0) continue;
      const pair = this.findWord(pairKey);
      if (pair < 0) continue;
      const seen = counts[pair >> 2] as number;
      if (seen === 0) wordOrder[nWord++] = pair;
      counts[pair >> 2] = seen + 1;
    }
    const kernel = this.kernel;
    if (nWord === 0 && nRows === 0) {
      this.wordAcc.fill(0);
      this.charAcc.fill(0);
      return kernel.combine(this.scores.byteOffset, this.bias32.byteOffset, this.wordAcc.byteOffset, this.charAcc.byteOffset, 0, 0);
    }
    const charAcc = this.charAcc;
    kernel.sumRows(charAcc.byteOffset, rowOffsets.byteOffset, nRows);
    const wordAcc = this.wordAcc;
    wordAcc.fill(0);
    let normWord = 0;
    const table = this.table;
    const tableIdf = this.tableIdf;
    const rowStarts = this.rowStarts;
    const rowLengths = this.rowLengths;
    const rowCoefs = this.rowCoefs;
    for (let i = 0; i < nWord; i++) {
      const base = wordOrder[i] as number;
      const tf = counts[base >> 2] as number;
      counts[base >> 2] = 0;
      // sublinear tf; log(1) = 0 spares the call for the usual single occurrence
      const v = (tf === 1 ? 1 : 1 + Math.log(tf)) * (tableIdf[base + IDF] as number);
      normWord += v * v;
      rowStarts[i] = table[base + ROW_START] as number;
      rowLengths[i] = table[base + ROW_LENGTH] as number;
      rowCoefs[i] = v;
    }
    kernel.addRows(wordAcc.byteOffset, rowStarts.byteOffset, rowLengths.byteOffset, rowCoefs.byteOffset, nWord);
    const invWord = normWord > 0 ? this.scale / Math.sqrt(normWord) : 0;
    const invChar = normChar > 0 ? this.scale / Math.sqrt(normChar) : 0;
    return kernel.combine(this.scores.byteOffset, this.bias32.byteOffset, wordAcc.byteOffset, charAcc.byteOffset, invWord, invChar);
  }

  /**
   * The memo entry of word `w` of the buffer: the summed row of its known character n-grams
   * (idf_f * w_f per occurrence) and the squared norm of its n-gram vector (occurrences * idf_f).
   */
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
    const stride = this.stride;
    const e = this.memoCount++;
    const row = this.memoScratch;
    row.fill(0);
    const n = fb.charKeys(w);
    const keys = fb.charBuffer;
    const counts = this.counts;
    const inWord = this.inWord;
    let distinct = 0;
    for (let i = 0; i < n; i++) {
      const base = this.findChar(keys[i] as number);
      if (base < 0) continue;
      this.addRow(row, base, this.tableIdf[base + IDF] as number);
      const seen = counts[base >> 2] as number;
      if (seen === 0) inWord[distinct++] = base;
      counts[base >> 2] = seen + 1;
    }
    let norm = 0;
    for (let i = 0; i < distinct; i++) {
      const base = inWord[i] as number;
      const u = (counts[base >> 2] as number) * (this.tableIdf[base + IDF] as number);
      counts[base >> 2] = 0;
      norm += u * u;
    }
    this.memoRows.set(row, e * stride);
    this.memoNorms[e] = norm;
    const unigram = fb.wordUnigram[w] as number;
    this.memoUnigram[e] = unigram === 0 ? -1 : this.findWord(unigram);
    table[slot * 3] = hash;
    table[slot * 3 + 1] = check;
    table[slot * 3 + 2] = e + 1;
    return e;
  }
}

function growInt32(a: Int32Array, need = a.length + 1): Int32Array<ArrayBuffer> {
  let cap = Math.max(a.length * 2, 16);
  while (cap < need) cap *= 2;
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}
