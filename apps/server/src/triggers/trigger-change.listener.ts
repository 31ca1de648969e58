import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { TriggerEvaluator } from './trigger.evaluator.js';
import { TRIGGER_CHANGES_CHANNEL } from './trigger.repository.js';

/** A full reload now and then, in case a notification was lost while disconnected. */
const SAFETY_RELOAD_MS = 30_000;
const RECONNECT_MS = 1_000;

/**
 * Listens for trigger changes made by any instance (PostgreSQL LISTEN/NOTIFY on a dedicated
 * connection: the notification is sent by the changing transaction and delivered at its commit) and
 * reloads the local trigger set. Needs a session-level connection: not through a transaction-mode pooler.
 */
@Injectable()
export class TriggerChangeListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TriggerChangeListener.name);
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reconnect: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly evaluator: TriggerEvaluator,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.connect();
    this.timer = setInterval(() => this.reload(), SAFETY_RELOAD_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.reconnect) clearTimeout(this.reconnect);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped || !this.config.databaseUrl) return;
    const client = new pg.Client({ connectionString: this.config.databaseUrl, application_name: 'secure-handoff-trigger-listener' });
    client.on('notification', (message) => {
      if (message.channel === TRIGGER_CHANGES_CHANNEL) this.reload();
    });
    client.on('error', () => this.scheduleReconnect(client));
    client.on('end', () => this.scheduleReconnect(client));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${TRIGGER_CHANGES_CHANNEL}`);
      // Changes made while we were not listening.
      this.reload();
    } catch {
      this.scheduleReconnect(client);
    }
  }

  private scheduleReconnect(client: pg.Client): void {
    // Only the current connection reconnects: late events of a replaced one are ignored.
    if (this.stopped || this.reconnect || this.client !== client) return;
    this.client = null;
    void client.end().catch(() => undefined);
    this.logger.warn('trigger change listener disconnected; reconnecting');
    this.reconnect = setTimeout(() => {
      this.reconnect = null;
      void this.connect();
    }, RECONNECT_MS);
    this.reconnect.unref();
  }

  private reload(): void {
    this.evaluator.reload().catch(() => this.logger.error('trigger set reload failed'));
  }
}
