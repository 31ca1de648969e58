import type { DetectionResult } from '@handoff/detection';
import { UNKNOWN_INTENT } from '@handoff/detection';
import { askedForHuman } from './asked-for-human.js';
import { compilePattern, patternMatches } from './safe-pattern.js';
import type { TriggerDecision, TriggerEvaluationInput, TriggerVersion } from './trigger.types.js';

/** The message seen by every condition; derived values are computed once, on first use. */
class MessageContext {
  private lowered: string | null = null;
  private human: boolean | null;
  readonly attachments: ReadonlySet<string>;

  constructor(
    readonly detection: DetectionResult,
    readonly text: string,
    attachmentTypes: string[],
    askedForHumanHint: boolean | undefined,
  ) {
    this.attachments = new Set(attachmentTypes.map((t) => t.toLowerCase()));
    this.human = askedForHumanHint ?? null;
  }

  get lowerText(): string {
    this.lowered ??= ` ${this.text.toLowerCase().replace(/\s+/g, ' ')} `;
    return this.lowered;
  }

  get askedForHuman(): boolean {
    this.human ??= askedForHuman(this.text);
    return this.human;
  }
}

/** A condition returns its explanation when it matches, else null. */
type Condition = (message: MessageContext) => string | null;

/** A trigger version prepared for evaluation: patterns compiled, lists turned into sets. */
export class CompiledTrigger {
  readonly pageIds: ReadonlySet<string> | null;
  private readonly conditions: Condition[];

  constructor(readonly definition: TriggerVersion) {
    const scope = definition.scope;
    this.pageIds = scope.type === 'pages' ? new Set(scope.pageIds) : null;
    this.conditions = compileConditions(definition);
  }

  get id(): string {
    return this.definition.id;
  }

  appliesTo(pageId: string | null): boolean {
    return pageId === null || this.pageIds === null || this.pageIds.has(pageId);
  }

  /** The matched conditions' explanations, or null when the trigger does not fire. */
  match(message: MessageContext): string[] | null {
    const all = this.definition.conditions.match === 'all';
    const explanation: string[] = [];
    for (const condition of this.conditions) {
      const matched = condition(message);
      if (matched !== null) explanation.push(matched);
      else if (all) return null;
    }
    return explanation.length > 0 ? explanation : null;
  }
}

function compileConditions(definition: TriggerVersion): Condition[] {
  const c = definition.conditions;
  const out: Condition[] = [];
  if (c.intents) {
    const labels = new Set(c.intents.labels ?? []);
    const themes = new Set(c.intents.themes ?? []);
    const min = c.intents.minConfidence;
    out.push(({ detection }) => {
      const intent = detection.intent;
      if (!intent || intent.label === UNKNOWN_INTENT || intent.confidence < min) return null;
      const byLabel = labels.has(intent.label);
      const byTheme = intent.theme !== null && themes.has(intent.theme);
      if (!byLabel && !byTheme) return null;
      const via = byLabel ? `intent ${intent.label}` : `intent ${intent.label} in theme ${intent.theme}`;
      return `${via} with confidence ${intent.confidence.toFixed(2)} >= ${min}`;
    });
  }
  if (c.entities) {
    const types = c.entities.types && c.entities.types.length > 0 ? new Set<string>(c.entities.types) : null;
    const min = c.entities.minScore;
    out.push(({ detection }) => {
      const found = new Map<string, number>();
      for (const entity of detection.entities) {
        if (entity.score < min || (types && !types.has(entity.type))) continue;
        found.set(entity.type, Math.max(found.get(entity.type) ?? 0, entity.score));
      }
      if (found.size === 0) return null;
      return `sensitive data ${[...found].map(([type, score]) => `${type} (${score.toFixed(2)})`).join(', ')} with score >= ${min}`;
    });
  }
  if (c.keywords && c.keywords.length > 0) {
    const terms = c.keywords.map((k) => k.toLowerCase().replace(/\s+/g, ' ').trim()).filter((k) => k.length > 0);
    out.push((message) => {
      const term = terms.find((t) => containsWord(message.lowerText, t));
      return term === undefined ? null : `keyword "${term}"`;
    });
  }
  if (c.patterns && c.patterns.length > 0) {
    const patterns = c.patterns.map((source) => compilePattern(source));
    out.push(({ text }) => {
      const index = patterns.findIndex((p) => patternMatches(p, text));
      return index < 0 ? null : `pattern #${index + 1} (${truncate(c.patterns![index]!, 60)})`;
    });
  }
  if (c.attachments && c.attachments.length > 0) {
    const wanted = c.attachments;
    out.push(({ attachments }) => {
      const type = wanted.find((t) => attachments.has(t));
      return type === undefined ? null : `attachment ${type}`;
    });
  }
  if (c.askedForHuman) out.push((message) => (message.askedForHuman ? 'customer asked for a human' : null));
  return out;
}

const WORD = /[\p{L}\p{N}_]/u;

/** `term` occurs in `text` with no letter or digit right before or after it. */
function containsWord(text: string, term: string): boolean {
  let from = 0;
  for (;;) {
    const at = text.indexOf(term, from);
    if (at < 0) return false;
    const before = at > 0 ? text[at - 1]! : ' ';
    const after = text[at + term.length] ?? ' ';
    const edgeOk = (ch: string, termEdge: string) => !WORD.test(termEdge) || !WORD.test(ch);
    if (edgeOk(before, term[0]!) && edgeOk(after, term[term.length - 1]!)) return true;
    from = at + 1;
  }
}

function truncate(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

/**
 * Picks the trigger that fires: the enabled, in-scope trigger of highest priority whose conditions
 * match (ties: by name, then id, so every instance decides alike). Pure and synchronous.
 */
export function decide(triggers: readonly CompiledTrigger[], input: TriggerEvaluationInput | (Omit<TriggerEvaluationInput, 'pageId'> & { pageId: string | null }), options: { includeDisabled?: boolean } = {}): TriggerDecision | null {
  const message = new MessageContext(input.detection, input.text, input.attachmentTypes, input.askedForHuman);
  for (const trigger of triggers) {
    const d = trigger.definition;
    if ((!d.enabled && !options.includeDisabled) || d.deleted || !trigger.appliesTo(input.pageId)) continue;
    const explanation = trigger.match(message);
    if (explanation) return { triggerId: d.id, triggerName: d.name, version: d.version, action: d.action, explanation };
  }
  return null;
}

/** Evaluation order: priority descending, then name, then id. */
export function byPriority(a: CompiledTrigger, b: CompiledTrigger): number {
  const p = b.definition.priority - a.definition.priority;
  if (p !== 0) return p;
  if (a.definition.name !== b.definition.name) return a.definition.name < b.definition.name ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
