import { FeatureBuffer, MAX_CHARS, MAX_WORDS, type FeatureOptions } from './features.js';
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

/**
 * int32s per feature-table slot: key, row start, then two int16 (the row length, -1: dense; and the
 * feature's count in the current message, unsigned), then idf (float32 bits): counting a feature
 * writes the cache line its lookup has just read.
 */
const SLOT = 4;
const KEY = 0;
const ROW_START = 1;
const IDF = 3;
/** the row length's and the count's int16 within a slot (little-endian halves of its third int32) */
const ROW_LENGTH16 = 4;
const COUNT16 = 5;
const DENSE = -1;
/** bytes per packed entry (class << 8 | int8 weight); a dense row takes one byte per class */
const PACKED_ENTRY_BYTES = 4;
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
 * Scores messages with a linear model over hashed TF-IDF features, in a small WebAssembly kernel
 * (kernel.wat) over weights laid out in its memory: the class-wide row additions four classes per
 * SIMD operation in single precision, and, for plain ASCII text (the usual message), the whole
 * walk: words split, lower-cased and hashed, looked up in the memo and the feature table, counted.
 * Any other text (accents, other scripts, full-width forms) is walked here in JavaScript, with
 * Unicode's lower case and letter classes (`scoreUnicode`); a test holds the two walks to the same
 * scores, bit for bit. The kernel's walk takes about a quarter off the intent's time: no lower-cased
 * copy of the text, no per-word callback, and integer hashing without number conversions.
 *
 * - Open-addressing tables hold, per feature, its key, where its weight row is and its idf: a
 *   lookup reads one cache line. Word-level features (unigrams and pairs, looked up for every
 *   message) have a table of their own, 256 KB for the default model, which stays in cache; the
 *   character n-grams' is read only when a new word's row is memoised.
 * - Rows are packed (class << 8 | int8 weight) or, when that takes no more memory (a quarter of
 *   the classes or more), dense (an int8 weight per class, a row `stride` wide); consecutive dense
 *   rows, and the memoised word rows, are added several per pass over the classes.
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
  // the kernel's functions and the regions' addresses, read once: a load from the exports object or
  // a typed array's byteOffset getter costs a runtime call each time in optimised code
  private readonly sumRows: Kernel['sumRows'];
  private readonly addRows: Kernel['addRows'];
  private readonly combine: Kernel['combine'];
  private readonly expSumOf: Kernel['expSum'];
  private readonly rankOf: Kernel['rank'];
  private readonly at: Readonly<Record<'offsets' | 'starts' | 'lengths' | 'coefs' | 'wordAcc' | 'charAcc' | 'bias' | 'scores' | 'mask' | 'maskedSum' | 'rankOrder' | 'rankValues', number>>;
  private readonly table: Int32Array;
  private readonly table16: Int16Array;
  private readonly tableCounts: Uint16Array;
  private readonly tableIdf: Float32Array;
  private readonly wordMask: number;
  private readonly charMask: number;
  /** where the character n-gram table starts (in slots) */
  private readonly charSlots: number;
  private readonly packed: Int32Array;
  private readonly dense: Int8Array;
  private readonly scale: number;
  private readonly buffer: FeatureBuffer;

  // memo of character n-gram rows per distinct word (in the kernel's memory: its word walk reads it)
  /** per slot: entry + 1 (0: empty); the word's hashes are in the entry */
  private readonly memoTable: Uint16Array;
  /**
   * Entries of `entryBytes`: the squared norm (f64: the sum over the word's distinct n-grams of
   * (occurrences * idf)^2), the unigram's table position (int32, -1: not a feature), the word's two
   * hashes (int32), 12 bytes unused, then the summed row (`stride` f32): looking a word up, and
   * reading its norm and unigram, take its row's first cache line only.
   */
  private readonly memoF64: Float64Array;
  private readonly memoI32: Int32Array;
  private readonly memoF32: Float32Array;
  /** an entry's size in int32 (or f32) units */
  private readonly entryInts: number;
  /** [0]: the entries in use */
  private readonly memoCount: Int32Array;
  /** a memo row while it is summed (in double precision, then kept as f32) */
  private readonly memoScratch: Float64Array;
  /** a word's distinct n-grams while its entry is made (table positions) */
  private readonly inWord: Int32Array;

  // the kernel's word walk (plain ASCII text): the text's bytes, the words' code units and lists
  private readonly textBytes: Uint8Array;
  private readonly encoder = new TextEncoder();
  private readonly codeUnits: Uint16Array;
  private readonly codesAt: number;
  private readonly walkHash: Int32Array;
  private readonly walkCheck: Int32Array;
  private readonly walkStart: Int32Array;
  private readonly walkLength: Int32Array;
  private readonly walkUnigram: Uint32Array;
  private readonly walkEntry: Int32Array;
  private readonly words: Kernel['words'];
  private readonly scoreWords: Kernel['scoreWords'];

  // the current message (and the counts in the table's slots: all zero between messages; at most a few thousand in the 2,000 characters read)
  /** distinct word-level features, in order of first occurrence (table positions; two per word at most) */
  private readonly wordOrder: Int32Array;
  /** where the memoised rows of the message's words start among the memo entries (f32 units) (in the kernel's memory: MAX_WORDS long) */
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
    // a packed row's length is kept in an int16 of the feature's slot
    if (c > 0x7fff) throw new Error(`invalid intent model: ${c} classes (at most 32767)`);
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
    // a row is dense when that takes no more memory than packed (a quarter of the classes or more):
    // fewer bytes to read, and four classes per SIMD operation where packed takes one entry at a time
    const isDense = (i: number): boolean => ((rowPtr[i + 1] as number) - (rowPtr[i] as number)) * PACKED_ENTRY_BYTES >= stride;
    for (let i = 0; i < f; i++) {
      if (isDense(i)) denseRows++;
      else packedLength += (rowPtr[i + 1] as number) - (rowPtr[i] as number);
    }

    const layout = new Layout();
    const cfgAt = layout.take(128);
    const tableAt = layout.take(slots * SLOT * 4);
    const denseAt0 = layout.take(denseRows * stride);
    const packedAt0 = layout.take(packedLength * 4);
    const entryBytes = stride * 4 + 32;
    const memoAt = layout.take(MEMO_ENTRIES * entryBytes);
    const memoTableAt = layout.take(MEMO_SLOTS * 2);
    const memoCountAt = layout.take(4);
    const orderAt = layout.take(MAX_WORDS * 2 * 4);
    const textAt = layout.take(MAX_CHARS);
    const codesAt = layout.take(MAX_CHARS * 2);
    const walkAt = Array.from({ length: 7 }, () => layout.take(MAX_WORDS * 4));
    const logsAt = layout.take((MAX_WORDS + 1) * 8);
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
    this.table16 = new Int16Array(buffer, tableAt, slots * SLOT * 2);
    this.tableCounts = new Uint16Array(buffer, tableAt, slots * SLOT * 2);
    this.tableIdf = new Float32Array(buffer, tableAt, slots * SLOT);
    this.dense = new Int8Array(buffer, denseAt0, denseRows * stride);
    this.packed = new Int32Array(buffer, packedAt0, packedLength);
    this.memoF64 = new Float64Array(buffer, memoAt, (MEMO_ENTRIES * entryBytes) / 8);
    this.memoI32 = new Int32Array(buffer, memoAt, (MEMO_ENTRIES * entryBytes) / 4);
    this.memoF32 = new Float32Array(buffer, memoAt, (MEMO_ENTRIES * entryBytes) / 4);
    this.entryInts = entryBytes / 4;
    this.memoTable = new Uint16Array(buffer, memoTableAt, MEMO_SLOTS);
    this.memoCount = new Int32Array(buffer, memoCountAt, 1);
    this.wordOrder = new Int32Array(buffer, orderAt, MAX_WORDS * 2);
    this.textBytes = new Uint8Array(buffer, textAt, MAX_CHARS);
    this.codeUnits = new Uint16Array(buffer, codesAt, MAX_CHARS);
    this.codesAt = codesAt;
    const [hashAt, checkAt, startAt, lengthAt, unigramAt, pairAt, entryAt] = walkAt as [number, number, number, number, number, number, number];
    this.walkHash = new Int32Array(buffer, hashAt, MAX_WORDS);
    this.walkCheck = new Int32Array(buffer, checkAt, MAX_WORDS);
    this.walkStart = new Int32Array(buffer, startAt, MAX_WORDS);
    this.walkLength = new Int32Array(buffer, lengthAt, MAX_WORDS);
    this.walkUnigram = new Uint32Array(buffer, unigramAt, MAX_WORDS);
    this.walkEntry = new Int32Array(buffer, entryAt, MAX_WORDS);
    // 1 + ln tf, the sublinear tf, as the JavaScript walk computes it (1 for tf = 1)
    const logs = new Float64Array(buffer, logsAt, MAX_WORDS + 1);
    for (let tf = 1; tf <= MAX_WORDS; tf++) logs[tf] = tf === 1 ? 1 : 1 + Math.log(tf);
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
    // the word walk's regions, in the order kernel.wat's `setup` reads them (then the scale, an f64 at 120)
    const cfg = new Int32Array(buffer, cfgAt, 32);
    cfg.set([
      textAt, codesAt, hashAt, checkAt, startAt, lengthAt, unigramAt, pairAt, entryAt,
      tableAt, wordSlots - 1, memoTableAt, MEMO_SLOTS - 1, MEMO_ENTRIES, memoCountAt, entryBytes,
      orderAt, offsetsAt, startsAt, lengthsAt, coefsAt, wordAccAt, charAccAt, biasAt, scoresAt, logsAt,
      weights.features.words ? 1 : 0, weights.features.bigrams ? 1 : 0,
    ]);
    new Float64Array(buffer, cfgAt + 120, 1)[0] = weights.weightScale;
    this.kernel.setup(cfgAt);
    this.words = this.kernel.words;
    this.scoreWords = this.kernel.scoreWords;
    this.sumRows = this.kernel.sumRows;
    this.addRows = this.kernel.addRows;
    this.combine = this.kernel.combine;
    this.expSumOf = this.kernel.expSum;
    this.rankOf = this.kernel.rank;
    this.at = {
      offsets: offsetsAt,
      starts: startsAt,
      lengths: lengthsAt,
      coefs: coefsAt,
      wordAcc: wordAccAt,
      charAcc: charAccAt,
      bias: biasAt,
      scores: scoresAt,
      mask: maskAt,
      maskedSum: maskedSumAt,
      rankOrder: rankOrderAt,
      rankValues: rankValuesAt,
    };
    this.wordMask = wordSlots - 1;
    this.charMask = charSlots - 1;
    this.charSlots = wordSlots;

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
        this.table16[base * 2 + ROW_LENGTH16] = DENSE;
        for (let k = from; k < to; k++) this.dense[denseAt + (classes[k] as number)] = quantised[k] as number;
        denseAt += stride;
      } else {
        this.table[base + ROW_START] = packedAt;
        this.table16[base * 2 + ROW_LENGTH16] = to - from;
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
    const length = this.table16[base * 2 + ROW_LENGTH16] as number;
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
    const at = this.at;
    return this.expSumOf(at.scores, max, inv, at.mask, at.maskedSum);
  }

  /**
   * The `k` (1 to classCount) largest of `scores` (the raw scores: before `expSum`), best first,
   * ties to the lower class, into `rankOrder[0..k)`; returns the first class of `summed` holding the
   * largest of their values, or -1 (none).
   */
  rank(k: number): number {
    const at = this.at;
    return this.rankOf(at.scores, this.classCount, at.mask, k, at.rankOrder, at.rankValues);
  }

  /** The sum over the classes of `summed` of the last `expSum`. */
  get summedExp(): number {
    return this.maskedSum[0] as number;
  }

  /** Scores `text` into `scores` (bias + scale * (word block + character block)); returns the maximum. */
  score(text: string): number {
    return this.loadAscii(text) ? this.scoreLoaded() : this.scoreUnicode(text);
  }

  /** the number of bytes `loadAscii` put in the kernel's memory */
  private loaded = 0;

  /**
   * Puts the text's first MAX_CHARS code units in the kernel's memory, one byte each, when they are
   * all plain ASCII (the usual message), and says whether they were; then the kernel's word walk
   * scores it, and any other text is walked here (`scoreUnicode`).
   */
  loadAscii(text: string): boolean {
    const n = Math.min(text.length, MAX_CHARS);
    // one byte written per code unit read: ASCII; encodeInto stops where the view is full
    const { read, written } = this.encoder.encodeInto(text, this.textBytes);
    this.loaded = n;
    return read === n && written === n;
  }

  /** The kernel's word walk over the text `loadAscii` loaded: the same scores as `scoreUnicode`, bit for bit. */
  private scoreLoaded(): number {
    const found = this.words(this.loaded);
    const words = found & 0xffff;
    if (found >>> 16 !== 0) {
      // words not in the memo yet: their entries are made here, in order, as `scoreUnicode` would
      const entry = this.walkEntry;
      for (let w = 0; w < words; w++) {
        if ((entry[w] as number) >= 0) continue;
        const from = ((this.walkStart[w] as number) - this.codesAt) >> 1;
        entry[w] = this.memoEntry(this.walkHash[w] as number, this.walkCheck[w] as number, this.codeUnits, from, this.walkLength[w] as number, this.walkUnigram[w] as number);
      }
    }
    return this.scoreWords(words);
  }

  /** `score` for any text, walked in JavaScript (the kernel's word walk reads plain ASCII only). */
  scoreUnicode(text: string): number {
    const fb = this.buffer;
    // at most MAX_WORDS (features.ts reads 2,000 code units, and no lower-cased unit starts two
    // words): the lists and the memo are sized for it; should that change, words past it are dropped
    const words = Math.min(fb.extractWords(text), MAX_WORDS);
    // the message's rows are summed after all its words are looked up: room for all of them
    if ((this.memoCount[0] as number) + words > MEMO_ENTRIES) {
      this.memoTable.fill(0);
      this.memoCount[0] = 0;
    }
    const counts = this.tableCounts;
    // word by word: the memoised character n-gram row and squared norm (see vectorise), and the
    // word-level features (the unigram's table position is memoised too), counted first and added
    // once their tf is known, in order of first occurrence (each word's unigram, then its pair)
    const wordOrder = this.wordOrder;
    const wordPair = fb.wordPair;
    const memoF64 = this.memoF64;
    const memoI32 = this.memoI32;
    const entryInts = this.entryInts;
    const rowOffsets = this.rowOffsets;
    let nWord = 0;
    let nRows = 0;
    let normChar = 0;
    for (let w = 0; w < words; w++) {
      const e = this.memoEntry(fb.wordHash[w] as number, fb.wordCheck[w] as number, fb.codes, fb.wordStart[w] as number, fb.wordLength[w] as number, fb.wordUnigram[w] as number);
      const norm = memoF64[(e * entryInts) >> 1] as number;
      if (norm !== 0) {
        normChar += norm;
        rowOffsets[nRows++] = e * entryInts + 8;
      }
      const unigram = memoI32[e * entryInts + 2] as number;
      if (unigram >= 0) {
        const seen = counts[unigram * 2 + COUNT16] as number;
        if (seen === 0) wordOrder[nWord++] = unigram;
        counts[unigram * 2 + COUNT16] = seen + 1;
      }
      const pairKey = wordPair[w] as number;
      if (pairKey === 0) continue;
      const pair = this.findWord(pairKey);
      if (pair < 0) continue;
      const seen = counts[pair * 2 + COUNT16] as number;
      if (seen === 0) wordOrder[nWord++] = pair;
      counts[pair * 2 + COUNT16] = seen + 1;
    }
    const at = this.at;
    if (nWord === 0 && nRows === 0) {
      this.wordAcc.fill(0);
      this.charAcc.fill(0);
      return this.combine(at.scores, at.bias, at.wordAcc, at.charAcc, 0, 0);
    }
    this.sumRows(at.charAcc, at.offsets, nRows);
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
      const tf = counts[base * 2 + COUNT16] as number;
      counts[base * 2 + COUNT16] = 0;
      // sublinear tf; log(1) = 0 spares the call for the usual single occurrence
      const v = (tf === 1 ? 1 : 1 + Math.log(tf)) * (tableIdf[base + IDF] as number);
      normWord += v * v;
      rowStarts[i] = table[base + ROW_START] as number;
      rowLengths[i] = this.table16[base * 2 + ROW_LENGTH16] as number;
      rowCoefs[i] = v;
    }
    this.addRows(at.wordAcc, at.starts, at.lengths, at.coefs, nWord);
    const invWord = normWord > 0 ? this.scale / Math.sqrt(normWord) : 0;
    const invChar = normChar > 0 ? this.scale / Math.sqrt(normChar) : 0;
    return this.combine(at.scores, at.bias, at.wordAcc, at.charAcc, invWord, invChar);
  }

  /**
   * The memo entry of the word with these hashes, code units (`codes[from..from+len)`) and unigram
   * key, made if it is new: the summed row of its known character n-grams (idf_f * w_f per
   * occurrence), the squared norm of its n-gram vector (occurrences * idf_f) and its unigram's
   * table position.
   */
  private memoEntry(hash: number, check: number, codes: Uint16Array, from: number, len: number, unigramKey: number): number {
    // open addressing on two independent 32-bit hashes of the word
    hash |= 0;
    check |= 0;
    const table = this.memoTable;
    const memoI32 = this.memoI32;
    const entryInts = this.entryInts;
    const mask = MEMO_SLOTS - 1;
    let slot = (hash ^ (hash >>> 15)) & mask;
    for (;;) {
      const entry = table[slot] as number;
      if (entry === 0) break;
      const at = (entry - 1) * entryInts;
      if (memoI32[at + 3] === hash && memoI32[at + 4] === check) return entry - 1;
      slot = (slot + 1) & mask;
    }
    const e = (this.memoCount[0] as number) | 0;
    this.memoCount[0] = e + 1;
    const row = this.memoScratch;
    row.fill(0);
    const n = this.buffer.charKeysOf(codes, from, len);
    const keys = this.buffer.charBuffer;
    const counts = this.tableCounts;
    const inWord = this.inWord;
    let distinct = 0;
    for (let i = 0; i < n; i++) {
      const base = this.findChar(keys[i] as number);
      if (base < 0) continue;
      this.addRow(row, base, this.tableIdf[base + IDF] as number);
      const seen = counts[base * 2 + COUNT16] as number;
      if (seen === 0) inWord[distinct++] = base;
      counts[base * 2 + COUNT16] = seen + 1;
    }
    let norm = 0;
    for (let i = 0; i < distinct; i++) {
      const base = inWord[i] as number;
      const u = (counts[base * 2 + COUNT16] as number) * (this.tableIdf[base + IDF] as number);
      counts[base * 2 + COUNT16] = 0;
      norm += u * u;
    }
    const at = e * entryInts;
    this.memoF32.set(row, at + 8);
    this.memoF64[at >> 1] = norm;
    memoI32[at + 2] = unigramKey === 0 ? -1 : this.findWord(unigramKey);
    memoI32[at + 3] = hash;
    memoI32[at + 4] = check;
    table[slot] = e + 1;
    return e;
  }
}
