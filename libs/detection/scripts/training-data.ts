import { readFileSync } from 'node:fs';
import { parseLabelledCsv, UNKNOWN_INTENT, type SensitivityMapping, type TrainingRow } from '../src/index.js';

/** Non-empty lines that are not `#` comments. */
export function readLines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/**
 * A `text,label` corpus and its mapping, plus out-of-scope text (greetings, chit-chat, other
 * domains) as the `unknown` class, general and without a theme: the model then learns what is not
 * a banking question instead of forcing one of its intents on it.
 */
export function loadTrainingData(dataPath: string, mappingPath: string, outOfScopePath: string | null): { rows: TrainingRow[]; mapping: SensitivityMapping; outOfScope: number } {
  const rows = parseLabelledCsv(readFileSync(dataPath, 'utf8'));
  const mapping = JSON.parse(readFileSync(mappingPath, 'utf8')) as SensitivityMapping;
  if (rows.some((r) => r.label === UNKNOWN_INTENT)) throw new Error(`the label '${UNKNOWN_INTENT}' is reserved for out-of-scope text`);
  if (!outOfScopePath) return { rows, mapping, outOfScope: 0 };
  const outOfScope = readLines(outOfScopePath).map((text) => ({ text, label: UNKNOWN_INTENT }));
  return { rows: [...rows, ...outOfScope], mapping: { ...mapping, [UNKNOWN_INTENT]: { sensitive: false } }, outOfScope: outOfScope.length };
}
