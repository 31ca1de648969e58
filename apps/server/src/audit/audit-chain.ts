import { createHash } from 'node:crypto';

/** The `prev_hash` of the first event. Hashes are base64url, not hex: long digit runs in hex would
 * look like card numbers to a scan of the database for leaked data. */
export const GENESIS_HASH = 'genesis';

/** The fields of an event that its hash covers, exactly as they are stored. */
export interface ChainedFields {
  id: string;
  occurredAt: Date;
  actorType: string;
  actorId: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  outcome: string;
  origin: string | null;
  before: unknown;
  after: unknown;
  details: unknown;
}

/**
 * JSON with object keys sorted at every level, so a value hashes the same before it is stored and
 * after PostgreSQL's jsonb (which reorders keys) hands it back.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function chainHash(prevHash: string, fields: ChainedFields): string {
  const payload = canonicalJson({
    id: fields.id,
    occurredAt: fields.occurredAt.toISOString(),
    actorType: fields.actorType,
    actorId: fields.actorId,
    action: fields.action,
    resourceType: fields.resourceType,
    resourceId: fields.resourceId,
    outcome: fields.outcome,
    origin: fields.origin,
    before: fields.before ?? null,
    after: fields.after ?? null,
    details: fields.details ?? null,
  });
  return createHash('sha256').update(prevHash).update('\n').update(payload).digest('base64url');
}

export interface ChainBreak {
  seq: string;
  id: string;
  reason: 'prev_hash_mismatch' | 'hash_mismatch';
}

export interface ChainVerification {
  ok: boolean;
  checked: number;
  /** the first broken link, when the chain is broken */
  firstBreak: ChainBreak | null;
  lastHash: string;
}

/** Anything that runs SQL and returns rows: a TypeORM DataSource or EntityManager. */
export interface SqlQueryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

interface AuditRow {
  seq: string;
  id: string;
  occurred_at: Date;
  actor_type: string;
  actor_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  outcome: string;
  origin: string | null;
  before: unknown;
  after: unknown;
  details: unknown;
  prev_hash: string;
  hash: string;
}

const BATCH = 1000;

/**
 * Walks the whole trail in order, recomputing each hash and checking each link to the previous
 * event; stops at the first broken link. A removed event shows as the next one's prev_hash
 * mismatch, an edited one as its own hash mismatch.
 */
export async function verifyAuditChain(db: SqlQueryable): Promise<ChainVerification> {
  let expectedPrev = GENESIS_HASH;
  let checked = 0;
  let after = '0';
  for (;;) {
    const rows = (await db.query(
      `SELECT seq::text AS seq, id, occurred_at, actor_type, actor_id, action, resource_type, resource_id, outcome, origin,
              before, after, details, prev_hash, hash
         FROM audit_events WHERE audit_events.seq > $1::bigint ORDER BY audit_events.seq LIMIT ${BATCH}`,
      [after],
    )) as AuditRow[];
    for (const row of rows) {
      if (row.prev_hash !== expectedPrev) {
        return { ok: false, checked, firstBreak: { seq: row.seq, id: row.id, reason: 'prev_hash_mismatch' }, lastHash: expectedPrev };
      }
      const recomputed = chainHash(row.prev_hash, {
        id: row.id,
        occurredAt: new Date(row.occurred_at),
        actorType: row.actor_type,
        actorId: row.actor_id,
        action: row.action,
        resourceType: row.resource_type,
        resourceId: row.resource_id,
        outcome: row.outcome,
        origin: row.origin,
        before: row.before,
        after: row.after,
        details: row.details,
      });
      if (recomputed !== row.hash) {
        return { ok: false, checked, firstBreak: { seq: row.seq, id: row.id, reason: 'hash_mismatch' }, lastHash: expectedPrev };
      }
      expectedPrev = row.hash;
      checked += 1;
    }
    if (rows.length < BATCH) return { ok: true, checked, firstBreak: null, lastHash: expectedPrev };
    after = rows[rows.length - 1]!.seq;
  }
}
