/**
 * `npm run compare:intent-models`: the intent model choice, by measurement. Stratified k-fold
 * cross-validation on BANKING77's training split only (same folds for every candidate):
 * nlp.js (defaults), fastText (WASM build, supervised, word bigrams + subwords) and this lib's
 * linear models over TF-IDF features. Prints 77-way accuracy, sensitive-vs-general P/R,
 * training seconds per fold and microseconds per prediction.
 *
 *   npm run compare:intent-models -- [--folds 5] [--only linear-softmax,fasttext,nlpjs,...]
 */
import { readFileSync } from 'node:fs';
import { containerBootstrap } from '@nlpjs/core';
import { LangEn } from '@nlpjs/lang-en-min';
import { Nlp } from '@nlpjs/nlp';
import { getFastTextModule } from 'fasttext.wasm.js';
import { parseLabelledCsv, stratifiedFolds, trainIntentModel, type SensitivityMapping, type TrainOptions } from '../src/index.js';
import { readArgs } from './args.js';
import { BANKING77_MAPPING, BANKING77_TRAIN } from './paths.js';

type Row = { text: string; label: string };
/** Trains on `train`, returns a predictor of the top label. */
type Candidate = (train: Row[]) => Promise<(text: string) => Promise<string> | string>;

const args = readArgs(process.argv.slice(2));
const k = Number(args.get('folds') ?? 5);
const only = args.get('only')?.split(',');
const rows = parseLabelledCsv(readFileSync(BANKING77_TRAIN, 'utf8'));
const mapping = JSON.parse(readFileSync(BANKING77_MAPPING, 'utf8')) as SensitivityMapping;
const folds = stratifiedFolds(
  rows.map((r) => r.label),
  k,
  77,
);

const linear =
  (options: TrainOptions): Candidate =>
  async (train) => {
    const model = trainIntentModel(train, mapping, options);
    return (text) => (model.predict(text, 1).top[0] as { label: string }).label;
  };

const nlpjs: Candidate = async (train) => {
  const container = await containerBootstrap();
  container.use(Nlp);
  container.use(LangEn);
  const nlp = container.get('nlp');
  nlp.settings['autoSave'] = false;
  nlp.settings['log'] = false;
  nlp.addLanguage('en');
  for (const r of train) nlp.addDocument('en', r.text, r.label);
  // nlp.js prints every training epoch
  const log = console.log;
  console.log = () => undefined;
  try {
    await nlp.train();
  } finally {
    console.log = log;
  }
  return async (text) => {
    const r = await nlp.process('en', text);
    return r.classifications?.[0]?.intent ?? r.intent;
  };
};

interface FtArgs {
  [key: string]: unknown;
}
interface FtVector {
  size(): number;
  get(i: number): [number, string];
  delete(): void;
}
interface FtNative {
  train(args: FtArgs, cb: () => void): void;
  predict(text: string, k: number, threshold: number): FtVector;
}
interface FtModule {
  FS: { writeFile(path: string, data: string): void };
  FastText: new () => FtNative;
  Args: new () => FtArgs;
  ModelName: Record<string, unknown>;
  LossName: Record<string, unknown>;
}

const fasttext: Candidate = async (train) => {
  const mod = (await getFastTextModule()) as unknown as FtModule;
  const clean = (t: string): string => t.toLowerCase().replace(/[^\p{L}\p{N}' ]+/gu, ' ').replace(/\s+/g, ' ').trim();
  mod.FS.writeFile('/train.txt', train.map((r) => `__label__${r.label} ${clean(r.text)}`).join('\n'));
  const ft = new mod.FastText();
  const a = new mod.Args();
  Object.assign(a, { input: '/train.txt', output: '/model', epoch: 30, lr: 0.5, wordNgrams: 2, dim: 100, minn: 3, maxn: 5, minCount: 1, bucket: 200000, thread: 1, verbose: 0, seed: 77 });
  a['model'] = mod.ModelName['supervised'];
  a['loss'] = mod.LossName['softmax'];
  ft.train(a, () => undefined);
  return (text) => {
    const v = ft.predict(clean(text), 1, 0);
    const label = v.size() > 0 ? v.get(0)[1].replace('__label__', '') : '';
    v.delete();
    return label;
  };
};

const candidates: Record<string, { describe: string; make: Candidate }> = {
  nlpjs: { describe: 'nlp.js 4 (@nlpjs/nlp, defaults, English stemmer)', make: nlpjs },
  fasttext: { describe: 'fastText WASM (fasttext.wasm.js; softmax, 30 epochs, word bigrams, char 3-5 subwords)', make: fasttext },
  'linear-words': {
    describe: 'linear softmax, TF-IDF word unigrams + bigrams only',
    make: linear({ features: { words: true, bigrams: true, charMin: 0, charMax: 0 } }),
  },
  'linear-hinge': { describe: 'linear multi-class SVM (hinge, averaged SGD), words + bigrams + char 2-5', make: linear({ loss: 'hinge', epochs: 10, learningRate: 0.5 }) },
  'linear-softmax': { describe: 'linear softmax (averaged SGD), words + bigrams + char 2-5 (chosen)', make: linear({}) },
};

console.log(`BANKING77 train.csv: ${rows.length} rows; stratified ${k}-fold cross-validation, same folds for all`);
console.log('| model | 77-way accuracy | sensitive precision | sensitive recall | train s/fold | us/prediction |');
console.log('|---|---|---|---|---|---|');
for (const [name, c] of Object.entries(candidates)) {
  if (only && !only.includes(name)) continue;
  let correct = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let trainMs = 0;
  let predictMs = 0;
  for (let fold = 0; fold < k; fold++) {
    const train = rows.filter((_, i) => folds[i] !== fold);
    const test = rows.filter((_, i) => folds[i] === fold);
    const t0 = performance.now();
    const predict = await c.make(train);
    trainMs += performance.now() - t0;
    const t1 = performance.now();
    for (const r of test) {
      const label = await predict(r.text);
      if (label === r.label) correct++;
      const p = mapping[label]?.sensitive === true;
      const a = mapping[r.label]?.sensitive === true;
      if (p && a) tp++;
      else if (p) fp++;
      else if (a) fn++;
    }
    predictMs += performance.now() - t1;
  }
  console.log(
    `| ${c.describe} | ${((correct / rows.length) * 100).toFixed(2)}% | ${(tp / Math.max(1, tp + fp)).toFixed(3)} | ${(tp / Math.max(1, tp + fn)).toFixed(3)} | ${(trainMs / k / 1000).toFixed(1)} | ${((predictMs * 1000) / rows.length).toFixed(1)} |`,
  );
}
