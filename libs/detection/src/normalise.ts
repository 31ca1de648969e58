/**
 * Normalisation so that evasions still match: NFKC per code point (full-width digits, ligatures),
 * digits of other scripts to ASCII, invisible characters removed, every dash to `-`, every space
 * to ` `, control characters to ` `, lone surrogates to U+FFFD, and runs of digits spelled out in
 * English ("four one one one", "double five") to digits.
 *
 * Every character of the result keeps the range of the original it came from, so a span found in
 * the normalised text maps back to the original string.
 */
export interface NormalisedText {
  text: string;
  /** start[i], end[i]: the original UTF-16 range that normalised character i came from */
  start: Int32Array;
  end: Int32Array;
}

/** As NormalisedText; `null` ranges mean the identity map (plain text, nothing changed). */
export interface NormalisedView {
  text: string;
  start: Int32Array | null;
  end: Int32Array | null;
}

const INVISIBLE = /^[\p{Cf}\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u3164\uFE00-\uFE0F\uFFA0]$/u;
const DASH = /^[\p{Pd}\u2212\u2012\uFE63\uFF0D]$/u;
const SPACE = /^[\p{Zs}\p{Zl}\p{Zp}\u0085]$/u;
const CONTROL = /^\p{Cc}$/u;
const DECIMAL_DIGIT = /^\p{Nd}$/u;
const NEEDS_WORK = /[^\t\n\r\x20-\x7e]/;

const cache = new Map<number, string>();

/** The normalised form of one non-ASCII code point ('' drops it). */
function normaliseCodePoint(cp: number): string {
  const hit = cache.get(cp);
  if (hit !== undefined) return hit;
  const ch = String.fromCodePoint(cp);
  let out: string;
  if (INVISIBLE.test(ch)) out = '';
  else if (CONTROL.test(ch)) out = ' ';
  else if (SPACE.test(ch)) out = ' ';
  else if (DASH.test(ch)) out = '-';
  else {
    out = ch.normalize('NFKC');
    if (out.length === 1 && DECIMAL_DIGIT.test(out) && out > '9') out = String(digitValue(out.codePointAt(0) as number));
    else if (out !== ch) {
      // NFKC may give a dash or a space too (e.g. the small hyphen-minus)
      let mapped = '';
      for (const c of out) mapped += DASH.test(c) ? '-' : SPACE.test(c) ? ' ' : c;
      out = mapped;
    }
  }
  if (cache.size < 4096) cache.set(cp, out);
  return out;
}

/** Unicode decimal digits come in contiguous blocks of ten starting at zero. */
function digitValue(cp: number): number {
  let zero = cp;
  while (zero > 0 && DECIMAL_DIGIT.test(String.fromCodePoint(zero - 1)) && cp - zero < 50) zero--;
  return (cp - zero) % 10;
}

function stageOne(input: string): NormalisedView {
  const n = input.length;
  // plain printable ASCII (the usual message) is its own normal form: no maps are built
  if (!NEEDS_WORK.test(input)) return { text: input, start: null, end: null };
  const parts: string[] = [];
  const start: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < n; ) {
    const code = input.charCodeAt(i);
    let width = 1;
    let out: string;
    if (code < 0x80) {
      out = code === 9 || code === 10 || code === 13 || (code >= 0x20 && code < 0x7f) ? (input[i] as string) : ' ';
    } else if (code >= 0xd800 && code <= 0xdbff) {
      const next = input.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        width = 2;
        out = normaliseCodePoint(((code - 0xd800) << 10) + (next - 0xdc00) + 0x10000);
      } else out = '\uFFFD';
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      out = '\uFFFD';
    } else {
      out = normaliseCodePoint(code);
    }
    for (let k = 0; k < out.length; k++) {
      start.push(i);
      end.push(i + width);
    }
    parts.push(out);
    i += width;
  }
  return { text: parts.join(''), start: Int32Array.from(start), end: Int32Array.from(end) };
}

const DIGIT_WORDS: Record<string, string> = {
  zero: '0',
  oh: '0',
  nought: '0',
  nil: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
};
const REPEAT_WORDS: Record<string, number> = { double: 2, triple: 3 };
const DIGIT_WORD_ALTERNATIVES = Object.keys(DIGIT_WORDS).join('|');
const RUN_WORD_ALTERNATIVES = [...Object.keys(DIGIT_WORDS), ...Object.keys(REPEAT_WORDS)].join('|');
/** A digit spelled as a word; every spelled run holds one (also read by the detector's quick test). */
export const DIGIT_WORD_SOURCE = `\\b(?:${DIGIT_WORD_ALTERNATIVES})\\b`;
const HAS_DIGIT_WORD = new RegExp(DIGIT_WORD_SOURCE, 'i');
/**
 * Two words of a spelled run next to each other ("four one", "double five"): every run of at least
 * MIN_SPELLED_RUN digits has such a pair (words are whole runs of ASCII letters, as below), so a
 * text without one is left as it is. "one" and "two" alone are common words.
 */
