import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { RedisService } from '../redis/redis.module.js';

export const LINK_FAILURE_WINDOW_MS = 15 * 60_000;

/**
 * Failed secure-link attempts per client address, in fixed windows: shared in Redis when REDIS_URL
 * is set, else in this instance's memory. Over the limit, an address gets 429 before any check.
 */
@Injectable()
export class LinkFailureLimiter implements OnModuleDestroy {
  private readonly memory = new Map<string, { count: number; resetAt: number }>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly limit: number;

  constructor(
    private readonly redis: RedisService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.limit = config.links.failureLimitPerAddress;
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  async isLimited(address: string): Promise<boolean> {
    return (await this.count(address)) >= this.limit;
  }

  /** Counts one failure; returns the count in the current window. */
  async recordFailure(address: string): Promise<number> {
    const client = this.redis.client;
    if (client) {
      const key = `link-failures:${address}`;
      const [[, count]] = (await client.multi().incr(key).pexpire(key, LINK_FAILURE_WINDOW_MS, 'NX').exec()) as [[Error | null, number]];
      return count;
    }
    const now = Date.now();
    const entry = this.memory.get(address);
    if (!entry || entry.resetAt <= now) {
      if (this.memory.size > 100_000) this.sweep();
      this.memory.set(address, { count: 1, resetAt: now + LINK_FAILURE_WINDOW_MS });
      return 1;
    }
    entry.count += 1;
    return entry.count;
  }

  get maxFailures(): number {
    return this.limit;
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  private async count(address: string): Promise<number> {
    const client = this.redis.client;
    if (client) {
      const value = await client.get(`link-failures:${address}`);
      return value ? Number(value) : 0;
    }
    const entry = this.memory.get(address);
    return entry && entry.resetAt > Date.now() ? entry.count : 0;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.memory) if (entry.resetAt <= now) this.memory.delete(key);
  }
}
