/**
 * `npm run eval:detection`: entity precision/recall/F2 on the labelled corpora (the development one
 * and three held-out ones), then the intent model's stratified 5-fold cross-validation on BANKING77's
 * training split plus the out-of-scope training text (77-way accuracy on the in-scope rows,
 * sensitive-vs-general precision/recall, calibration, out-of-scope recall) and the out-of-scope
 * check of the committed model on text it never saw (eval/out-of-scope*.txt). `--verbose` lists
 * every miss; `--skip-intent` stops after the entities; `--out-of-scope none` leaves the
 * out-of-scope class out of the cross-validation.
 */
import { readFileSync } from 'node:fs';
import { crossValidate, Detector, IntentModel, UNKNOWN_INTENT } from '../src/index.js';
import { readArgs } from './args.js';
import { evaluateEntities, loadCorpus } from './eval-entities.js';
import { chooseSensitiveThreshold, expectedCalibrationError, outOfScopeFigures, sensitiveFigures, topLabelAccuracy } from './figures.js';
import { BANKING77_MAPPING, BANKING77_TRAIN, DEFAULT_MODEL_FILE, ENTITY_CORPUS, ENTITY_HOLDOUT, ENTITY_HOLDOUT_2, ENTITY_HOLDOUT_3, ENTITY_HOLDOUT_4, ENTITY_HOLDOUT_5, ENTITY_HOLDOUT_6, ENTITY_HOLDOUT_7, ENTITY_HOLDOUT_8, OUT_OF_SCOPE, OUT_OF_SCOPE_HOLDOUT, OUT_OF_SCOPE_TRAIN } from './paths.js';
import { loadTrainingData, readLines } from './training-data.js';

const args = readArgs(process.argv.slice(2));
const verbose = args.has('verbose');
const f3 = (x: number): string => x.toFixed(3);

