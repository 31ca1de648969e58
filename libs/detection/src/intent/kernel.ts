import { fromBase64 } from './codec.js';
import { KERNEL_WASM_BASE64 } from './kernel.wasm.js';

/** The part of the WebAssembly API used here (lib ES2023 and @types/node 20 do not declare it).
 * The kernel needs WebAssembly with SIMD (Node 16.4 and later, every current browser engine). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};

/** The exports of kernel.wat; addresses are byte offsets into `memory`. */
export interface Kernel {
  memory: WasmMemory;
  layout(dense: number, packed: number, memo: number, stride: number): void;
  sumRows(acc: number, offsets: number, n: number): void;
  addRows(acc: number, starts: number, lengths: number, coefs: number, n: number): void;
  combine(out: number, bias: number, word: number, char: number, invWord: number, invChar: number): number;
  expSum(out: number, max: number, inv: number, mask: number, sens: number): number;
  rank(vals: number, c: number, mask: number, k: number, order: number, top: number): number;
  /** the word walk (Scorer.score for plain ASCII text): its regions, from a block of int32 (scorer.ts) */
  setup(cfg: number): void;
  /** splits and looks up the words of the text's first `n` bytes; returns their number + 65536 * those not in the memo */
  words(n: number): number;
  /** the scores of the words listed by `words`; returns the maximum */
  scoreWords(words: number): number;
}

let kernelModule: object | null = null;

/** A new instance (with its own memory) of the kernel, compiled once per process. */
export function instantiateKernel(): Kernel {
  kernelModule ??= new WebAssembly.Module(fromBase64(KERNEL_WASM_BASE64));
  return new WebAssembly.Instance(kernelModule).exports as unknown as Kernel;
}
