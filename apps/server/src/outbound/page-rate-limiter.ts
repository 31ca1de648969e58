import type { Redis } from 'ioredis';

/**
 * Keeps each Page under its Send API rate. With Redis, one fixed one-second window shared by all
 * instances; without, a token bucket in this process (one instance).
 */
export class PageRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; refilledAt: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly redis: Redis | null,
  ) {}

  /** Resolves when a call for this Page may be made. */
  async acquire(pageId: string): Promise<void> {
    for (;;) {
      const waitMs = this.redis ? await this.tryShared(pageId, this.redis) : this.tryLocal(pageId);
      if (waitMs === 0) return;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }

  private tryLocal(pageId: string): number {
    const now = Date.now();
    const bucket = this.buckets.get(pageId) ?? { tokens: this.ratePerSecond, refilledAt: now };
    bucket.tokens = Math.min(this.ratePerSecond, bucket.tokens + ((now - bucket.refilledAt) / 1000) * this.ratePerSecond);
    bucket.refilledAt = now;
    this.buckets.set(pageId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / this.ratePerSecond) * 1000);
  }

  private async tryShared(pageId: string, redis: Redis): Promise<number> {
    const second = Math.floor(Date.now() / 1000);
    const key = `send-rate:${pageId}:${second}`;
    const count = await redis.incr(key);
    if (count === 1) await redis.expire(key, 2);
    if (count <= this.ratePerSecond) return 0;
    return 1000 - (Date.now() % 1000) + 1;
  }
}