const SPELLED_PAIR = new RegExp(`(?<![A-Za-z])(?:${RUN_WORD_ALTERNATIVES})[ ,.\\t-]{1,3}(?:${RUN_WORD_ALTERNATIVES})(?![A-Za-z])`, 'i');
/** at least this many digits spelled in a row are turned into digits (at least 2: see SPELLED_PAIR) */
const MIN_SPELLED_RUN = 3;

interface Word {
  start: number;
  end: number;
  lower: string;
}

function isLetter(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
}

function isRunSeparator(code: number): boolean {
  // space, comma, dash, dot
  return code === 32 || code === 44 || code === 45 || code === 46 || code === 9;
}

/** Replaces runs of spelled-out digits by digits; the separators inside a run are dropped. */
function stageTwo(n1: NormalisedView): NormalisedView {
  const t = n1.text;
  // the first test is the quicker, the second the one that rules out most texts it lets through
  if (!HAS_DIGIT_WORD.test(t) || !SPELLED_PAIR.test(t)) return n1;
  const words: Word[] = [];
  for (let i = 0; i < t.length; ) {
    if (!isLetter(t.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i;
    while (j < t.length && isLetter(t.charCodeAt(j))) j++;
    if (j - i <= 7) words.push({ start: i, end: j, lower: t.slice(i, j).toLowerCase() });
    else words.push({ start: i, end: j, lower: '' });
    i = j;
  }
  // runs: consecutive digit words, separated only by up to 3 separator characters
  interface Run {
    start: number;
    end: number;
    digits: { ch: string; from: number; to: number }[];
  }
  const runs: Run[] = [];
  let current: Run | null = null;
  let prevEnd = -1;
  let pendingRepeat: Word | null = null;
  const close = (): void => {
    if (current && current.digits.length >= MIN_SPELLED_RUN) {
      const real = current.digits.filter((d) => d.ch !== '0').length;
      const ohOnly = current.digits.length - real;
      if (real >= 2 || ohOnly === 0) runs.push(current);
    }
    current = null;
    pendingRepeat = null;
  };
  for (const w of words) {
    const gapOk = prevEnd >= 0 && w.start - prevEnd <= 3 && allSeparators(t, prevEnd, w.start);
    if (!gapOk) {
      if (current || pendingRepeat) close();
    }
    const digit = DIGIT_WORDS[w.lower];
    const repeat = REPEAT_WORDS[w.lower];
    if (repeat !== undefined) {
      if (pendingRepeat) close();
      pendingRepeat = w;
      prevEnd = w.end;
      continue;
    }
    if (digit !== undefined) {
      const runStart: number = pendingRepeat ? pendingRepeat.start : w.start;
      if (!current) current = { start: runStart, end: w.end, digits: [] };
      const times = pendingRepeat ? (REPEAT_WORDS[pendingRepeat.lower] as number) : 1;
      for (let k = 0; k < times; k++) current.digits.push({ ch: digit, from: runStart, to: w.end });
      current.end = w.end;
      pendingRepeat = null;
      prevEnd = w.end;
      continue;
    }
    close();
    prevEnd = w.end;
  }
  close();
  if (runs.length === 0) return n1;
  const parts: string[] = [];
  const start: number[] = [];
  const end: number[] = [];
  let pos = 0;
  const startOf = (i: number): number => (n1.start ? (n1.start[i] as number) : i);
  const endOf = (i: number): number => (n1.end ? (n1.end[i] as number) : i + 1);
  const copy = (from: number, to: number): void => {
    parts.push(t.slice(from, to));
    for (let i = from; i < to; i++) {
      start.push(startOf(i));
      end.push(endOf(i));
    }
  };
  for (const run of runs) {
    copy(pos, run.start);
    for (const d of run.digits) {
      parts.push(d.ch);
      start.push(startOf(d.from));
      end.push(endOf(d.to - 1));
    }
    pos = run.end;
  }
  copy(pos, t.length);
  return { text: parts.join(''), start: Int32Array.from(start), end: Int32Array.from(end) };
}

function allSeparators(t: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isRunSeparator(t.charCodeAt(i))) return false;
  return true;
}

export function normalise(text: string): NormalisedText {
  const view = normaliseView(text);
  if (view.start && view.end) return { text: view.text, start: view.start, end: view.end };
  const n = view.text.length;
  const start = new Int32Array(n);
  const end = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    start[i] = i;
    end[i] = i + 1;
  }
  return { text: view.text, start, end };
}

/** `normalise` without building the identity map for text that needed no change. */
export function normaliseView(text: string): NormalisedView {
  const input = typeof text === 'string' ? text : '';
  return stageTwo(stageOne(input));
}

/** Maps a [start, end) range of the normalised text back to the original string. */
export function toOriginalRange(n: NormalisedText | NormalisedView, start: number, end: number): { start: number; end: number } {
  const length = n.start ? n.start.length : n.text.length;
  const startOf = (i: number): number => (n.start ? (n.start[i] as number) : i);
  const endOf = (i: number): number => (n.end ? (n.end[i] as number) : i + 1);
  if (end <= start || length === 0) {
    const at = start < length ? startOf(start) : length > 0 ? endOf(length - 1) : 0;
    return { start: at, end: at };
  }
  return { start: startOf(start), end: endOf(end - 1) };
}
