import { createHash } from 'node:crypto';

/** The `prev_hash` of the first link. Hashes are base64url, not hex: long digit runs in hex would
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

/** One link of audit_chain: an event and its place in the chain. */
export interface ChainLink {
  eventId: string;
  prevHash: string;
  hash: string;
}

/** Links events, in the order given, onto a chain whose last hash is `prevHash`. */
export function linkEvents(prevHash: string, events: readonly ChainedFields[]): ChainLink[] {
  const links: ChainLink[] = [];
  let prev = prevHash;
  for (const event of events) {
    const hash = chainHash(prev, event);
    links.push({ eventId: event.id, prevHash: prev, hash });
    prev = hash;
  }
  return links;
}

export type ChainBreakReason =
  /** the link does not point at the previous link's hash: a link was removed, inserted or edited */
  | 'prev_hash_mismatch'
  /** the event (or the link's hash) was edited since it was chained */
  | 'hash_mismatch'
  /** a link whose event no longer exists */
  | 'event_missing'
  /** an event older than the grace period that no link covers */
  | 'unchained';

export interface ChainBreak {
  /** the event's seq; null when the event is missing */
  seq: string | null;
  id: string;
  /** the link's position in audit_chain; null for an unchained event */
  position: string | null;
  reason: ChainBreakReason;
}

export interface ChainVerification {
  ok: boolean;
  /** links checked and found intact (before the first break, if any) */
  checked: number;
  /** the first broken link, when the chain is broken */
  firstBreak: ChainBreak | null;
  /** the hash of the last intact link */
  lastHash: string;
  /** events not chained yet but within the grace period: not a break */
  pending: number;
  /** events not chained and older than the grace period: each a break */
  unchained: number;
}

export interface VerifyOptions {
  /** the clock the grace period is measured against (default: now) */
  now?: Date;
  /** how long an event may wait for its link before it counts as a break (default 60 s) */
  graceMs?: number;
}

/** How long a committed event may stay unchained: the chainer runs every 250 ms. */
export const UNCHAINED_GRACE_MS = 60_000;

/** Anything that runs SQL and returns rows: a TypeORM DataSource or EntityManager. */
export interface SqlQueryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** The columns of audit_events that the hash covers, as `EVENT_COLUMNS` selects them. */
export interface EventRow {
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
}

/** Selects an EventRow from `audit_events e`. */
export const EVENT_COLUMNS = `e.seq::text AS seq, e.id, e.occurred_at, e.actor_type, e.actor_id, e.action, e.resource_type, e.resource_id,
       e.outcome, e.origin, e.before, e.after, e.details`;

export function fieldsOf(row: EventRow): ChainedFields {
  return {
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
  };
}

/** A link joined to its event; the event's columns are null when the event is missing. */
type LinkRow = { position: string; event_id: string; link_prev_hash: string; link_hash: string } & {
  [K in keyof EventRow]: EventRow[K] | null;
};

const BATCH = 1000;

/**
 * Walks audit_chain in position order, recomputing each link's hash from its event as stored and
 * the previous link's hash, and stops at the first broken link: an edited event shows as its own
 * hash_mismatch, a removed link as the next one's prev_hash_mismatch. Then events with no link:
 * those older than the grace period are breaks (the chainer should have linked them), younger
 * ones are pending. Read-only: callers that want pending events linked first run the chainer.
 */
export async function verifyAuditChain(db: SqlQueryable, options: VerifyOptions = {}): Promise<ChainVerification> {
  const cutoff = new Date((options.now ?? new Date()).getTime() - (options.graceMs ?? UNCHAINED_GRACE_MS));
  let expectedPrev = GENESIS_HASH;
  let checked = 0;
  let after = '0';
  let linkBreak: ChainBreak | null = null;
  walk: for (;;) {
    const rows = (await db.query(
      `SELECT c.position::text AS position, c.event_id, c.prev_hash AS link_prev_hash, c.hash AS link_hash, ${EVENT_COLUMNS}
         FROM audit_chain c LEFT JOIN audit_events e ON e.id = c.event_id
        WHERE c.position > $1::bigint ORDER BY c.position LIMIT ${BATCH}`,
      [after],
    )) as LinkRow[];
    for (const row of rows) {
      const at = { seq: row.seq, id: row.event_id, position: row.position };
      if (row.id === null || row.seq === null) {
        linkBreak = { ...at, reason: 'event_missing' };
        break walk;
      }
      if (row.link_prev_hash !== expectedPrev) {
        linkBreak = { ...at, reason: 'prev_hash_mismatch' };
        break walk;
      }
      if (chainHash(row.link_prev_hash, fieldsOf(row as EventRow)) !== row.link_hash) {
        linkBreak = { ...at, reason: 'hash_mismatch' };
        break walk;
      }
      expectedPrev = row.link_hash;
      checked += 1;
    }
    if (rows.length < BATCH) break;
    after = rows[rows.length - 1]!.position;
  }

  const [missing] = (await db.query(
    `SELECT count(*) FILTER (WHERE e.occurred_at >= $1)::int AS pending,
            count(*) FILTER (WHERE e.occurred_at < $1)::int AS unchained,
            (array_agg(e.seq::text ORDER BY e.seq) FILTER (WHERE e.occurred_at < $1))[1] AS first_seq,
            (array_agg(e.id ORDER BY e.seq) FILTER (WHERE e.occurred_at < $1))[1] AS first_id
       FROM audit_events e
      WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = e.id)`,
    [cutoff],
  )) as { pending: number; unchained: number; first_seq: string | null; first_id: string | null }[];
  const pending = missing?.pending ?? 0;
  const unchained = missing?.unchained ?? 0;
  const firstBreak: ChainBreak | null =
    linkBreak ?? (missing?.first_id ? { seq: missing.first_seq, id: missing.first_id, position: null, reason: 'unchained' } : null);
  return { ok: firstBreak === null, checked, firstBreak, lastHash: expectedPrev, pending, unchained };
}
