import { describe, expect, it } from '@jest/globals';
import { compileKernel } from '../../scripts/kernel.js';
import { fromBase64 } from './codec.js';
import { instantiateKernel, type Kernel } from './kernel.js';
import { KERNEL_WASM_BASE64 } from './kernel.wasm.js';

function kernel(stride: number): Kernel {
  const k = instantiateKernel();
  k.layout(0, 0, 0, stride);
  return k;
}

describe('intent scorer kernel', () => {
  it('is the committed build of kernel.wat (run `npm run build:kernel` after editing it)', async () => {
    const built = await compileKernel();
    expect(Buffer.from(fromBase64(KERNEL_WASM_BASE64)).equals(Buffer.from(built))).toBe(true);
    // written in groups of 32 characters: no unbroken run a secret scanner could take for a token
    expect(KERNEL_WASM_BASE64).not.toMatch(/[A-Za-z0-9+/=]{33}/);
  });

  it('computes exp((x - max) * inv) within two units in the last place of the single nearest Math.exp, and sums the row and its masked classes lane by lane', () => {
    const stride = 1024;
    const k = kernel(stride);
    const row = new Float32Array(k.memory.buffer, 0, stride);
    const mask = new Float32Array(k.memory.buffer, stride * 4, stride);
    mask.set(Array.from({ length: stride }, (_, i) => (i % 3 === 1 || i % 7 === 0 ? 1 : 0)));
    const sensAt = stride * 8;
    const f = Math.fround;
    // the distance in representable singles (both are positive, so their bits order like them)
    const bits = new Int32Array(2);
    const asFloat = new Float32Array(bits.buffer);
    const ulps = (a: number, b: number): number => {
      asFloat[0] = a;
      asFloat[1] = b;
      return Math.abs((bits[0] as number) - (bits[1] as number));
    };
    let worst = 0;
    for (const inv of [1, 1 / 0.7378, 3.1]) {
      for (let round = 0; round < 8; round++) {
        const xs = Array.from({ length: stride }, (_, i) => f(-((i + round * stride) * 0.0917) % 120 + (i % 7) * 1e-5));
        row.set(xs);
        const max = Math.max(...xs);
        const sum = k.expSum(0, max, inv, stride * 4, sensAt);
        const lanes = [0, 0, 0, 0];
        const masked = [0, 0, 0, 0];
        xs.forEach((x, i) => {
          // the argument as the kernel takes it, in single precision, and no lower than -87
          const arg = Math.max(f(f(x - max) * f(inv)), -87);
          const got = row[i] as number;
          worst = Math.max(worst, ulps(got, f(Math.exp(arg))));
          lanes[i % 4] = f((lanes[i % 4] as number) + got);
          masked[i % 4] = f((masked[i % 4] as number) + f(got * (mask[i] as number)));
        });
        // four lanes summed in single precision, class by class, then added in double precision
        expect(sum).toBe((lanes[0] as number) + (lanes[1] as number) + (lanes[2] as number) + (lanes[3] as number));
        expect(new Float64Array(k.memory.buffer, sensAt, 1)[0]).toBe((masked[0] as number) + (masked[1] as number) + (masked[2] as number) + (masked[3] as number));
      }
    }
    expect(worst).toBeLessThanOrEqual(2);
    // far below the maximum: as exp(-87), never 0 or NaN
    row[0] = -1e6;
    row[1] = -Infinity;
    k.expSum(0, 0, 1, stride * 4, sensAt);
    expect(row[0]).toBeCloseTo(Math.exp(-87), 40);
    expect(row[0]).toBeGreaterThan(0);
    expect(row[1]).toBe(row[0]);
  });

  it('combines the blocks with the bias in order and returns the maximum', () => {
    const stride = 8;
    const k = kernel(stride);
    const bias = [0.5, -1, 2, 0.25, -3, 1.1, 0.7, -Infinity];
    const word = [1, 2, 3, 4, 5, 0.3, 9, 0];
    const char = [-1, 0.5, -2, 8, 1, 0.1, -0.4, 0];
    const view = new Float32Array(k.memory.buffer, 0, stride * 4);
    view.set(bias, stride);
    view.set(word, stride * 2);
    view.set(char, stride * 3);
    const max = k.combine(0, stride * 4, stride * 8, stride * 12, 0.3, 0.7);
    const f = Math.fround;
    const want = bias.map((b, i) => f(f(f(b) + f(f(0.3) * f(word[i] as number))) + f(f(0.7) * f(char[i] as number))));
    expect(Array.from(view.subarray(0, stride))).toEqual(want);
    expect(max).toBe(Math.max(...want));
  });

  it('adds packed and dense int8 rows (runs of one to five dense rows) exactly as a scalar loop in single precision does', () => {
    // 7 classes, so the row is padded to a stride of 8 (a multiple of four)
    const classes = 7;
    const stride = 8;
    const k = instantiateKernel();
    const denseAt = 0;
    const packedAt = 1024;
    const accAt = 2048;
    const startsAt = 4096;
    const lengthsAt = 4096 + 256;
    const coefsAt = 4096 + 512;
    k.layout(denseAt, packedAt, 0, stride);
    const dense = new Int8Array(k.memory.buffer, denseAt, 8 * stride);
    const denseRows = [
      [-128, 127, 0, 5, -7, 64, -1],
      [127, 127, 127, 127, 127, 127, 127],
      [-128, -128, -128, -128, -128, -128, -128],
      [1, -2, 3, -4, 5, -6, 7],
      [0, -1, 0, -128, 0, 127, 100],
      [33, -33, 66, -66, 99, -99, 11],
    ];
    denseRows.forEach((row, r) => dense.set(row, r * stride));
    const packed = new Int32Array(k.memory.buffer, packedAt, 16);
    // (class << 8 | weight as a byte)
    const entries = [
      [3, -128],
      [0, 127],
      [6, -5],
      [2, 9],
    ];
    entries.forEach(([c, w], i) => (packed[i] = ((c as number) << 8) | ((w as number) & 0xff)));
    // dense runs of five (four, then one), three, two and one, between packed rows
    const denseRow = (r: number, coef: number): { dense: boolean; start: number; length: number; coef: number } => ({ dense: true, start: r * stride, length: -1, coef });
    const rows: { dense: boolean; start: number; length: number; coef: number }[] = [
      { dense: false, start: 0, length: 2, coef: 0.3 },
      ...[0, 1, 2, 3, 4].map((r) => denseRow(r, 0.1 + r * 0.7)),
      { dense: false, start: 2, length: 2, coef: -1.25 },
      denseRow(5, 2.5e-3),
      denseRow(1, 1 / 3),
      denseRow(4, -0.9),
      { dense: false, start: 0, length: 1, coef: 7 },
      denseRow(3, 1.5),
      denseRow(0, -2),
      { dense: false, start: 1, length: 3, coef: 0.01 },
      denseRow(4, 3),
    ];
    new Int32Array(k.memory.buffer, startsAt, rows.length).set(rows.map((r) => r.start));
    new Int32Array(k.memory.buffer, lengthsAt, rows.length).set(rows.map((r) => r.length));
    new Float32Array(k.memory.buffer, coefsAt, rows.length).set(rows.map((r) => r.coef));
    const acc = new Float32Array(k.memory.buffer, accAt, stride);
    const start = Array.from({ length: stride }, (_, i) => (i < classes ? i * 0.5 - 1 : 0));
    acc.set(start);
    k.addRows(accAt, startsAt, lengthsAt, coefsAt, rows.length);
    // the scalar definition: row by row, class by class, each step rounded to single precision
    const f = Math.fround;
    const want = start.map(f);
    for (const r of rows) {
      const coef = f(r.coef);
      if (r.dense) for (let c = 0; c < stride; c++) want[c] = f((want[c] as number) + f(coef * (dense[r.start + c] as number)));
      else
        for (let e = r.start; e < r.start + r.length; e++) {
          const [c, w] = entries[e] as [number, number];
          want[c] = f((want[c] as number) + f(coef * w));
        }
    }
    // runs of dense rows are added several per pass, in the same order and operations
    expect(Array.from(acc)).toEqual(want);
  });

  it('ranks the k best values (ties to the lower class) and finds the best masked class, as a scalar definition does', () => {
    const k = kernel(4);
    const valsAt = 0;
    const maskAt = 1024;
    const orderAt = 2048;
    const topAt = 3072;
    let seed = 11;
    const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let round = 0; round < 600; round++) {
      const c = 1 + Math.floor(random() * 90);
      // few distinct values, so ties are common; raw scores, so some below zero
      const vals = Array.from({ length: c }, () => (random() < 0.1 ? -1e6 : Math.floor(random() * 12) / 4 - 1));
      const mask = Array.from({ length: c }, () => (random() < 0.4 ? 1 : 0));
      new Float32Array(k.memory.buffer, valsAt, c).set(vals);
      new Float32Array(k.memory.buffer, maskAt, c).set(mask);
      // half the rounds take at most three (the usual request, ranked without a branch on the values), half any number
      const topK = 1 + Math.floor(random() * (round % 2 === 0 ? Math.min(c, 3) : c));
      const best = k.rank(valsAt, c, maskAt, topK, orderAt, topAt);
      const ranked = vals.map((_, i) => i).sort((a, b) => (vals[b] as number) - (vals[a] as number) || a - b);
      expect(Array.from(new Int32Array(k.memory.buffer, orderAt, topK))).toEqual(ranked.slice(0, topK));
      expect(Array.from(new Float32Array(k.memory.buffer, topAt, topK))).toEqual(ranked.slice(0, topK).map((i) => vals[i]));
      let want = -1;
      mask.forEach((m, i) => {
        if (m === 1 && (want < 0 || (vals[i] as number) > (vals[want] as number))) want = i;
      });
      expect(best).toBe(want);
    }
  });
});
