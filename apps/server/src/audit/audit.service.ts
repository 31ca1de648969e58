import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { stripControlCharacters } from '../logging/log-redaction.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AuditEventEntity } from './audit-event.entity.js';
import { verifyAuditChain, type ChainVerification, type VerifyOptions } from './audit-chain.js';
import { AuditChainer } from './audit-chainer.js';
import type { AuditEventInput, AuditEventView } from './audit.types.js';
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
 * transaction, so an event exists exactly when what it describes does. Recording is one INSERT and
 * takes no lock: AuditChainer links committed events onto the hash chain (audit_chain) within a
 * second, in its own transactions.
 */
@Injectable()
export class AuditService {
  private readonly events;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly chainer: AuditChainer,
    metrics: MetricsService,
  ) {
    this.events = metrics.counter('audit_events_total', 'Audit events recorded, by action and outcome', ['action', 'outcome']);
  }

  async record(event: AuditEventInput, manager?: EntityManager): Promise<void> {
    await this.insert(event, manager ?? this.dataSource.manager);
    this.events.inc({ action: event.action, outcome: event.outcome });
  }

  private async insert(event: AuditEventInput, manager: EntityManager): Promise<void> {
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
    await manager.query(
      `INSERT INTO audit_events (id, occurred_at, actor_type, actor_id, action, resource_type, resource_id, outcome, origin,
                                 before, after, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12::jsonb)`,
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
      ],
    );
  }

  async list(query: AuditQuery): Promise<{ items: AuditEventView[]; nextCursor: string | null }> {
    const qb = this.dataSource
      .getRepository(AuditEventEntity)
      .createQueryBuilder('e')
      .leftJoin('audit_chain', 'c', 'c.event_id = e.id')
      .addSelect('c.position::text', 'chain_position')
      .addSelect('c.prev_hash', 'chain_prev_hash')
      .addSelect('c.hash', 'chain_hash');
    if (query.action) qb.andWhere('e.action = :action', { action: query.action });
    if (query.actorType) qb.andWhere('e.actorType = :actorType', { actorType: query.actorType });
    if (query.actorId) qb.andWhere('e.actorId = :actorId', { actorId: query.actorId });
    if (query.resourceType) qb.andWhere('e.resourceType = :resourceType', { resourceType: query.resourceType });
    if (query.resourceId) qb.andWhere('e.resourceId = :resourceId', { resourceId: query.resourceId });
    if (query.outcome) qb.andWhere('e.outcome = :outcome', { outcome: query.outcome });
    if (query.from) qb.andWhere('e.occurredAt >= :from', { from: query.from });
    if (query.to) qb.andWhere('e.occurredAt < :to', { to: query.to });
    if (query.before) qb.andWhere('e.seq < :before', { before: query.before });
    const { entities: rows, raw } = await qb.orderBy('e.seq', 'DESC').limit(query.limit + 1).getRawAndEntities<ChainColumns & { e_seq: string }>();
    const links = new Map(raw.map((r) => [String(r.e_seq), r]));
    const page = rows.slice(0, query.limit);
    return {
      items: page.map((row) => toView(row, links.get(String(row.seq)))),
      nextCursor: rows.length > query.limit ? (page[page.length - 1]?.seq ?? null) : null,
    };
  }

  /** Links whatever is pending, then checks the whole chain. */
  async verify(options?: VerifyOptions): Promise<ChainVerification> {
    await this.chainer.chainPending();
    return verifyAuditChain(this.dataSource, options);
  }
}

interface ChainColumns {
  chain_position: string | null;
  chain_prev_hash: string | null;
  chain_hash: string | null;
}

function toView(row: AuditEventEntity, link: ChainColumns | undefined): AuditEventView {
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
    chainPosition: link?.chain_position ?? null,
    prevHash: link?.chain_prev_hash ?? null,
    hash: link?.chain_hash ?? null,
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
