/**
 * `npm run eval:detection`: entity precision/recall/F2 on the labelled corpus (eval/entities.txt),
 * then the intent model's stratified 5-fold cross-validation on BANKING77's training split
 * (77-way accuracy, sensitive-vs-general precision/recall, calibration) and the out-of-scope
 * check of the committed model (eval/out-of-scope.txt). `--verbose` lists every miss.
 * `--skip-intent` stops after the entities.
 */
import { readFileSync } from 'node:fs';
import { crossValidate, Detector, IntentModel, parseLabelledCsv, UNKNOWN_INTENT, type SensitivityMapping } from '../src/index.js';
import { readArgs } from './args.js';
import { evaluateEntities, loadCorpus } from './eval-entities.js';
import { chooseSensitiveThreshold, expectedCalibrationError, sensitiveFigures, shareBelowFloor, topLabelAccuracy } from './figures.js';
import { BANKING77_MAPPING, BANKING77_TRAIN, DEFAULT_MODEL_FILE, OUT_OF_SCOPE } from './paths.js';

const args = readArgs(process.argv.slice(2));
const verbose = args.has('verbose');
const f3 = (x: number): string => x.toFixed(3);

const corpus = loadCorpus();
const entityRun = evaluateEntities(corpus, new Detector(), verbose ? (l) => console.log(`  ${l}`) : undefined);
console.log(`\nEntities: ${entityRun.messages} labelled messages (eval/entities.txt), match = same type and IoU >= 0.5`);
console.log('| type | gold | TP | FP | FN | precision | recall | F2 |');
console.log('|---|---|---|---|---|---|---|---|');
let allOk = true;
for (const f of entityRun.figures) {
  console.log(`| ${f.type} | ${f.tp + f.fn} | ${f.tp} | ${f.fp} | ${f.fn} | ${f3(f.precision)} | ${f3(f.recall)} | ${f3(f.f2)} |`);
  if (f.f2 < 0.95) allOk = false;
}
const negatives = corpus.filter((m) => m.entities.length === 0).length;
console.log(`exact span boundaries on matches: ${(entityRun.exact * 100).toFixed(1)}%; messages with nothing to find: ${negatives}`);
console.log(`target every F2 >= 0.95: ${allOk ? 'met' : 'NOT met'}`);

if (!args.has('skip-intent')) {
  const rows = parseLabelledCsv(readFileSync(BANKING77_TRAIN, 'utf8'));
  const mapping = JSON.parse(readFileSync(BANKING77_MAPPING, 'utf8')) as SensitivityMapping;
  const folds = Number(args.get('folds') ?? 5);
  const started = performance.now();
  const cv = crossValidate(rows, mapping, {}, folds);
  const seconds = (performance.now() - started) / 1000;
  const accuracy = topLabelAccuracy(cv);
  const atHalf = sensitiveFigures(cv, mapping, cv.temperature, 0.5);
  const chosen = chooseSensitiveThreshold(cv, mapping);
  const model = IntentModel.fromJSON(JSON.parse(readFileSync(DEFAULT_MODEL_FILE, 'utf8')));
  console.log(`\nIntent: stratified ${folds}-fold cross-validation on BANKING77 train.csv (${rows.length} rows, ${cv.labels.length} labels), ${seconds.toFixed(1)} s`);
  console.log(`77-way accuracy: ${(accuracy * 100).toFixed(2)}% (target >= 90%: ${accuracy >= 0.9 ? 'met' : 'NOT met'})`);
  console.log(`calibration: temperature ${cv.temperature}, expected calibration error ${f3(expectedCalibrationError(cv))}`);
  console.log(`sensitive vs general at threshold 0.50: precision ${f3(atHalf.precision)} recall ${f3(atHalf.recall)} (TP ${atHalf.tp}, FP ${atHalf.fp}, FN ${atHalf.fn})`);
  console.log(
    `sensitive vs general at threshold ${chosen.threshold.toFixed(2)} (chosen on these out-of-fold scores, stored in the model: ${model.sensitiveThreshold}): precision ${f3(chosen.precision)} recall ${f3(chosen.recall)} (target recall >= 0.98 at precision >= 0.95: ${chosen.recall >= 0.98 && chosen.precision >= 0.95 ? 'met' : 'NOT met'})`,
  );
  console.log(`in-scope messages below the floor ${model.floor} (would be 'unknown'): ${(shareBelowFloor(cv, model.floor) * 100).toFixed(1)}%`);
  const oos = readFileSync(OUT_OF_SCOPE, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() && !l.startsWith('#'));
  const leaked = oos.map((t) => ({ t, r: model.predict(t) })).filter((x) => x.r.label !== UNKNOWN_INTENT);
  console.log(`out-of-scope (eval/out-of-scope.txt, committed model): ${oos.length - leaked.length}/${oos.length} answered 'unknown' (${(((oos.length - leaked.length) / oos.length) * 100).toFixed(1)}%)`);
  if (verbose) for (const x of leaked) console.log(`  forced: "${x.t}" -> ${x.r.label} ${x.r.confidence}`);
}
