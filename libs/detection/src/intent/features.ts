/**
 * Hashed text features for the intent model: word unigrams, word pairs and character n-grams
 * inside word boundaries. Features are 32-bit FNV-1a hashes computed without building strings,
 * so featurising a message costs a few microseconds and the model stores no vocabulary text.
 * Tokenisation is Unicode-aware (letters and digits of any script), so another language's corpus
 * trains the same way.
 */

export interface FeatureOptions {
  /** word unigrams */
  words: boolean;
  /** adjacent word pairs */
  bigrams: boolean;
  /** character n-gram range inside `<word>` (0 disables) */
  charMin: number;
  charMax: number;
}

export const DEFAULT_FEATURE_OPTIONS: FeatureOptions = { words: true, bigrams: true, charMin: 2, charMax: 5 };

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SEED_WORD = 0x1b873593;
const SEED_CHAR = 0x68e31da4;
const SEED_BIGRAM = 0x3c6ef372;
const MAX_WORD = 40;
/** Bounds the work for one message: the classifier only needs the start of a long text. */
export const MAX_CHARS = 2000;
/** The most words one text can have: a word and a separator take two code units, and lower-casing at most doubles a character (U+0130). */
export const MAX_WORDS = MAX_CHARS;

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
/** per BMP code unit: 0 not yet known, 1 a letter or digit, 2 not */
const WORD_CLASS = new Uint8Array(65536);

function isWordCode(code: number): boolean {
  if (code < 128) {
    return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || (code >= 65 && code <= 90);
  }
  if (code >= 0xd800 && code <= 0xdfff) return false;
  let k = WORD_CLASS[code] as number;
  if (k === 0) {
    k = LETTER_OR_DIGIT.test(String.fromCharCode(code)) ? 1 : 2;
    WORD_CLASS[code] = k;
  }
  return k === 1;
}

function mix(h: number, v: number): number {
  return Math.imul(h ^ v, FNV_PRIME) >>> 0;
}

function finalise(h: number): number {
  // murmur3 fmix32, so neighbouring keys spread over the table; 0 is the empty-slot marker
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  h >>>= 0;
  return h === 0 ? 2 : h;
}

/** Word features have the low bit clear, character n-grams set: the two blocks are normalised apart. */
function wordKey(h: number): number {
  return (finalise(h) & ~1) >>> 0 || 2;
}

function charKey(h: number): number {
  return (finalise(h) | 1) >>> 0;
}

/**
 * Calls `word(codes, length)` for each lower-cased word of a text (letters and digits; an
 * apostrophe inside a word is dropped; everything else separates; at most MAX_WORD code units
 * kept). `codes` is a shared buffer, valid during the call only. No strings are built.
 */
function forEachWord(text: string, word: (codes: Uint16Array, length: number) => void): void {
  const lower = (text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) : text).toLowerCase();
  const buf = WORD_BUFFER;
  let len = 0;
  let inWord = false;
  const n = lower.length;
  for (let i = 0; i < n; i++) {
    const code = lower.charCodeAt(i);
    if (isWordCode(code)) {
      inWord = true;
      if (len < MAX_WORD) buf[len++] = code;
    } else if (code === 39 && inWord) {
      // apostrophes inside a word are removed ("don't" -> "dont")
    } else if (inWord) {
      word(buf, len);
      len = 0;
      inWord = false;
    }
  }
  if (inWord) word(buf, len);
}

const WORD_BUFFER = new Uint16Array(MAX_WORD);

/** Lower-cased words of a text (letters and digits; everything else separates). */
export function tokenise(text: string): string[] {
  const words: string[] = [];
  forEachWord(text, (codes, length) => {
    words.push(String.fromCharCode(...codes.subarray(0, length)));
  });
  return words;
}

/**
 * Writes the character n-gram keys of one word (`codes[from..from+len)`) into `out` from
 * `at`; returns the new end. `out` needs room for (len + 2) * charMax keys.
 */
function charKeysInto(codes: Uint16Array, from: number, len: number, charMin: number, charMax: number, out: Uint32Array, at: number): number {
  // n-grams over "<" + w + ">", codes 1 and 2 stand for the boundary marks
  const n = len + 2;
  let count = at;
  for (let i = 0; i < n; i++) {
    let h = FNV_OFFSET ^ SEED_CHAR;
    const stop = Math.min(n, i + charMax);
    for (let j = i; j < stop; j++) {
      const c = j === 0 ? 1 : j === n - 1 ? 2 : (codes[from + j - 1] as number);
      h = mix(h, c);
      const l = j - i + 1;
      if (l >= charMin) out[count++] = charKey(mix(h, l));
    }
  }
  return count;
}

/**
 * Feature hashes of one text, written into reused buffers without building strings or arrays.
 * `extract` fills `keys[0..count)` with every feature (repeats kept). `extractWords` fills
 * `keys[0..count)` with the word-level features only (unigrams, pairs) and lists the words
 * (`wordStart`, `wordLength` into `codes`, and two independent hashes `wordHash`, `wordCheck`),
 * so a caller can handle each word's character n-grams as a unit (`charKeys`).
 */
