import { fileURLToPath } from 'node:url';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/** Paths inside libs/detection, whether run from the sources (tsx) or from dist/. */
const root = here('..').replace(/\/dist\/libs\/detection\/?$/, '/libs/detection').replace(/\/$/, '');
export const LIB_ROOT = root.includes('/dist/') ? root.replace('/dist/', '/') : root;
export const BANKING77_TRAIN = `${LIB_ROOT}/data/banking77/train.csv`;
export const BANKING77_MAPPING = `${LIB_ROOT}/data/banking77/sensitivity.json`;
export const DEFAULT_MODEL_FILE = `${LIB_ROOT}/models/banking77-en.json`;
export const ENTITY_CORPUS = `${LIB_ROOT}/eval/entities.txt`;
export const OUT_OF_SCOPE = `${LIB_ROOT}/eval/out-of-scope.txt`;
export const IN_SCOPE = `${LIB_ROOT}/eval/in-scope.txt`;
