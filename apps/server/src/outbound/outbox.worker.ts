import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { type Task, Logger as WorkerLogger, type Runner, run, runMigrations } from 'graphile-worker';
import pg from 'pg';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { OutboxDeliveryService } from './outbox-delivery.service.js';
import { DELIVER_TASK, jobName } from './outbox.service.js';

const WORKER_SCHEMA_LOCK_KEY = 7_406_211_003;

/**
 * The jobs table churns by thousands of rows a second under load (insert, lock, delete), far faster
 * than autovacuum re-reads its statistics (once a minute at best). With a stale estimate of a few
 * rows, the planner reads the whole bloated table and sorts it to find each next job instead of
 * walking its index: measured at 1.5-9 ms per lookup during a backlog, against 0.6 ms with fresh
 * statistics. So the worker refreshes them itself when enough rows have changed.
 */
const JOBS_ANALYZE_EVERY_MS = 5_000;
const JOBS_ANALYZE_AFTER_CHANGES = 2_000;
/** One instance at a time refreshes them (a session advisory lock, tried, never waited for). */
const JOBS_ANALYZE_LOCK_KEY = 7_406_211_004;

/** What a statistics refresh did. */
export type StatisticsRefresh = 'analyzed' | 'unchanged' | 'busy';

/** A job's handler. It must be safe to run twice: a crash after its work but before the job is
 * marked done runs it again. */
export type JobHandler = (payload: unknown) => Promise<void>;

/**
 * Runs graphile-worker in this process: its schema is installed before the app takes requests
 * (the intake transaction calls add_job), and its jobs deliver outbox rows and run the tasks other
 * modules register (before the application bootstrap). Several instances share the jobs table
 * safely (SKIP LOCKED).
 */
@Injectable()
export class OutboxWorker implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxWorker.name);
  private pool: pg.Pool | null = null;
  private runner: Runner | null = null;
  private workerLogger: WorkerLogger | null = null;
  private readonly tasks = new Map<string, JobHandler>();
  private analyzeTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly delivery: OutboxDeliveryService,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.databaseUrl) throw new Error('database URL missing');
    this.pool = new pg.Pool({ connectionString: this.config.databaseUrl, max: this.config.outbox.concurrency + 2, application_name: 'secure-handoff-outbox' });
    this.pool.on('error', (error) => this.logger.warn({ err: { type: error.name } }, 'outbox pool error'));
    const logger = new WorkerLogger(() => (level, message) => {
      // graphile-worker's messages name tasks and job ids; a failed task's error message is one of
      // ours (withoutErrorMessages), never a library's that could quote a value
      if (level === 'error') this.logger.error(message);
      else if (level === 'warning') this.logger.warn(message);
    });
    this.workerLogger = logger;
    await this.installWorkerSchema(logger);
  }

  /** Called by other modules from their onModuleInit, with the task's name without namespace. */
  registerTask(name: string, handler: JobHandler): void {
    if (this.runner) throw new Error(`task ${name} registered after the worker started`);
    this.tasks.set(name, handler);
  }

  async onApplicationBootstrap(): Promise<void> {
    const taskList: Record<string, Task> = {};
    for (const [name, handler] of this.tasks) taskList[jobName(this.config, name)] = withoutErrorMessages((payload) => handler(payload));
    const deliverTask = jobName(this.config, DELIVER_TASK);
    this.runner = await run({
      pgPool: this.pool!,
      logger: this.workerLogger!,
      concurrency: this.config.outbox.concurrency,
      noHandleSignals: true,
      // Delayed jobs (retries) are found by polling; new ones arrive through LISTEN/NOTIFY at once.
      pollInterval: 250,
      taskList: {
        ...taskList,
        [deliverTask]: withoutErrorMessages(async (payload, helpers) => {
          const { outboxId, queue } = (payload ?? {}) as { outboxId?: unknown; queue?: unknown };
          if (typeof outboxId !== 'string') return;
          const outcome = await this.delivery.deliver(outboxId);
          if (outcome.type === 'done') return;
          // A new job rather than a thrown error: the delay is ours (exponential, with jitter).
          const queueName = typeof queue === 'string' ? queue : undefined;
          await helpers.addJob(deliverTask, { outboxId, queue }, { queueName, runAt: new Date(Date.now() + outcome.delayMs) });
        }),
      },
    });
    this.scheduleStatisticsRefresh();
  }

  /**
   * ANALYZE of the jobs table when at least `threshold` rows changed since the last one (see
   * JOBS_ANALYZE_EVERY_MS). Never waits: another instance refreshing them, or a lock held on the
   * table (autovacuum among others: waiting would get it cancelled), makes this a no-op.
   */
  async refreshJobStatistics(threshold = JOBS_ANALYZE_AFTER_CHANGES): Promise<StatisticsRefresh> {
    const pool = this.pool;
    if (!pool) return 'busy';
    const client = await pool.connect();
    // a failure drops the connection: a session lock must not stay behind in the pool
    let failed: Error | undefined;
    try {
      const { rows } = await client.query<{ changed: string }>(
        `SELECT n_mod_since_analyze::text AS changed FROM pg_stat_user_tables WHERE relid = 'graphile_worker._private_jobs'::regclass`,
      );
      if (Number(rows[0]?.changed ?? 0) < threshold) return 'unchanged';
      const locked = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [JOBS_ANALYZE_LOCK_KEY]);
      if (!locked.rows[0]?.ok) return 'busy';
      await client.query('ANALYZE (SKIP_LOCKED) graphile_worker._private_jobs');
      await client.query('SELECT pg_advisory_unlock($1)', [JOBS_ANALYZE_LOCK_KEY]);
      return 'analyzed';
    } catch (error) {
      failed = error instanceof Error ? error : new Error('statistics refresh failed');
      throw error;
    } finally {
      client.release(failed);
    }
  }

  private scheduleStatisticsRefresh(): void {
    this.analyzeTimer = setTimeout(() => {
      this.refreshJobStatistics()
        .catch((error: unknown) => this.logger.warn({ err: { type: error instanceof Error ? error.name : typeof error } }, 'job table statistics not refreshed'))
        .finally(() => {
          if (this.analyzeTimer) this.scheduleStatisticsRefresh();
        });
    }, JOBS_ANALYZE_EVERY_MS);
    this.analyzeTimer.unref();
  }

  /** graphile-worker's own migrations, under an advisory lock: instances starting together on a new
   * database would otherwise race to create its schema. */
  private async installWorkerSchema(logger: WorkerLogger): Promise<void> {
    const client = await this.pool!.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [WORKER_SCHEMA_LOCK_KEY]);
      try {
        await runMigrations({ pgPool: this.pool!, logger });
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [WORKER_SCHEMA_LOCK_KEY]);
      }
    } finally {
      client.release();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.analyzeTimer) clearTimeout(this.analyzeTimer);
    this.analyzeTimer = null;
    await this.runner?.stop();
    this.runner = null;
    await this.pool?.end();
    this.pool = null;
  }
}

/**
 * A task whose failure carries only the error's type and code: graphile-worker logs a failed task's
 * message and stores it in its jobs table, and library errors (pg, JSON.parse) quote the values they
 * choked on. The job is retried as before.
 */
export function withoutErrorMessages(task: Task): Task {
  return async (payload, helpers) => {
    try {
      await task(payload, helpers);
    } catch (error) {
      const name = error instanceof Error ? error.name : typeof error;
      const code = (error as { code?: unknown } | null)?.code;
      throw new Error(`task failed: ${name}${typeof code === 'string' && /^[A-Za-z0-9_]{1,40}$/.test(code) ? ` (${code})` : ''}`);
    }
  };
}
