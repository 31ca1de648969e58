import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { RedisService } from '../redis/redis.module.js';

/**
 * Failed-login counters in fixed windows, keyed by client address (and by unknown e-mail): shared in
 * Redis when REDIS_URL is set, else in this instance's memory.
 */
@Injectable()
export class LoginAttemptCounter implements OnModuleDestroy {
  private readonly memory = new Map<string, { count: number; resetAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly redis: RedisService) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  async count(key: string): Promise<number> {
    const client = this.redis.client;
    if (client) {
      const value = await client.get(`login-failures:${key}`);
      return value ? Number(value) : 0;
    }
    const entry = this.memory.get(key);
    return entry && entry.resetAt > Date.now() ? entry.count : 0;
  }

  async increment(key: string, windowMs: number): Promise<number> {
    const client = this.redis.client;
    if (client) {
      const redisKey = `login-failures:${key}`;
      const [[, count]] = (await client.multi().incr(redisKey).pexpire(redisKey, windowMs, 'NX').exec()) as [[Error | null, number]];
      return count;
    }
    const now = Date.now();
    const entry = this.memory.get(key);
    if (!entry || entry.resetAt <= now) {
      this.memory.set(key, { count: 1, resetAt: now + windowMs });
      return 1;
    }
    entry.count += 1;
    return entry.count;
  }

  /** Gives back one counted attempt (a sign-in counted up front turned out to succeed). */
  async decrement(key: string): Promise<void> {
    const client = this.redis.client;
    if (client) {
      await client.decr(`login-failures:${key}`);
      return;
    }
    const entry = this.memory.get(key);
    if (entry && entry.count > 0) entry.count -= 1;
  }

  async reset(key: string): Promise<void> {
    const client = this.redis.client;
    if (client) await client.del(`login-failures:${key}`);
    else this.memory.delete(key);
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.memory) if (entry.resetAt <= now) this.memory.delete(key);
  }
}
