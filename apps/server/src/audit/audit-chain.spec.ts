import { describe, expect, it } from '@jest/globals';
import { canonicalJson, chainHash, GENESIS_HASH, verifyAuditChain, type SqlQueryable } from './audit-chain.js';
import { sanitise } from './audit.service.js';

const fields = {
  id: '00000000-0000-4000-8000-000000000001',
  occurredAt: new Date('2026-01-01T00:00:00.123Z'),
  actorType: 'staff',
  actorId: 'a',
  action: 'trigger.updated',
  resourceType: 'trigger',
  resourceId: 't',
  outcome: 'success',
  origin: '127.0.0.1',
  before: { b: 1, a: [1, { d: 2, c: 3 }] },
  after: null,
  details: null,
};

describe('canonicalJson', () => {
  it('sorts keys at every level, so jsonb reordering does not change the hash', () => {
    expect(canonicalJson({ b: 1, a: { d: 1, c: 2 } })).toBe('{"a":{"c":2,"d":1},"b":1}');
    expect(chainHash(GENESIS_HASH, fields)).toBe(chainHash(GENESIS_HASH, { ...fields, before: { a: [1, { c: 3, d: 2 }], b: 1 } }));
  });
  it('changes the hash when any field or the previous hash changes', () => {
    const base = chainHash(GENESIS_HASH, fields);
    expect(chainHash('1'.repeat(64), fields)).not.toBe(base);
    expect(chainHash(GENESIS_HASH, { ...fields, outcome: 'failure' })).not.toBe(base);
    expect(chainHash(GENESIS_HASH, { ...fields, before: { b: 2, a: [1, { d: 2, c: 3 }] } })).not.toBe(base);
  });
});

describe('sanitise', () => {
  it('redacts secret-looking keys and NUL characters', () => {
    expect(sanitise({ password: 'x', nested: { accessToken: 'y', passwordHash: 'z' }, passThreadControl: true, s: 'a\u0000b' }, 0)).toEqual({
      password: '[redacted]',
      nested: { accessToken: '[redacted]', passwordHash: '[redacted]' },
      passThreadControl: true,
      s: 'ab',
    });
  });
});

describe(verifyAuditChain.name, () => {
  const row = (seq: number, prev: string, over: Partial<typeof fields> = {}) => {
    const f = { ...fields, ...over, id: `00000000-0000-4000-8000-00000000000${seq}` };
    return {
      seq: String(seq),
      id: f.id,
      occurred_at: f.occurredAt,
      actor_type: f.actorType,
      actor_id: f.actorId,
      action: f.action,
      resource_type: f.resourceType,
      resource_id: f.resourceId,
      outcome: f.outcome,
      origin: f.origin,
      before: f.before,
      after: f.after,
      details: f.details,
      prev_hash: prev,
      hash: chainHash(prev, f),
    };
  };
  const db = (rows: unknown[]): SqlQueryable => ({ query: async (_sql, params) => (params?.[0] === '0' ? rows : []) });

  it('accepts an intact chain and names the first edited or missing link', async () => {
    const r1 = row(1, GENESIS_HASH);
    const r2 = row(2, r1.hash);
    const r3 = row(3, r2.hash);
    await expect(verifyAuditChain(db([r1, r2, r3]))).resolves.toMatchObject({ ok: true, checked: 3, lastHash: r3.hash });
    await expect(verifyAuditChain(db([r1, { ...r2, outcome: 'failure' }, r3]))).resolves.toMatchObject({
      ok: false,
      firstBreak: { seq: '2', reason: 'hash_mismatch' },
    });
    await expect(verifyAuditChain(db([r1, r3]))).resolves.toMatchObject({ ok: false, firstBreak: { seq: '3', reason: 'prev_hash_mismatch' } });
  });
});
