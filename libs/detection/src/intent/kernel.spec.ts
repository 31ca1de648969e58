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

  it('computes exp((x - max) * inv) within one unit in the last place of Math.exp, and sums the row and its masked classes in order', () => {
    const stride = 1024;
    const k = kernel(stride);
    const row = new Float64Array(k.memory.buffer, 0, stride);
    const mask = new Float64Array(k.memory.buffer, stride * 8, stride);
    mask.set(Array.from({ length: stride }, (_, i) => (i % 3 === 1 || i % 7 === 0 ? 1 : 0)));
    const sensAt = stride * 16;
    // the distance in representable doubles (both are positive, so their bits order like them)
    const bits = new BigInt64Array(2);
    const asFloat = new Float64Array(bits.buffer);
    const ulps = (a: number, b: number): number => {
      asFloat[0] = a;
      asFloat[1] = b;
      const d = (bits[0] as bigint) - (bits[1] as bigint);
      return Number(d < 0n ? -d : d);
    };
    let worst = 0;
    for (const inv of [1, 1 / 0.7378, 3.1]) {
      for (let round = 0; round < 8; round++) {
        const xs = Array.from({ length: stride }, (_, i) => -((i + round * stride) * 0.0917) % 200 + (i % 7) * 1e-9);
        row.set(xs);
        const max = Math.max(...xs);
        const sum = k.expSum(0, max, inv, stride * 8, sensAt);
        xs.forEach((x, i) => {
          const want = Math.exp((x - max) * inv);
          const got = row[i] as number;
          worst = Math.max(worst, ulps(got, want));
        });
        // the sums a scalar loop over the kernel's exps takes, bit for bit
        let wantSum = 0;
        let wantMasked = 0;
        for (let i = 0; i < stride; i++) {
          wantSum += row[i] as number;
          if (mask[i] === 1) wantMasked += row[i] as number;
        }
        expect(sum).toBe(wantSum);
        expect(new Float64Array(k.memory.buffer, sensAt, 1)[0]).toBe(wantMasked);
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
    // far below the maximum: as exp(-700), never 0 or NaN
    row[0] = -1e6;
    row[1] = -Infinity;
    k.expSum(0, 0, 1, stride * 8, sensAt);
    expect(row[0]).toBeCloseTo(Math.exp(-700), 310);
    expect(row[1]).toBeGreaterThan(0);
  });

  it('combines the blocks with the bias in order and returns the maximum', () => {
    const stride = 6;
    const k = kernel(stride);
    const bias = [0.5, -1, 2, 0.25, -3, -Infinity];
    const word = [1, 2, 3, 4, 5, 0];
    const char = [-1, 0.5, -2, 8, 1, 0];
    const view = new Float64Array(k.memory.buffer, 0, stride * 4);
    view.set(bias, stride);
    view.set(word, stride * 2);
    view.set(char, stride * 3);
    const max = k.combine(0, stride * 8, stride * 16, stride * 24, 0.3, 0.7);
    const want = bias.map((b, i) => b + 0.3 * (word[i] as number) + 0.7 * (char[i] as number));
    expect(Array.from(view.subarray(0, stride))).toEqual(want);
    expect(max).toBe(Math.max(...want));
  });

  it('adds packed and dense int8 rows (runs of one to five dense rows) exactly as a scalar loop does', () => {
    // 7 classes: an odd count, so the row is padded to a stride of 8
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
    new Float64Array(k.memory.buffer, coefsAt, rows.length).set(rows.map((r) => r.coef));
    const acc = new Float64Array(k.memory.buffer, accAt, stride);
    const start = Array.from({ length: stride }, (_, i) => (i < classes ? i * 0.5 - 1 : 0));
    acc.set(start);
    k.addRows(accAt, startsAt, lengthsAt, coefsAt, rows.length);
    // the scalar definition: row by row, class by class
    const want = [...start];
    for (const r of rows) {
      if (r.dense) for (let c = 0; c < stride; c++) want[c] = (want[c] as number) + r.coef * (dense[r.start + c] as number);
      else
        for (let e = r.start; e < r.start + r.length; e++) {
          const [c, w] = entries[e] as [number, number];
          want[c] = (want[c] as number) + r.coef * w;
        }
    }
    // runs of dense rows are added several per pass, in the same order and operations
    expect(Array.from(acc)).toEqual(want);
  });

  it('ranks the k best values (ties to the lower class) and finds the best masked class, as a scalar definition does', () => {
    const k = kernel(2);
    const valsAt = 0;
    const maskAt = 1024;
    const orderAt = 2048;
    const topAt = 3072;
    let seed = 11;
    const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let round = 0; round < 300; round++) {
      const c = 1 + Math.floor(random() * 90);
      // few distinct values, so ties are common; sometimes -1 (below which nothing counts as best)
      const vals = Array.from({ length: c }, () => (random() < 0.1 ? -1 : Math.floor(random() * 12) / 4));
      const mask = Array.from({ length: c }, () => (random() < 0.4 ? 1 : 0));
      new Float64Array(k.memory.buffer, valsAt, c).set(vals);
      new Float64Array(k.memory.buffer, maskAt, c).set(mask);
      const topK = 1 + Math.floor(random() * c);
      const best = k.rank(valsAt, c, maskAt, topK, orderAt, topAt);
      const ranked = vals.map((_, i) => i).sort((a, b) => (vals[b] as number) - (vals[a] as number) || a - b);
      expect(Array.from(new Int32Array(k.memory.buffer, orderAt, topK))).toEqual(ranked.slice(0, topK));
      expect(Array.from(new Float64Array(k.memory.buffer, topAt, topK))).toEqual(ranked.slice(0, topK).map((i) => vals[i]));
      let want = -1;
      mask.forEach((m, i) => {
        if (m === 1 && (vals[i] as number) > (want < 0 ? -1 : (vals[want] as number))) want = i;
      });
      expect(best).toBe(want);
    }
  });
});
