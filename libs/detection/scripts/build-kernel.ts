/** `npm run build:kernel`: compiles src/intent/kernel.wat into src/intent/kernel.wasm.ts. */
import { writeFileSync } from 'node:fs';
import { compileKernel, KERNEL_MODULE, kernelModuleSource } from './kernel.js';

const bytes = await compileKernel();
writeFileSync(KERNEL_MODULE, kernelModuleSource(bytes));
console.log(`${KERNEL_MODULE}: ${bytes.length} bytes`);
