import { describe, expect, it } from '@jest/globals';
import { canonicalJson, chainHash, GENESIS_HASH, linkEvents, verifyAuditChain, type SqlQueryable } from './audit-chain.js';
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

describe(linkEvents.name, () => {
  it('links events in the order given, each onto the previous hash, starting from the chain\'s last hash', () => {
    const a = { ...fields, id: '00000000-0000-4000-8000-00000000000a' };
    const b = { ...fields, id: '00000000-0000-4000-8000-00000000000b', outcome: 'failure' };
    const links = linkEvents('tip', [a, b]);
    expect(links).toEqual([
      { eventId: a.id, prevHash: 'tip', hash: chainHash('tip', a) },
      { eventId: b.id, prevHash: chainHash('tip', a), hash: chainHash(chainHash('tip', a), b) },
    ]);
    expect(linkEvents('tip', [])).toEqual([]);
    // Two batches chain exactly like one.
    const [first] = linkEvents(GENESIS_HASH, [a]);
    expect(linkEvents(first!.hash, [b])[0]).toEqual(linkEvents(GENESIS_HASH, [a, b])[1]);
  });
});

describe(verifyAuditChain.name, () => {
  const event = (n: number, over: Partial<typeof fields> = {}) => ({ ...fields, ...over, id: `00000000-0000-4000-8000-00000000000${n}` });
  /** audit_chain joined to audit_events, as the walk selects it */
  const linkRows = (events: (typeof fields)[], seqs: number[] = events.map((_, i) => i + 1)) =>
    linkEvents(GENESIS_HASH, events).map((link, i) => row(i + 1, seqs[i]!, link, events[i]!));
  const row = (position: number, seq: number, link: { eventId: string; prevHash: string; hash: string }, f: typeof fields | null) => ({
    position: String(position),
    event_id: link.eventId,
    link_prev_hash: link.prevHash,
    link_hash: link.hash,
    seq: f ? String(seq) : null,
    id: f?.id ?? null,
    occurred_at: f?.occurredAt ?? null,
    actor_type: f?.actorType ?? null,
    actor_id: f?.actorId ?? null,
    action: f?.action ?? null,
    resource_type: f?.resourceType ?? null,
    resource_id: f?.resourceId ?? null,
    outcome: f?.outcome ?? null,
    origin: f?.origin ?? null,
    before: f?.before ?? null,
    after: f?.after ?? null,
    details: f?.details ?? null,
  });
  interface Unlinked {
    seq: number;
    id: string;
    occurredAt: Date;
  }
  /** A fake database: the chain walk, and the events without a link (filtered by the cutoff as SQL would). */
  const db = (links: unknown[], unlinked: Unlinked[] = []): SqlQueryable => ({
    query: async (sql, params) => {
      if (sql.includes('FROM audit_chain c LEFT JOIN audit_events e')) return params?.[0] === '0' ? links : [];
      if (sql.includes('NOT EXISTS')) {
        const cutoff = params![0] as Date;
        const old = unlinked.filter((u) => u.occurredAt < cutoff).sort((x, y) => x.seq - y.seq);
        return [{ pending: unlinked.length - old.length, unchained: old.length, first_seq: old[0] ? String(old[0].seq) : null, first_id: old[0]?.id ?? null }];
      }
      throw new Error(`unexpected query ${sql}`);
    },
  });

  it('accepts an intact chain and names the first edited or missing link', async () => {
    const [e1, e2, e3] = [event(1), event(2), event(3)];
    const [r1, r2, r3] = linkRows([e1, e2, e3]);
    await expect(verifyAuditChain(db([r1, r2, r3]))).resolves.toEqual({
      ok: true,
      checked: 3,
      firstBreak: null,
      lastHash: r3!.link_hash,
      pending: 0,
      unchained: 0,
    });
    // an edited event
    await expect(verifyAuditChain(db([r1, { ...r2, outcome: 'failure' }, r3]))).resolves.toMatchObject({
      ok: false,
      checked: 1,
      firstBreak: { seq: '2', id: e2.id, position: '2', reason: 'hash_mismatch' },
      lastHash: r1!.link_hash,
    });
    // an edited link
    await expect(verifyAuditChain(db([r1, { ...r2, link_hash: 'x' }, r3]))).resolves.toMatchObject({
      firstBreak: { seq: '2', position: '2', reason: 'hash_mismatch' },
    });
    // a removed link
    await expect(verifyAuditChain(db([r1, r3]))).resolves.toMatchObject({ ok: false, firstBreak: { seq: '3', position: '3', reason: 'prev_hash_mismatch' } });
    // a removed event
    await expect(verifyAuditChain(db([r1, row(2, 2, { eventId: e2.id, prevHash: r2!.link_prev_hash, hash: r2!.link_hash }, null), r3]))).resolves.toMatchObject({
      ok: false,
      firstBreak: { seq: null, id: e2.id, position: '2', reason: 'event_missing' },
    });
  });

  it('follows the chain\'s order, not seq: an event that committed late is linked after higher seqs', async () => {
    const events = [event(1), event(3), event(2)];
    await expect(verifyAuditChain(db(linkRows(events, [1, 3, 2])))).resolves.toMatchObject({ ok: true, checked: 3 });
  });

  it('counts events without a link as pending within the grace period and as a break after it', async () => {
    const links = linkRows([event(1)]);
    const now = new Date('2026-01-01T00:10:00Z');
    const unlinked = [
      { seq: 5, id: event(5).id, occurredAt: new Date('2026-01-01T00:09:30Z') },
      { seq: 4, id: event(4).id, occurredAt: new Date('2026-01-01T00:08:00Z') },
      { seq: 3, id: event(3).id, occurredAt: new Date('2026-01-01T00:07:00Z') },
    ];
    await expect(verifyAuditChain(db(links, unlinked), { now, graceMs: 60_000 })).resolves.toMatchObject({
      ok: false,
      checked: 1,
      firstBreak: { seq: '3', id: event(3).id, position: null, reason: 'unchained' },
      pending: 1,
      unchained: 2,
    });
    await expect(verifyAuditChain(db(links, unlinked), { now, graceMs: 10 * 60_000 })).resolves.toMatchObject({
      ok: true,
      firstBreak: null,
      pending: 3,
      unchained: 0,
    });
  });

  it('names a broken link before an unchained event', async () => {
    const [r1, r2] = linkRows([event(1), event(2)]);
    const unlinked = [{ seq: 9, id: event(9).id, occurredAt: new Date(0) }];
    await expect(verifyAuditChain(db([r1, { ...r2, link_prev_hash: 'x' }], unlinked))).resolves.toMatchObject({
      firstBreak: { seq: '2', reason: 'prev_hash_mismatch' },
      unchained: 1,
    });
  });
});
