/**
 * Trains an intent model from a `text,label` CSV and a label -> sensitivity mapping.
 *
 *   npm run model:train -- --data corpus.csv --mapping mapping.json [--out model.json]
 *                          [--folds 5] [--floor 0.35] [--language en] [--seed 77]
 *
 * Defaults: BANKING77's training split and its mapping, written to models/banking77-en.json.
 * The temperature is fitted on out-of-fold scores of a stratified k-fold cross-validation (skip
 * with --folds 0), whose figures are printed and stored in the model's meta.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { crossValidate, parseLabelledCsv, trainIntentModel, type SensitivityMapping, type TrainOptions } from '../src/index.js';
import { readArgs } from './args.js';
import { BANKING77_MAPPING, BANKING77_TRAIN, DEFAULT_MODEL_FILE } from './paths.js';
import { chooseSensitiveThreshold } from './figures.js';

const args = readArgs(process.argv.slice(2));
const dataPath = args.get('data') ?? BANKING77_TRAIN;
const mappingPath = args.get('mapping') ?? BANKING77_MAPPING;
const outPath = args.get('out') ?? DEFAULT_MODEL_FILE;
const folds = Number(args.get('folds') ?? 5);
const isDefault = dataPath === BANKING77_TRAIN;

const rows = parseLabelledCsv(readFileSync(dataPath, 'utf8'));
const mapping = JSON.parse(readFileSync(mappingPath, 'utf8')) as SensitivityMapping;
const options: TrainOptions = {
  seed: Number(args.get('seed') ?? 77),
  language: args.get('language') ?? 'en',
  ...(args.has('floor') ? { floor: Number(args.get('floor')) } : {}),
  ...(args.has('epochs') ? { epochs: Number(args.get('epochs')) } : {}),
};
console.log(`training on ${rows.length} rows, ${new Set(rows.map((r) => r.label)).size} labels from ${dataPath}`);

let temperature = 1;
let sensitiveThreshold = 0.5;
const meta: Record<string, unknown> = {
  source: isDefault ? 'BANKING77 training split (PolyAI, CC BY 4.0)' : dataPath,
  credit: isDefault
    ? 'Casanueva, Temčinas, Gerz, Henderson, Vulić, "Efficient Intent Detection with Dual Sentence Encoders", NLP4ConvAI 2020, arXiv 2003.04807'
    : undefined,
};
if (folds >= 2) {
  const started = performance.now();
  const cv = crossValidate(rows, mapping, options, folds);
  temperature = cv.temperature;
  const s = chooseSensitiveThreshold(cv, mapping);
  sensitiveThreshold = s.threshold;
  meta['crossValidation'] = { folds, accuracy: round(cv.accuracy), sensitivePrecision: round(s.precision), sensitiveRecall: round(s.recall), sensitiveThreshold, temperature };
  console.log(`${folds}-fold CV: accuracy ${(cv.accuracy * 100).toFixed(2)}%, sensitive P ${s.precision.toFixed(3)} R ${s.recall.toFixed(3)} at threshold ${sensitiveThreshold}, temperature ${temperature} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
const started = performance.now();
const model = trainIntentModel(rows, mapping, { ...options, temperature, sensitiveThreshold, meta });
const json = JSON.stringify(model.toJSON());
writeFileSync(outPath, `${json}\n`);
console.log(`trained in ${((performance.now() - started) / 1000).toFixed(1)} s; wrote ${outPath} (${(json.length / 1024).toFixed(0)} KiB)`);

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