export class FeatureBuffer {
  keys = new Uint32Array(1024);
  count = 0;
  codes = new Uint16Array(2048);
  wordStart = new Int32Array(256);
  wordLength = new Int32Array(256);
  wordHash = new Uint32Array(256);
  wordCheck = new Uint32Array(256);
  /** per word: its unigram key and the key of its pair with the word before (0: none, or not a feature of these options) */
  wordUnigram = new Uint32Array(256);
  wordPair = new Uint32Array(256);
  words = 0;
  /** n-gram keys of the last `charKeys` call */
  charBuffer: Uint32Array;
  private prev = 0;
  private first = true;
  private split = false;
  private codeCount = 0;

  constructor(private readonly options: FeatureOptions) {
    this.charBuffer = new Uint32Array((MAX_WORD + 2) * Math.max(1, options.charMax));
  }

  private ensure(extra: number): void {
    if (this.count + extra <= this.keys.length) return;
    let cap = this.keys.length * 2;
    while (cap < this.count + extra) cap *= 2;
    const next = new Uint32Array(cap);
    next.set(this.keys.subarray(0, this.count));
    this.keys = next;
  }

  private ensureWords(len: number): void {
    if (this.words >= this.wordStart.length) {
      const cap = this.wordStart.length * 2;
      const grow = <T extends Int32Array | Uint32Array>(a: T, make: (n: number) => T): T => {
        const b = make(cap);
        b.set(a);
        return b;
      };
      this.wordStart = grow(this.wordStart, (n) => new Int32Array(n));
      this.wordLength = grow(this.wordLength, (n) => new Int32Array(n));
      this.wordHash = grow(this.wordHash, (n) => new Uint32Array(n));
      this.wordCheck = grow(this.wordCheck, (n) => new Uint32Array(n));
      this.wordUnigram = grow(this.wordUnigram, (n) => new Uint32Array(n));
      this.wordPair = grow(this.wordPair, (n) => new Uint32Array(n));
    }
    if (this.codeCount + len > this.codes.length) {
      const b = new Uint16Array(Math.max(this.codes.length * 2, this.codeCount + len));
      b.set(this.codes.subarray(0, this.codeCount));
      this.codes = b;
    }
  }

  private readonly onWord = (w: Uint16Array, len: number): void => {
    const o = this.options;
    const charMin = o.charMin;
    const charMax = o.charMax;
    this.ensure(2 + (charMin > 0 && !this.split ? (len + 2) * Math.max(1, charMax) : 0));
    const keys = this.keys;
    let count = this.count;
    let wh = FNV_OFFSET ^ SEED_WORD;
    for (let i = 0; i < len; i++) wh = mix(wh, w[i] as number);
    const unigram = o.words ? wordKey(mix(wh, 1)) : 0;
    const pair = o.bigrams && !this.first ? wordKey(mix(mix(SEED_BIGRAM, this.prev), wh)) : 0;
    if (unigram !== 0) keys[count++] = unigram;
    if (pair !== 0) keys[count++] = pair;
    this.prev = wh;
    this.first = false;
    if (this.split) {
      this.ensureWords(len);
      const k = this.words++;
      const at = this.codeCount;
      let check = 0x9e3779b9 ^ len;
      for (let i = 0; i < len; i++) {
        const code = w[i] as number;
        this.codes[at + i] = code;
        check = Math.imul(check ^ code, 0x5bd1e995) >>> 0;
      }
      this.codeCount = at + len;
      this.wordStart[k] = at;
      this.wordLength[k] = len;
      this.wordHash[k] = wh;
      this.wordCheck[k] = check;
      this.wordUnigram[k] = unigram;
      this.wordPair[k] = pair;
    } else if (charMin > 0) {
      count = charKeysInto(w, 0, len, charMin, charMax, keys, count);
    }
    this.count = count;
  };

  /** Replaces the buffer's content by the features of `text`; returns the count. */
  extract(text: string): number {
    this.reset(false);
    forEachWord(text, this.onWord);
    return this.count;
  }

  /**
   * Word-level features into `keys`, and the list of words with their own features (`wordUnigram`,
   * `wordPair`: `keys` in order is each word's unigram then its pair); returns the number of words.
   */
  extractWords(text: string): number {
    this.reset(true);
    forEachWord(text, this.onWord);
    return this.words;
  }

  /** Character n-gram keys of word `k` of the last `extractWords` into `charBuffer`; returns the count (0 without n-grams). */
  charKeys(k: number): number {
    return this.charKeysOf(this.codes, this.wordStart[k] as number, this.wordLength[k] as number);
  }

