import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { stripControlCharacters } from '../logging/log-redaction.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AuditEventEntity } from './audit-event.entity.js';
import { chainHash, GENESIS_HASH, verifyAuditChain, type ChainVerification } from './audit-chain.js';
import type { AuditEventInput, AuditEventView } from './audit.types.js';

/** Every appender takes this transaction-scoped lock, so the chain never forks. */
const AUDIT_CHAIN_LOCK_KEY = 7_406_211_002;
const SECRET_KEY = /password|passphrase|secret|token|hash|cookie|authorization|credential/i;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const MAX_DEPTH = 8;
const MAX_STRING = 2000;

export interface AuditQuery {
  action?: string;
  actorType?: string;
  actorId?: string;
  resourceType?: string;
  resourceId?: string;
  outcome?: string;
  from?: Date;
  to?: Date;
  /** newest first: only events older than this seq */
  before?: string;
  limit: number;
}

/**
 * The append-only, hash-chained audit trail. `record` with a manager writes in the caller's
 * transaction (READ COMMITTED, the default), so an event exists exactly when what it describes does.
 * Appends are serialised by an advisory lock held until that transaction ends.
 */
@Injectable()
export class AuditService {
  private readonly events;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    metrics: MetricsService,
  ) {
    this.events = metrics.counter('audit_events_total', 'Audit events recorded, by action and outcome', ['action', 'outcome']);
  }

  async record(event: AuditEventInput, manager?: EntityManager): Promise<void> {
    if (manager?.queryRunner?.isTransactionActive) await this.append(event, manager);
    else await (manager ?? this.dataSource.manager).transaction((m) => this.append(event, m));
    this.events.inc({ action: event.action, outcome: event.outcome });
  }

  private async append(event: AuditEventInput, manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK_KEY]);
    const last = (await manager.query('SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1')) as { hash: string }[];
    const prevHash = last[0]?.hash ?? GENESIS_HASH;
    const fields = {
      id: randomUUID(),
      // Millisecond precision, which survives the round trip through timestamptz unchanged.
      occurredAt: new Date(),
      actorType: event.actor.type,
      actorId: event.actor.id ? clean(event.actor.id, 200) : null,
      action: clean(event.action, 100),
      resourceType: clean(event.resource.type, 100),
      resourceId: event.resource.id ? clean(event.resource.id, 200) : null,
      outcome: event.outcome,
      origin: event.origin ? clean(event.origin, 200) : null,
      before: sanitise(event.before, 0) ?? null,
      after: sanitise(event.after, 0) ?? null,
      details: sanitise(event.details, 0) ?? null,
    };
    const hash = chainHash(prevHash, fields);
    await manager.query(
      `INSERT INTO audit_events (id, occurred_at, actor_type, actor_id, action, resource_type, resource_id, outcome, origin,
                                 before, after, details, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12::jsonb, $13, $14)`,
      [
        fields.id,
        fields.occurredAt,
        fields.actorType,
        fields.actorId,
        fields.action,
        fields.resourceType,
        fields.resourceId,
        fields.outcome,
        fields.origin,
        jsonOrNull(fields.before),
        jsonOrNull(fields.after),
        jsonOrNull(fields.details),
        prevHash,
        hash,
      ],
    );
  }

  async list(query: AuditQuery): Promise<{ items: AuditEventView[]; nextCursor: string | null }> {
    const qb = this.dataSource.getRepository(AuditEventEntity).createQueryBuilder('e');
    if (query.action) qb.andWhere('e.action = :action', { action: query.action });
    if (query.actorType) qb.andWhere('e.actorType = :actorType', { actorType: query.actorType });
    if (query.actorId) qb.andWhere('e.actorId = :actorId', { actorId: query.actorId });
    if (query.resourceType) qb.andWhere('e.resourceType = :resourceType', { resourceType: query.resourceType });
    if (query.resourceId) qb.andWhere('e.resourceId = :resourceId', { resourceId: query.resourceId });
    if (query.outcome) qb.andWhere('e.outcome = :outcome', { outcome: query.outcome });
    if (query.from) qb.andWhere('e.occurredAt >= :from', { from: query.from });
    if (query.to) qb.andWhere('e.occurredAt < :to', { to: query.to });
    if (query.before) qb.andWhere('e.seq < :before', { before: query.before });
    const rows = await qb.orderBy('e.seq', 'DESC').limit(query.limit + 1).getMany();
    const page = rows.slice(0, query.limit);
    return {
      items: page.map(toView),
      nextCursor: rows.length > query.limit ? (page[page.length - 1]?.seq ?? null) : null,
    };
  }

  verify(): Promise<ChainVerification> {
    return verifyAuditChain(this.dataSource);
  }
}

function toView(row: AuditEventEntity): AuditEventView {
  return {
    seq: String(row.seq),
    id: row.id,
    occurredAt: new Date(row.occurredAt).toISOString(),
    actor: { type: row.actorType, id: row.actorId },
    action: row.action,
    resource: { type: row.resourceType, id: row.resourceId },
    outcome: row.outcome,
    origin: row.origin,
    before: row.before,
    after: row.after,
    details: row.details,
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

function clean(value: string, max: number): string {
  return stripControlCharacters(value.slice(0, max).replace(LONE_SURROGATE, '\uFFFD'));
}

function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/**
 * A JSON-safe copy for storage: secrets replaced by a marker whatever the caller passed, no NUL
 * characters (jsonb refuses them), bounded depth and string length, Dates as ISO strings.
 */
export function sanitise(value: unknown, depth: number): unknown {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return value.slice(0, MAX_STRING).replace(/\u0000/g, '').replace(LONE_SURROGATE, '\uFFFD');
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (depth >= MAX_DEPTH) return '[truncated]';
  if (Array.isArray(value)) return value.slice(0, 200).map((item) => sanitise(item, depth + 1) ?? null);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (item === undefined || typeof item === 'function') continue;
      const safeKey = key.replace(/\u0000/g, '').slice(0, 100);
      out[safeKey] = SECRET_KEY.test(safeKey) ? '[redacted]' : sanitise(item, depth + 1);
    }
    return out;
  }
  return null;
}
