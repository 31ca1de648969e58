import { describe, expect, it } from '@jest/globals';
import type { DetectionResult } from '@handoff/detection';
import { askedForHuman } from './asked-for-human.js';
import { patternProblem } from './safe-pattern.js';
import { byPriority, CompiledTrigger, decide } from './trigger-matcher.js';
import type { TriggerConditions, TriggerVersion } from './trigger.types.js';

const detection = (over: Partial<DetectionResult> = {}): DetectionResult => ({ redactedText: '', entities: [], intent: null, sensitive: false, ...over });
const intent = (label: string, confidence: number, theme: string | null) => ({ label, confidence, sensitive: theme !== null, theme, top: [] });
const card = { type: 'CARD' as const, start: 0, end: 19, score: 0.97, reason: 'luhn' };

let serial = 0;
function trigger(conditions: TriggerConditions, over: Partial<TriggerVersion> = {}): CompiledTrigger {
  serial += 1;
  return new CompiledTrigger({
    id: `00000000-0000-4000-8000-${String(serial).padStart(12, '0')}`,
    version: 1,
    name: `t${serial}`,
    description: '',
    enabled: true,
    priority: 0,
    scope: { type: 'all' },
    conditions,
    action: { type: 'warn', messageText: 'careful' },
    change: 'created',
    restoredFrom: null,
    createdBy: null,
    createdAt: new Date().toISOString(),
    deleted: false,
    ...over,
  });
}
const run = (t: CompiledTrigger | CompiledTrigger[], text: string, d: DetectionResult = detection(), extra: { attachmentTypes?: string[]; pageId?: string; askedForHuman?: boolean } = {}) =>
  decide([t].flat().sort(byPriority), { pageId: extra.pageId ?? '1', detection: d, text, attachmentTypes: extra.attachmentTypes ?? [], askedForHuman: extra.askedForHuman });

