import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { MetricsService } from '../metrics/metrics.service.js';
import { EVENT_COLUMNS, type EventRow, fieldsOf, GENESIS_HASH, linkEvents } from './audit-chain.js';

/** Only chainers take this transaction-scoped lock (one per instance, plus audit:verify), so the
 * chain never forks; recording an event takes no lock at all. */
export const AUDIT_CHAIN_LOCK_KEY = 7_406_211_002;
export const CHAIN_INTERVAL_MS = 250;
export const CHAIN_BATCH = 500;
/** A tick looks only at events whose seq was handed out at most this long before it (see below). */
const TICK_LOOKBACK_MS = 15_000;
/** ...and every so often further back, for transactions that commit long after they record. */
const DEEP_LOOKBACK_MS = 10 * 60_000;
const DEEP_EVERY_MS = 60_000;

export interface ChainOptions {
  /** look only at events with a greater seq (default '0': all) */
  afterSeq?: string;
  /** wait for another chainer to finish (default); false: return 0 at once when one holds the lock */
  wait?: boolean;
  batchSize?: number;
}

/**
 * Appends a link to audit_chain for every committed event that has none, in seq order, in batches,
 * each in a transaction under the chain lock that starts from the last link's hash. An event whose
 * transaction commits after a higher seq was chained is linked later: the chain's order is
 * audit_chain.position, not seq. Returns how many events it linked.
 */
export async function chainPendingEvents(dataSource: DataSource, options: ChainOptions = {}): Promise<number> {
  const batchSize = options.batchSize ?? CHAIN_BATCH;
  let total = 0;
  for (;;) {
    const linked = await dataSource.transaction(async (manager) => {
      if (options.wait === false) {
        const [lock] = (await manager.query('SELECT pg_try_advisory_xact_lock($1) AS ok', [AUDIT_CHAIN_LOCK_KEY])) as { ok: boolean }[];
        if (!lock?.ok) return 0;
      } else {
        await manager.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK_KEY]);
      }
      // READ COMMITTED: these statements see everything the previous lock holder committed.
      const [last] = (await manager.query('SELECT hash FROM audit_chain ORDER BY position DESC LIMIT 1')) as { hash: string }[];
      const events = (await manager.query(
        `SELECT ${EVENT_COLUMNS} FROM audit_events e
          WHERE e.seq > $1::bigint AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = e.id)
          ORDER BY e.seq LIMIT $2`,
        [options.afterSeq ?? '0', batchSize],
      )) as EventRow[];
      if (events.length === 0) return 0;
      const links = linkEvents(last?.hash ?? GENESIS_HASH, events.map(fieldsOf));
      // Positions are drawn in the ORDER BY's order, so the chain reads back as linked.
      await manager.query(
        `INSERT INTO audit_chain (event_id, prev_hash, hash)
         SELECT l.event_id, l.prev_hash, l.hash FROM unnest($1::uuid[], $2::text[], $3::text[]) WITH ORDINALITY AS l(event_id, prev_hash, hash, n)
          ORDER BY l.n`,
        [links.map((l) => l.eventId), links.map((l) => l.prevHash), links.map((l) => l.hash)],
      );
      return events.length;
    });
    total += linked;
    if (linked < batchSize) return total;
  }
}

/**
 * Chains recorded events in the background, every 250 ms, and on demand (`chainPending`, which
 * verification calls first). Every instance runs one; a tick skips when another holds the lock.
 *
 * A tick need not scan the whole trail: seqs are handed out in order, so an event with a seq no
 * greater than the highest one visible at an earlier tick was recorded before that tick. A tick
 * looks at events recorded within the last 15 s, a deep tick every minute within the last 10 min,
 * and the first tick and `chainPending` at everything.
 */
@Injectable()
export class AuditChainer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AuditChainer.name);
  private readonly linked;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  /** the highest visible seq, observed at each tick of the last DEEP_LOOKBACK_MS, oldest first */
  private marks: { at: number; seq: string }[] = [];
  private lastFullAt = 0;
  private lastDeepAt = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    metrics: MetricsService,
  ) {
    this.linked = metrics.counter('audit_chain_links_total', 'Audit events linked onto the hash chain', []);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.tick()
        .catch((error: unknown) => this.logger.warn({ err: { type: error instanceof Error ? error.name : 'unknown' } }, 'audit chaining failed'))
        .finally(() => (this.running = null));
    }, CHAIN_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Links every committed event that has no link yet; returns how many. */
  async chainPending(): Promise<number> {
    const linked = await chainPendingEvents(this.dataSource);
    this.linked.inc(linked);
    return linked;
  }

  private async tick(): Promise<void> {
    const now = Date.now();
    const [top] = (await this.dataSource.query('SELECT coalesce(max(seq), 0)::text AS seq FROM audit_events')) as { seq: string }[];
    this.marks.push({ at: now, seq: top?.seq ?? '0' });
    while (this.marks.length > 1 && this.marks[1]!.at <= now - DEEP_LOOKBACK_MS) this.marks.shift();
    if (this.lastFullAt === 0) {
      // The first tick waits its turn and scans everything: events left from before this start.
      this.linked.inc(await chainPendingEvents(this.dataSource));
      this.lastFullAt = this.lastDeepAt = now;
      return;
    }
    let afterSeq: string;
    if (now - this.lastDeepAt >= DEEP_EVERY_MS) {
      afterSeq = this.floor(now - DEEP_LOOKBACK_MS);
      this.lastDeepAt = now;
    } else {
      afterSeq = this.floor(now - TICK_LOOKBACK_MS);
    }
    this.linked.inc(await chainPendingEvents(this.dataSource, { afterSeq, wait: false }));
  }

  /** The highest seq visible at a tick no later than `before`: every event up to it was recorded by then. */
  private floor(before: number): string {
    let seq = '0';
    for (const mark of this.marks) {
      if (mark.at > before) break;
      seq = mark.seq;
    }
    return seq;
  }
}