  /** Character n-gram keys of the word `codes[from..from+len)` (lower-cased, as a word here is) into `charBuffer`; returns the count. */
  charKeysOf(codes: Uint16Array, from: number, len: number): number {
    const o = this.options;
    if (o.charMin <= 0) return 0;
    return charKeysInto(codes, from, len, o.charMin, o.charMax, this.charBuffer, 0);
  }

  private reset(split: boolean): void {
    this.count = 0;
    this.words = 0;
    this.codeCount = 0;
    this.prev = 0;
    this.first = true;
    this.split = split;
  }
}

/**
 * Appends the feature hashes of `text` to `out` (repeats kept: the caller counts them).
 * Returns `out`.
 */
export function featureHashes(text: string, options: FeatureOptions, out: number[] = []): number[] {
  const buffer = new FeatureBuffer(options);
  const count = buffer.extract(text);
  for (let i = 0; i < count; i++) out.push(buffer.keys[i] as number);
  return out;
}

/** Open-addressing hash table from a 32-bit feature hash to a dense feature index. */
export class FeatureIndex {
  private readonly keys: Uint32Array;
  private readonly values: Int32Array;
  private readonly mask: number;
  readonly size: number;

  constructor(hashes: ArrayLike<number>) {
    let cap = 16;
    while (cap < hashes.length * 2) cap *= 2;
    this.keys = new Uint32Array(cap);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
    this.size = hashes.length;
    for (let i = 0; i < hashes.length; i++) {
      const k = hashes[i] as number;
      let slot = k & this.mask;
      while (this.keys[slot] !== 0 && this.keys[slot] !== k) slot = (slot + 1) & this.mask;
      this.keys[slot] = k;
      this.values[slot] = i;
    }
  }

  get(hash: number): number {
    let slot = hash & this.mask;
    for (;;) {
      const k = this.keys[slot] as number;
      if (k === hash) return this.values[slot] as number;
      if (k === 0) return -1;
      slot = (slot + 1) & this.mask;
    }
  }
}

/** A sparse, L2-normalised TF-IDF vector. */
export interface SparseVector {
  idx: Int32Array;
  val: Float32Array;
}

/**
 * The model's message vector over known features, in two blocks normalised apart:
 *
 * - words (unigrams and adjacent pairs): sublinear tf, v_f = (1 + ln tf_f) * idf_f, L2-normalised;
 * - character n-grams: the sum over the message's words of each word's own vector u_w
 *   (u_w[f] = occurrences of f in w * idf_f), divided by sqrt(sum over words of |u_w|^2).
 *
 * The character block is a sum of per-word parts, each with its own squared norm, so a scorer can
 * keep one summed row and one norm per distinct word and add them up per message, with no count
 * across the message's n-grams (the exact L2 norm of the sum would need one). Where no n-gram is
 * shared between words the two norms are the same.
 *
 * `scratch` must be an Int32Array of the vocabulary size, all zeros; it is left all zeros.
 */
export function vectorise(text: string, index: FeatureIndex, idf: Float32Array, scratch: Int32Array, buffer: FeatureBuffer): SparseVector {
  const words = buffer.extractWords(text);
  const touched: number[] = [];
  // word block: counted over the message
  for (let i = 0; i < buffer.count; i++) {
    const f = index.get(buffer.keys[i] as number);
    if (f < 0) continue;
    if (scratch[f] === 0) touched.push(f);
    scratch[f] = (scratch[f] as number) + 1;
  }
  const values = new Map<number, number>();
  let wordNorm = 0;
  for (const f of touched) {
    const v = (1 + Math.log(scratch[f] as number)) * (idf[f] as number);
    scratch[f] = 0;
    values.set(f, v);
    wordNorm += v * v;
  }
  const wordBlock = [...values.keys()];
  // character block: counted within each word
  const charValues = new Map<number, number>();
  let charNorm = 0;
  for (let w = 0; w < words; w++) {
    const n = buffer.charKeys(w);
    const inWord: number[] = [];
    for (let i = 0; i < n; i++) {
      const f = index.get(buffer.charBuffer[i] as number);
      if (f < 0) continue;
      if (scratch[f] === 0) inWord.push(f);
      scratch[f] = (scratch[f] as number) + 1;
    }
    for (const f of inWord) {
      const u = (scratch[f] as number) * (idf[f] as number);
      scratch[f] = 0;
      charValues.set(f, (charValues.get(f) ?? 0) + u);
      charNorm += u * u;
    }
  }
  const idx = new Int32Array(wordBlock.length + charValues.size);
  const val = new Float32Array(idx.length);
  const invWord = wordNorm > 0 ? 1 / Math.sqrt(wordNorm) : 0;
  const invChar = charNorm > 0 ? 1 / Math.sqrt(charNorm) : 0;
  let k = 0;
  for (const f of wordBlock) {
    idx[k] = f;
    val[k++] = (values.get(f) as number) * invWord;
  }
  for (const [f, u] of charValues) {
    idx[k] = f;
    val[k++] = u * invChar;
  }
  return { idx, val };
}