describe(CompiledTrigger.name, () => {
  it('matches intents by label or by theme, at or above the minimum confidence', () => {
    const byLabel = trigger({ match: 'all', intents: { labels: ['lost_or_stolen_card'], minConfidence: 0.6 } });
    const byTheme = trigger({ match: 'all', intents: { themes: ['balance'], minConfidence: 0.6 } });
    expect(run(byLabel, '', detection({ intent: intent('lost_or_stolen_card', 0.9, 'credentials_and_security') }))?.explanation).toEqual([
      'intent lost_or_stolen_card with confidence 0.90 >= 0.6',
    ]);
    expect(run(byLabel, '', detection({ intent: intent('lost_or_stolen_card', 0.5, 'credentials_and_security') }))).toBeNull();
    expect(run(byTheme, '', detection({ intent: intent('balance_not_updated', 0.8, 'balance') }))?.explanation[0]).toContain('in theme balance');
    expect(run(byTheme, '', detection({ intent: intent('unknown', 0.9, 'balance') }))).toBeNull();
  });

  it('matches sensitive data by type and score; no types means any type', () => {
    const cards = trigger({ match: 'all', entities: { types: ['CARD'], minScore: 0.9 } });
    const any = trigger({ match: 'all', entities: { minScore: 0.5 } });
    expect(run(cards, '', detection({ entities: [card] }))?.explanation).toEqual(['sensitive data CARD (0.97) with score >= 0.9']);
    expect(run(cards, '', detection({ entities: [{ ...card, score: 0.8 }] }))).toBeNull();
    expect(run(cards, '', detection({ entities: [{ ...card, type: 'IBAN' }] }))).toBeNull();
    expect(run(any, '', detection({ entities: [{ ...card, type: 'SSN' }] }))).not.toBeNull();
  });

  it('matches keywords and phrases as whole words, case-insensitively', () => {
    const t = trigger({ match: 'all', keywords: ['card', 'charge back'] });
    expect(run(t, 'My CARD is gone')?.explanation).toEqual(['keyword "card"']);
    expect(run(t, 'I want a charge   back.')?.explanation).toEqual(['keyword "charge back"']);
    expect(run(t, 'nice cardigan')).toBeNull();
  });

  it('matches RE2 patterns without echoing the text', () => {
    const t = trigger({ match: 'all', patterns: ['\\bref(erence)?\\s*#?\\d{6}\\b'] });
    expect(run(t, 'my reference #123456')?.explanation[0]).toMatch(/^pattern #1/);
    expect(run(t, 'my reference 12345')).toBeNull();
  });

  it('matches attachment types and the customer asking for a human', () => {
    expect(run(trigger({ match: 'all', attachments: ['image'] }), '', detection(), { attachmentTypes: ['image'] })?.explanation).toEqual(['attachment image']);
    expect(run(trigger({ match: 'all', attachments: ['image'] }), '', detection(), { attachmentTypes: ['audio'] })).toBeNull();
    const human = trigger({ match: 'all', askedForHuman: true });
    expect(run(human, 'Can I talk to a real person please?')?.explanation).toEqual(['customer asked for a human']);
    expect(run(human, 'what time is it')).toBeNull();
    expect(run(human, 'what time is it', detection(), { askedForHuman: true })).not.toBeNull();
  });

  it('combines with all (every condition) or any (at least one, explaining those that matched)', () => {
    const conditions = { keywords: ['dispute'], entities: { minScore: 0.5 } };
    const all = trigger({ match: 'all', ...conditions });
    const any = trigger({ match: 'any', ...conditions });
    expect(run(all, 'dispute')).toBeNull();
    expect(run(all, 'dispute', detection({ entities: [card] }))?.explanation).toHaveLength(2);
    expect(run(any, 'dispute')?.explanation).toEqual(['keyword "dispute"']);
  });
});

describe(decide.name, () => {
  it('lets the highest priority win, skips disabled, deleted and out-of-scope triggers', () => {
    const low = trigger({ match: 'any', keywords: ['fraud'] }, { priority: 1, name: 'low' });
    const high = trigger({ match: 'any', keywords: ['fraud'] }, { priority: 5, name: 'high' });
    const disabled = trigger({ match: 'any', keywords: ['fraud'] }, { priority: 9, enabled: false });
    const deleted = trigger({ match: 'any', keywords: ['fraud'] }, { priority: 9, deleted: true });
    const otherPage = trigger({ match: 'any', keywords: ['fraud'] }, { priority: 8, scope: { type: 'pages', pageIds: ['2'] } });
    expect(run([low, high, disabled, deleted, otherPage], 'fraud')?.triggerName).toBe('high');
    expect(run([low, high, disabled, deleted, otherPage], 'fraud', detection(), { pageId: '2' })?.triggerId).toBe(otherPage.id);
  });
});

describe(patternProblem.name, () => {
  it('accepts RE2 patterns and refuses backreferences, lookarounds, empty matches', () => {
    expect(patternProblem('\\d{4}-\\d{4}')).toBeNull();
    expect(patternProblem('(a)\\1')).toMatch(/not a supported/);
    expect(patternProblem('foo(?=bar)')).toMatch(/not a supported/);
    expect(patternProblem('(?<!x)y')).toMatch(/not a supported/);
    expect(patternProblem('a*')).toMatch(/empty/);
    expect(patternProblem('[')).toMatch(/not a supported/);
  });

  it('runs a pattern that would backtrack catastrophically in linear time', () => {
    const t = trigger({ match: 'all', patterns: ['(a+)+$'] });
    const started = performance.now();
    expect(run(t, 'a'.repeat(100_000) + '!')).toBeNull();
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe(askedForHuman.name, () => {
  it.each(['Can I talk to a person?', 'agent please', 'I want a real human', 'speak with someone', 'HUMAN', 'connect me to an agent', 'I need to speak to a representative'])(
    'recognises %p',
    (text) => expect(askedForHuman(text)).toBe(true),
  );
  it.each(['my card is lost', 'the agent fee is too high?', 'human resources called me', 'what is a person-to-person transfer'])('ignores %p', (text) =>
    expect(askedForHuman(text)).toBe(false),
  );
});
