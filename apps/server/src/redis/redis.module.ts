import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

/** The shared Redis connection when REDIS_URL is set (several instances); null for one instance. */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  readonly client: Redis | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.client = config.redisUrl
      ? new Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true, keyPrefix: config.redisKeyPrefix })
      : null;
    // Connection errors surface through /health; an unhandled 'error' event would crash the process.
    this.client?.on('error', () => undefined);
  }

  /** A second connection, for subscribers (a subscribed connection cannot run other commands). */
  duplicate(): Redis | null {
    const copy = this.client?.duplicate() ?? null;
    copy?.on('error', () => undefined);
    return copy;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.client && this.client.status !== 'end') await this.client.quit().catch(() => undefined);
  }
}

@Global()
@Module({ providers: [RedisService], exports: [RedisService] })
export class RedisModule {}
