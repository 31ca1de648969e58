import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { TriggerEvaluator } from '../../apps/server/src/triggers/trigger.evaluator.js';
import { dumpAllTables } from '../support/database-scan.js';
import { signInAs, type SignedInStaff } from '../support/staff.factory.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface TriggerBody {
  id: string;
  version: number;
  name: string;
  enabled: boolean;
  priority: number;
  change: string;
  restoredFrom: number | null;
  deleted: boolean;
  conditions: Record<string, unknown>;
  action: Record<string, unknown>;
}

interface EvaluateBody {
  redactedText: string;
  sensitive: boolean;
  entities: { type: string; start: number; end: number; score: number }[];
  intent: { label: string; confidence: number; sensitive: boolean; theme: string | null } | null;
  trigger: { id: string; name: string; version: number; action: { type: string } } | null;
  explanation: string[];
}

const pageId = () => String(200_000_000_000 + Math.floor(Math.random() * 1e9));
const CARD = '4111 1111 1111 1111';

describe('triggers', () => {
  let server: TestApp;
  let admin: SignedInStaff;
  let supervisor: SignedInStaff;

  const api = async <T>(path: string, init: { method?: string; body?: unknown; as?: SignedInStaff; target?: TestApp } = {}): Promise<{ status: number; body: T }> => {
    const response = await (init.target ?? server).request(path, {
      method: init.method ?? 'GET',
      headers: init.body === undefined ? { authorization: (init.as ?? admin).headers.authorization! } : (init.as ?? admin).headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  };
  const handoff = { type: 'handoff', queue: 'cards', messageText: 'Please continue in our secure chat.' };
  const create = (body: Record<string, unknown>) => api<TriggerBody>('/api/v1/triggers', { method: 'POST', body: { name: `t-${randomBytes(3).toString('hex')}`, priority: 5000, action: handoff, ...body } });
  const evaluate = (text: string, extra: Record<string, unknown> = {}, target?: TestApp) =>
    api<EvaluateBody>('/api/v1/triggers/evaluate', { method: 'POST', body: { text, ...extra }, target });

  beforeAll(async () => {
    server = await startTestApp();
    [admin, supervisor] = await Promise.all([signInAs(server, 'admin'), signInAs(server, 'supervisor')]);
  });

  afterAll(async () => {
    await server.close();
  });

  describe('defaults', () => {
    it('exist on first start: one per sensitive theme of the model, one for any sensitive data, one for asking for a human', async () => {
      const { status, body } = await api<TriggerBody[]>('/api/v1/triggers', { as: supervisor });
      expect(status).toBe(200);
      const names = body.map((t) => t.name);
      for (const theme of ['balance', 'credentials and security', 'fraud and unrecognised payments', 'identity and personal data', 'specific card status', 'specific transaction or dispute']) {
        expect(names).toContain(`Sensitive topic: ${theme}`);
      }
      expect(names).toContain('Sensitive data shared');
      expect(names).toContain('Customer asked for a human');
    });
  });

  describe('versions', () => {
    it('creates version 1, adds a version per change, lists and reads old ones, restores one, deletes', async () => {
      const created = await create({ description: 'first', conditions: { match: 'any', keywords: ['alpha'] } });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ version: 1, enabled: false, change: 'created', action: { type: 'handoff', linkTtlSeconds: 600, passThreadControl: false } });
      const id = created.body.id;

      const updated = await api<TriggerBody>(`/api/v1/triggers/${id}`, { method: 'PATCH', body: { expectedVersion: 1, enabled: true, conditions: { match: 'any', keywords: ['beta'] } } });
      expect(updated.body).toMatchObject({ version: 2, enabled: true, change: 'updated', conditions: { keywords: ['beta'] } });
      const stale = await api(`/api/v1/triggers/${id}`, { method: 'PATCH', body: { expectedVersion: 1, priority: 1 } });
      expect(stale.status).toBe(409);

      const versions = await api<TriggerBody[]>(`/api/v1/triggers/${id}/versions`);
      expect(versions.body.map((v) => v.version)).toEqual([2, 1]);
      const first = await api<TriggerBody>(`/api/v1/triggers/${id}/versions/1`);
      expect(first.body).toMatchObject({ version: 1, conditions: { keywords: ['alpha'] }, enabled: false });

      const restored = await api<TriggerBody>(`/api/v1/triggers/${id}/versions/1/restore`, { method: 'POST' });
      expect(restored.body).toMatchObject({ version: 3, change: 'restored', restoredFrom: 1, conditions: { keywords: ['alpha'] }, enabled: false });
      await expect(api<TriggerBody>(`/api/v1/triggers/${id}`)).resolves.toMatchObject({ body: { version: 3 } });

      const deleted = await api<TriggerBody>(`/api/v1/triggers/${id}`, { method: 'DELETE' });
      expect(deleted.body).toMatchObject({ version: 4, change: 'deleted', deleted: true });
      const listed = await api<TriggerBody[]>('/api/v1/triggers');
      expect(listed.body.some((t) => t.id === id)).toBe(false);
      await expect(api(`/api/v1/triggers/${id}`, { method: 'PATCH', body: { priority: 3 } })).resolves.toMatchObject({ status: 409 });
      const back = await api<TriggerBody>(`/api/v1/triggers/${id}/versions/2/restore`, { method: 'POST' });
      expect(back.body).toMatchObject({ version: 5, deleted: false, enabled: true, conditions: { keywords: ['beta'] } });

      // Versions are immutable in the database itself.
      await expect(server.app.get(DataSource).query(`UPDATE trigger_versions SET name = 'x' WHERE trigger_id = $1`, [id])).rejects.toThrow(/immutable/);

      const audit = (await server.app.get(DataSource).query(
        `SELECT action, actor_id, before->>'version' AS before, after->>'version' AS after FROM audit_events WHERE resource_type = 'trigger' AND resource_id = $1 ORDER BY seq`,
        [id],
      )) as { action: string; actor_id: string; before: string | null; after: string }[];
      expect(audit).toEqual([
        { action: 'trigger.created', actor_id: admin.id, before: null, after: '1' },
        { action: 'trigger.updated', actor_id: admin.id, before: '1', after: '2' },
        { action: 'trigger.restored', actor_id: admin.id, before: '2', after: '3' },
        { action: 'trigger.deleted', actor_id: admin.id, before: '3', after: '4' },
        { action: 'trigger.restored', actor_id: admin.id, before: '4', after: '5' },
      ]);
    });

    it('is read by supervisors but changed only by admins', async () => {
      const denied = await api('/api/v1/triggers', { method: 'POST', as: supervisor, body: { name: 'x', priority: 1, conditions: { match: 'any', keywords: ['x'] }, action: handoff } });
      expect(denied.status).toBe(403);
    });
  });

  describe('validation', () => {
    it('answers 400 with a message per field for unknown intents and themes, empty conditions and bad patterns', async () => {
      const unknown = await create({ conditions: { match: 'all', intents: { labels: ['no_such_intent'], themes: ['no_such_theme'] }, patterns: ['(a)\\1', 'ok\\d+'] } });
      expect(unknown.status).toBe(400);
      expect(unknown.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: {
          'conditions.intents.labels': ['unknown intent "no_such_intent"'],
          'conditions.intents.themes': ['unknown theme "no_such_theme"'],
          'conditions.patterns.0': [expect.stringContaining('not a supported regular expression')],
        },
      });
      const empty = await create({ conditions: { match: 'any' } });
      expect(empty.status).toBe(400);
      expect(empty.body).toMatchObject({ details: { conditions: ['at least one condition is required'] } });
    });

    it('refuses sensitive values in the text staff type (stored, audited, sent through Meta), without echoing them', async () => {
      const response = await create({
        name: 'Card 4111 1111 1111 1111',
        conditions: { match: 'any', keywords: ['lost card', 'GB82 WEST 1234 5698 7654 32'] },
        action: { ...handoff, messageText: 'Call us, your code is: pin 4821' },
      });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        details: {
          name: ['must not contain sensitive data (found CARD)'],
          'conditions.keywords.1': ['must not contain sensitive data (found IBAN)'],
          'action.messageText': ['must not contain sensitive data (found PIN)'],
        },
      });
      expect(JSON.stringify(response.body)).not.toMatch(/4111|GB82|4821/);
    });

    it('refuses a link lifetime over the maximum, unknown fields and wrong types', async () => {
      const response = await create({ conditions: { match: 'any', keywords: ['x'], colour: 'red' }, action: { ...handoff, linkTtlSeconds: 7200 } });
      expect(response.status).toBe(400);
      const messages = (response.body as unknown as { message: string[] }).message;
      expect(messages.some((m) => m.includes('linkTtlSeconds'))).toBe(true);
      expect(messages.some((m) => m.includes('colour'))).toBe(true);
      const wrongEntity = await create({ conditions: { match: 'any', entities: { types: ['PASSPORT'] } } });
      expect(wrongEntity.status).toBe(400);
    });
  });

  describe('evaluation', () => {
    it('explains each condition kind through the dry run, for one trigger even while disabled', async () => {
      const cases: { conditions: Record<string, unknown>; text: string; expected: RegExp }[] = [
        { conditions: { match: 'any', intents: { labels: ['lost_or_stolen_card'], minConfidence: 0.5 } }, text: 'I lost my card, someone stole it', expected: /^intent lost_or_stolen_card/ },
        { conditions: { match: 'any', intents: { themes: ['fraud_and_unrecognised_payments'] } }, text: 'there is a payment I do not recognise on my statement', expected: /in theme fraud_and_unrecognised_payments/ },
        { conditions: { match: 'any', entities: { types: ['CARD'], minScore: 0.9 } }, text: `my card number is ${CARD}`, expected: /^sensitive data CARD/ },
        { conditions: { match: 'any', keywords: ['chargeback'] }, text: 'I want a Chargeback now', expected: /^keyword "chargeback"/ },
        { conditions: { match: 'any', patterns: ['\\bREF-\\d{6}\\b'] }, text: 'about ref-123456 please', expected: /^pattern #1/ },
        { conditions: { match: 'any', askedForHuman: true }, text: 'can I talk to a real person', expected: /^customer asked for a human$/ },
      ];
      for (const c of cases) {
        const created = await create({ conditions: c.conditions, enabled: false });
        expect(created.status).toBe(201);
        const hit = await evaluate(c.text, { triggerId: created.body.id });
        expect({ conditions: c.conditions, trigger: hit.body.trigger?.id }).toEqual({ conditions: c.conditions, trigger: created.body.id });
        expect(hit.body.explanation[0]).toMatch(c.expected);
        const miss = await evaluate('what are your opening hours', { triggerId: created.body.id });
        expect(miss.body.trigger).toBeNull();
      }
      // Attachments cannot be sent through the dry run; the in-memory evaluator takes them.
      const attachment = await create({ conditions: { match: 'any', attachments: ['image'] }, enabled: true, scope: { type: 'pages', pageIds: [pageId()] } });
      const page = (attachment.body as unknown as { scope: { pageIds: string[] } }).scope.pageIds[0]!;
      const evaluator = server.app.get(TriggerEvaluator);
      const decision = evaluator.evaluate({ pageId: page, detection: { redactedText: '', entities: [], intent: null, sensitive: false }, text: '', attachmentTypes: ['image'] });
      expect(decision).toMatchObject({ triggerId: attachment.body.id, version: 1, explanation: ['attachment image'] });
    });

    it('lets the highest priority win among enabled triggers in scope, and reports the version', async () => {
      const page = pageId();
      const scope = { type: 'pages', pageIds: [page] };
      const keyword = `kw${randomBytes(3).toString('hex')}`;
      const low = await create({ priority: 6000, enabled: true, scope, conditions: { match: 'any', keywords: [keyword] }, action: { type: 'warn', messageText: 'Please do not share that here.' } });
      const high = await create({ priority: 7000, enabled: true, scope, conditions: { match: 'all', keywords: [keyword], entities: { minScore: 0.5 } } });
      const disabled = await create({ priority: 9000, enabled: false, scope, conditions: { match: 'any', keywords: [keyword] } });

      const plain = await evaluate(`${keyword} please`, { pageId: page });
      expect(plain.body.trigger).toMatchObject({ id: low.body.id, version: 1, action: { type: 'warn' } });
      const withCard = await evaluate(`${keyword} ${CARD}`, { pageId: page });
      expect(withCard.body.trigger).toMatchObject({ id: high.body.id, action: { type: 'handoff' } });
      expect(withCard.body.explanation).toHaveLength(2);
      const otherPage = await evaluate(`${keyword} please`, { pageId: pageId() });
      expect(otherPage.body.trigger?.id).not.toBe(low.body.id);

      await api(`/api/v1/triggers/${disabled.body.id}`, { method: 'PATCH', body: { enabled: true } });
      const now = await evaluate(`${keyword} please`, { pageId: page });
      expect(now.body.trigger).toMatchObject({ id: disabled.body.id, version: 2 });
    });

    it('answers the documented shape for sensitive text, redacted, and stores nothing', async () => {
      const marker = `zq${randomBytes(5).toString('hex')}`;
      const response = await evaluate(`${marker} my card number is ${CARD}`);
      expect(response.status).toBe(200);
      const body = response.body;
      expect(Object.keys(body).sort()).toEqual(['entities', 'explanation', 'intent', 'redactedText', 'sensitive', 'trigger']);
      expect(body.sensitive).toBe(true);
      expect(body.redactedText).not.toContain('4111');
      expect(body.entities).toEqual([{ type: 'CARD', start: expect.any(Number), end: expect.any(Number), score: expect.any(Number) }]);
      expect(body.trigger).toMatchObject({ id: expect.any(String), name: expect.any(String), version: expect.any(Number), action: { type: 'handoff' } });
      expect(body.explanation.length).toBeGreaterThan(0);
      if (body.intent) expect(Object.keys(body.intent).sort()).toEqual(['confidence', 'label', 'sensitive', 'theme']);
      const dump = await dumpAllTables(server.app.get(DataSource));
      expect(dump).not.toContain(marker);
    });

    it('finds nothing in a benign text', async () => {
      const response = await evaluate('Hello, what are your opening hours on Saturday?');
      expect(response.body).toMatchObject({ sensitive: false, entities: [], trigger: null, redactedText: 'Hello, what are your opening hours on Saturday?' });
    });

    it('validates the evaluate body', async () => {
      await expect(evaluate('')).resolves.toMatchObject({ status: 400 });
      await expect(evaluate('x', { pageId: 'not-a-page' })).resolves.toMatchObject({ status: 400 });
      await expect(evaluate('x'.repeat(20_001))).resolves.toMatchObject({ status: 400 });
    });
  });

  describe('across instances', () => {
    it('a change made through one instance is used by another within a second', async () => {
      const other = await startTestApp({}, server.config);
      try {
        const page = pageId();
        const keyword = `kw${randomBytes(3).toString('hex')}`;
        const created = await create({ priority: 8000, enabled: false, scope: { type: 'pages', pageIds: [page] }, conditions: { match: 'any', keywords: [keyword] } });
        const evaluatorB = other.app.get(TriggerEvaluator);
        const input = { pageId: page, detection: { redactedText: '', entities: [], intent: null, sensitive: false }, text: `${keyword}`, attachmentTypes: [] };
        const started = Date.now();
        await api(`/api/v1/triggers/${created.body.id}`, { method: 'PATCH', body: { enabled: true } });
        let decision = evaluatorB.evaluate(input);
        while (!decision && Date.now() - started < 3000) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          decision = evaluatorB.evaluate(input);
        }
        expect(decision).toMatchObject({ triggerId: created.body.id, version: 2 });
        expect(Date.now() - started).toBeLessThan(1000);

        // And through instance B's own API.
        const viaB = await evaluate(keyword, { pageId: page }, other);
        expect(viaB.body.trigger?.id).toBe(created.body.id);
      } finally {
        await other.close();
      }
    });
  });
});
