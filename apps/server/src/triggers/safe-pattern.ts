import { RE2 } from 're2-wasm';

export const MAX_PATTERN_LENGTH = 500;

/** Compiled patterns live in WebAssembly memory, which the RE2 wrapper does not free: reloading the
 * trigger set reuses them instead of compiling again. Bounded by the distinct patterns ever saved. */
const compiled = new Map<string, RE2>();
const MAX_CACHED = 5000;

/**
 * Compiles an admin-supplied pattern on RE2 (case-insensitive, Unicode). RE2 has no backtracking, so
 * no pattern can take more than linear time; constructs that need backtracking (backreferences,
 * lookarounds) are refused with an error.
 */
export function compilePattern(source: string): RE2 {
  const hit = compiled.get(source);
  if (hit) return hit;
  if (source.length === 0 || source.length > MAX_PATTERN_LENGTH) throw new Error('pattern length');
  const pattern = new RE2(source, 'iu');
  if (compiled.size < MAX_CACHED) compiled.set(source, pattern);
  return pattern;
}

/** null when the pattern compiles on RE2, else why not (without echoing input). */
export function patternProblem(source: string): string | null {
  if (source.length === 0) return 'must not be empty';
  if (source.length > MAX_PATTERN_LENGTH) return `must be at most ${MAX_PATTERN_LENGTH} characters`;
  try {
    const pattern = compilePattern(source);
    // A pattern that matches the empty string would fire on every message.
    if (pattern.test('')) return 'must not match an empty message';
    return null;
  } catch {
    return 'is not a supported regular expression (RE2 syntax: no backreferences or lookarounds)';
  }
}

/** Linear in the text's length (RE2); the text is never cut, which would change what `$` means. */
export function patternMatches(pattern: RE2, text: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(text);
}
