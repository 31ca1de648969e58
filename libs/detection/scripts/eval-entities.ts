import { readFileSync } from 'node:fs';
import { Detector, ENTITY_TYPES, type EntitySpan, type EntityType } from '../src/index.js';
import { parseCorpus, type LabelledMessage } from './corpus.js';
import { ENTITY_CORPUS } from './paths.js';


export interface EntityFigures {
  type: EntityType;
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f2: number;
}

function overlapRatio(a: { start: number; end: number }, b: { start: number; end: number }): number {
  const inter = Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
  const union = Math.max(a.end, b.end) - Math.min(a.start, b.start);
  return union > 0 ? inter / union : 0;
}

/** A found span counts when it has the gold type and an overlap (IoU) of at least 0.5. */
export function evaluateEntities(messages: LabelledMessage[], detector: Detector, log?: (line: string) => void): { figures: EntityFigures[]; exact: number; messages: number } {
  const counts = new Map<EntityType, { tp: number; fp: number; fn: number }>(ENTITY_TYPES.map((t) => [t, { tp: 0, fp: 0, fn: 0 }]));
  let exact = 0;
  let golds = 0;
  for (const m of messages) {
    const found: EntitySpan[] = detector.findEntities(m.text);
    const used = new Set<number>();
    for (const g of m.entities) {
      golds++;
      const k = found.findIndex((f, i) => !used.has(i) && f.type === g.type && overlapRatio(f, g) >= 0.5);
      const c = counts.get(g.type) as { tp: number; fp: number; fn: number };
      if (k >= 0) {
        used.add(k);
        c.tp++;
        const f = found[k] as EntitySpan;
        if (f.start === g.start && f.end === g.end) exact++;
      } else {
        c.fn++;
        log?.(`FN ${g.type} "${m.text.slice(g.start, g.end)}" in: ${m.text}`);
      }
    }
    found.forEach((f, i) => {
      if (used.has(i)) return;
      (counts.get(f.type) as { fp: number }).fp++;
      log?.(`FP ${f.type} "${m.text.slice(f.start, f.end)}" (${f.reason}) in: ${m.text}`);
    });
  }
  const figures = ENTITY_TYPES.map((type) => {
    const { tp, fp, fn } = counts.get(type) as { tp: number; fp: number; fn: number };
    const precision = tp + fp > 0 ? tp / (tp + fp) : 1;
    const recall = tp + fn > 0 ? tp / (tp + fn) : 1;
    const f2 = precision + recall > 0 ? (5 * precision * recall) / (4 * precision + recall) : 0;
    return { type, tp, fp, fn, precision, recall, f2 };
  });
  return { figures, exact: golds > 0 ? exact / golds : 1, messages: messages.length };
}

export function loadCorpus(path: string = ENTITY_CORPUS): LabelledMessage[] {
  return parseCorpus(readFileSync(path, 'utf8'));
}
