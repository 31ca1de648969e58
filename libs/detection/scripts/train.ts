/**
 * Trains an intent model from a `text,label` CSV and a label -> sensitivity mapping.
 *
 *   npm run model:train -- --data corpus.csv --mapping mapping.json [--out model.json]
 *                          [--out-of-scope texts.txt | --out-of-scope none]
 *                          [--folds 5] [--floor 0.35] [--language en] [--seed 77]
 *
 * Defaults: BANKING77's training split and its mapping, written to models/banking77-en.json, with
 * data/out-of-scope/train.txt (one text per line) as the `unknown` class: greetings, chit-chat and
 * other domains the model must not force a banking intent on. A bank's own corpus can bring its
 * own out-of-scope text in the same format, or `none`.
 * The temperature is fitted on out-of-fold scores of a stratified k-fold cross-validation (skip
 * with --folds 0), whose figures are printed and stored in the model's meta.
 */
import { writeFileSync } from 'node:fs';
import { crossValidate, DEFAULT_TRAIN_OPTIONS, trainIntentModel, type TrainOptions } from '../src/index.js';
import { readArgs } from './args.js';
import { BANKING77_MAPPING, BANKING77_TRAIN, DEFAULT_MODEL_FILE, OUT_OF_SCOPE_TRAIN } from './paths.js';
import { loadTrainingData } from './training-data.js';
import { chooseSensitiveThreshold, outOfScopeFigures, topLabelAccuracy } from './figures.js';

const args = readArgs(process.argv.slice(2));
const dataPath = args.get('data') ?? BANKING77_TRAIN;
const mappingPath = args.get('mapping') ?? BANKING77_MAPPING;
const outPath = args.get('out') ?? DEFAULT_MODEL_FILE;
const folds = Number(args.get('folds') ?? 5);
const isDefault = dataPath === BANKING77_TRAIN;

const outOfScopeArg = args.get('out-of-scope') ?? (isDefault ? OUT_OF_SCOPE_TRAIN : 'none');
const outOfScopePath = outOfScopeArg === 'none' ? null : outOfScopeArg;
const { rows, mapping, outOfScope } = loadTrainingData(dataPath, mappingPath, outOfScopePath);
const options: TrainOptions = {
  seed: Number(args.get('seed') ?? 77),
  language: args.get('language') ?? 'en',
  ...(args.has('floor') ? { floor: Number(args.get('floor')) } : {}),
  ...(args.has('epochs') ? { epochs: Number(args.get('epochs')) } : {}),
};
console.log(`training on ${rows.length - outOfScope} rows, ${new Set(rows.map((r) => r.label)).size - (outOfScope > 0 ? 1 : 0)} labels from ${dataPath}, plus ${outOfScope} out-of-scope rows${outOfScopePath ? ` from ${outOfScopePath}` : ''}`);

let temperature = 1;
let sensitiveThreshold = 0.5;
const meta: Record<string, unknown> = {
  source: isDefault ? 'BANKING77 training split (PolyAI, CC BY 4.0)' : dataPath,
  outOfScope: outOfScopePath ? { rows: outOfScope, source: outOfScopePath === OUT_OF_SCOPE_TRAIN ? 'data/out-of-scope/train.txt (written for this project)' : outOfScopePath } : undefined,
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
  const accuracy = topLabelAccuracy(cv, 'in-scope');
  const endToEnd = topLabelAccuracy(cv);
  const oos = outOfScopeFigures(cv, options.floor ?? DEFAULT_TRAIN_OPTIONS.floor);
  meta['crossValidation'] = {
    folds,
    accuracy: round(accuracy),
    endToEndAccuracy: round(endToEnd),
    sensitivePrecision: round(s.precision),
    sensitiveRecall: round(s.recall),
    sensitiveThreshold,
    temperature,
    ...(oos.rows > 0 ? { outOfScopeRecall: round(oos.recall), inScopeAnsweredUnknown: round(oos.inScopeLost) } : {}),
  };
  console.log(
    `${folds}-fold CV: accuracy among the in-scope labels ${(accuracy * 100).toFixed(2)}% (end to end ${(endToEnd * 100).toFixed(2)}%), sensitive P ${s.precision.toFixed(3)} R ${s.recall.toFixed(3)} at threshold ${sensitiveThreshold}, temperature ${temperature}` +
      (oos.rows > 0 ? `, out-of-scope recall ${(oos.recall * 100).toFixed(1)}%, in-scope answered unknown ${(oos.inScopeLost * 100).toFixed(1)}%` : '') +
      ` (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
}
const started = performance.now();
const model = trainIntentModel(rows, mapping, { ...options, temperature, sensitiveThreshold, meta });
const json = JSON.stringify(model.toJSON());
writeFileSync(outPath, `${json}\n`);
console.log(`trained in ${((performance.now() - started) / 1000).toFixed(1)} s; wrote ${outPath} (${(json.length / 1024).toFixed(0)} KiB)`);

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
