import { fileURLToPath } from 'node:url';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/** Paths inside libs/detection, whether run from the sources (tsx) or from dist/. */
const root = here('..').replace(/\/dist\/libs\/detection\/?$/, '/libs/detection').replace(/\/$/, '');
export const LIB_ROOT = root.includes('/dist/') ? root.replace('/dist/', '/') : root;
export const BANKING77_TRAIN = `${LIB_ROOT}/data/banking77/train.csv`;
export const BANKING77_MAPPING = `${LIB_ROOT}/data/banking77/sensitivity.json`;
export const DEFAULT_MODEL_FILE = `${LIB_ROOT}/models/banking77-en.json`;
export const ENTITY_CORPUS = `${LIB_ROOT}/eval/entities.txt`;
/** Written by another author without reading the recognisers; never used to tune them before its first run. */
export const ENTITY_HOLDOUT = `${LIB_ROOT}/eval/entities-holdout.txt`;
/** A second such corpus, written after the recognisers were improved on the first; its first run is the README's figure, its misses were then fixed as classes. */
export const ENTITY_HOLDOUT_2 = `${LIB_ROOT}/eval/entities-holdout-2.txt`;
/** A third, written blind after the fixes from the second; its first run is the README's figure. */
export const ENTITY_HOLDOUT_3 = `${LIB_ROOT}/eval/entities-holdout-3.txt`;
/** A fourth, written blind by another author a session later, the recognisers unchanged since the third's fixes; its first run is the README's figure. */
export const ENTITY_HOLDOUT_4 = `${LIB_ROOT}/eval/entities-holdout-4.txt`;
/** A fifth, written blind after the fourth's fixes; its first run is the README's figure. */
export const ENTITY_HOLDOUT_5 = `${LIB_ROOT}/eval/entities-holdout-5.txt`;
/** A sixth, written blind after the fifth's fixes and their review; its first run is the README's figure. */
export const ENTITY_HOLDOUT_6 = `${LIB_ROOT}/eval/entities-holdout-6.txt`;
/** A seventh, written blind after the password-shape rule; its first run is the README's figure. */
export const ENTITY_HOLDOUT_7 = `${LIB_ROOT}/eval/entities-holdout-7.txt`;
/** An eighth, written blind after the seventh's fixes and their review; its first run is the README's figure, nothing tuned on it. */
export const ENTITY_HOLDOUT_8 = `${LIB_ROOT}/eval/entities-holdout-8.txt`;
export const OUT_OF_SCOPE = `${LIB_ROOT}/eval/out-of-scope.txt`;
export const OUT_OF_SCOPE_HOLDOUT = `${LIB_ROOT}/eval/out-of-scope-holdout.txt`;
/** Out-of-scope training text (greetings, chit-chat, other domains): the `unknown` class. */
export const OUT_OF_SCOPE_TRAIN = `${LIB_ROOT}/data/out-of-scope/train.txt`;
