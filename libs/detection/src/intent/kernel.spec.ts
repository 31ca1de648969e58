import { describe, expect, it } from '@jest/globals';
import { compileKernel } from '../../scripts/kernel.js';
import { KERNEL_WASM_BASE64 } from './kernel.wasm.js';

describe('intent scorer kernel', () => {
  it('is the committed build of kernel.wat (run `npm run build:kernel` after editing it)', async () => {
    const built = Buffer.from(await compileKernel()).toString('base64');
    expect(built).toBe(KERNEL_WASM_BASE64);
  });
});
