/** Reads the inline-markup evaluation corpus: `{{TYPE:value}}` marks a sensitive span. */
import { ENTITY_TYPES, type EntityType } from '../src/index.js';

export interface LabelledMessage {
  text: string;
  entities: { type: EntityType; start: number; end: number }[];
}

const MARK = /\{\{([A-Z]+):(.*?)\}\}/g;

export function parseCorpus(source: string): LabelledMessage[] {
  const out: LabelledMessage[] = [];
  for (const line of source.split(/\r?\n/)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    let text = '';
    let pos = 0;
    const entities: LabelledMessage['entities'] = [];
    for (const m of line.matchAll(MARK)) {
      const type = m[1] as EntityType;
      if (!ENTITY_TYPES.includes(type)) throw new Error(`unknown entity type ${type} in: ${line}`);
      text += line.slice(pos, m.index);
      const start = text.length;
      text += m[2];
      entities.push({ type, start, end: text.length });
      pos = (m.index ?? 0) + m[0].length;
    }
    text += line.slice(pos);
    out.push({ text, entities });
  }
  return out;
}