const corpora = [
  { name: 'development corpus (eval/entities.txt, written with the recognisers)', path: ENTITY_CORPUS },
  { name: 'held-out corpus (eval/entities-holdout.txt, written by another author without reading the recognisers)', path: ENTITY_HOLDOUT },
  { name: 'second held-out corpus (eval/entities-holdout-2.txt, written blind after the recognisers were improved on the first)', path: ENTITY_HOLDOUT_2 },
  { name: 'third held-out corpus (eval/entities-holdout-3.txt, written blind after the fixes from the second, stressing the context-driven types)', path: ENTITY_HOLDOUT_3 },
  { name: 'fourth held-out corpus (eval/entities-holdout-4.txt, written blind a session later)', path: ENTITY_HOLDOUT_4 },
  { name: 'fifth held-out corpus (eval/entities-holdout-5.txt, written blind after the fourth\'s fixes)', path: ENTITY_HOLDOUT_5 },
  { name: 'sixth held-out corpus (eval/entities-holdout-6.txt, written blind after the fifth\'s fixes)', path: ENTITY_HOLDOUT_6 },
  { name: 'seventh held-out corpus (eval/entities-holdout-7.txt, written blind after the password-shape rule)', path: ENTITY_HOLDOUT_7 },
  { name: 'eighth held-out corpus (eval/entities-holdout-8.txt, written blind after the seventh\'s fixes; never tuned on)', path: ENTITY_HOLDOUT_8 },
];
for (const { name, path } of corpora) {
  const corpus = loadCorpus(path);
  const entityRun = evaluateEntities(corpus, new Detector(), verbose ? (l) => console.log(`  ${l}`) : undefined);
  console.log(`\nEntities, ${name}: ${entityRun.messages} labelled messages, match = same type and IoU >= 0.5`);
  console.log('| type | gold | TP | FP | FN | precision | recall | F2 |');
  console.log('|---|---|---|---|---|---|---|---|');
  let corpusOk = true;
  for (const f of entityRun.figures) {
    console.log(`| ${f.type} | ${f.tp + f.fn} | ${f.tp} | ${f.fp} | ${f.fn} | ${f3(f.precision)} | ${f3(f.recall)} | ${f3(f.f2)} |`);
    if (f.f2 < 0.95) corpusOk = false;
  }
  const negatives = corpus.filter((m) => m.entities.length === 0).length;
  console.log(`exact span boundaries on matches: ${(entityRun.exact * 100).toFixed(1)}%; messages with nothing to find: ${negatives}`);
  console.log(`target every F2 >= 0.95: ${corpusOk ? 'met' : 'NOT met'}`);
}
if (!args.has('skip-intent')) {
  const { rows, mapping, outOfScope } = loadTrainingData(BANKING77_TRAIN, BANKING77_MAPPING, args.get('out-of-scope') === 'none' ? null : OUT_OF_SCOPE_TRAIN);
  const folds = Number(args.get('folds') ?? 5);
  const started = performance.now();
  const cv = crossValidate(rows, mapping, {}, folds);
  const seconds = (performance.now() - started) / 1000;
  const accuracy = topLabelAccuracy(cv);
  const atHalf = sensitiveFigures(cv, mapping, cv.temperature, 0.5);
  const chosen = chooseSensitiveThreshold(cv, mapping);
  const model = IntentModel.fromJSON(JSON.parse(readFileSync(DEFAULT_MODEL_FILE, 'utf8')));
  const inScopeLabels = cv.labels.filter((l) => l !== UNKNOWN_INTENT).length;
  console.log(
    `\nIntent: stratified ${folds}-fold cross-validation on BANKING77 train.csv (${rows.length - outOfScope} rows, ${inScopeLabels} labels) plus ${outOfScope} out-of-scope rows (data/out-of-scope/train.txt, the 'unknown' class), ${seconds.toFixed(1)} s`,
  );
  const amongInScope = topLabelAccuracy(cv, 'in-scope');
  console.log(`${inScopeLabels}-way accuracy (the most probable of the ${inScopeLabels} banking intents): ${(amongInScope * 100).toFixed(2)}% (target >= 90%: ${amongInScope >= 0.9 ? 'met' : 'NOT met'})`);
  console.log(`end to end on the in-scope rows (answering the out-of-scope class counts as wrong): ${(accuracy * 100).toFixed(2)}%`);
  console.log(`calibration: temperature ${cv.temperature}, expected calibration error ${f3(expectedCalibrationError(cv))}`);
  console.log(`sensitive vs general at threshold 0.50: precision ${f3(atHalf.precision)} recall ${f3(atHalf.recall)} (TP ${atHalf.tp}, FP ${atHalf.fp}, FN ${atHalf.fn})`);
  console.log(
    `sensitive vs general at threshold ${chosen.threshold.toFixed(2)} (chosen on these out-of-fold scores, stored in the model: ${model.sensitiveThreshold}): precision ${f3(chosen.precision)} recall ${f3(chosen.recall)} (target recall >= 0.98 at precision >= 0.95: ${chosen.recall >= 0.98 && chosen.precision >= 0.95 ? 'met' : 'NOT met'})`,
  );
  const oosCv = outOfScopeFigures(cv, model.floor);
  console.log(`in-scope messages answered 'unknown' (the out-of-scope class or below the floor ${model.floor}): ${(oosCv.inScopeLost * 100).toFixed(1)}%`);
  if (oosCv.rows > 0) console.log(`out-of-scope training rows answered 'unknown' out of fold: ${(oosCv.recall * 100).toFixed(1)}% of ${oosCv.rows}`);
  for (const [name, path] of [
    ['eval/out-of-scope.txt', OUT_OF_SCOPE],
    ['eval/out-of-scope-holdout.txt, held out from training', OUT_OF_SCOPE_HOLDOUT],
  ] as const) {
    const oos = readLines(path);
    const leaked = oos.map((t) => ({ t, r: model.predict(t) })).filter((x) => x.r.label !== UNKNOWN_INTENT);
    console.log(`out-of-scope (${name}, committed model): ${oos.length - leaked.length}/${oos.length} answered 'unknown' (${(((oos.length - leaked.length) / oos.length) * 100).toFixed(1)}%)`);
    if (verbose) for (const x of leaked) console.log(`  forced: "${x.t}" -> ${x.r.label} ${x.r.confidence}`);
  }
}

