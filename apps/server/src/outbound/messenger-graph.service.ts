import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { FakeGraphApi, SendApiClient } from '@handoff/messenger';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

/**
 * The Send API client for this process. In demo mode (no MESSENGER_GRAPH_URL and no Messenger
 * settings) it starts the built-in fake Graph API on a loopback port and talks to that.
 */
@Injectable()
export class MessengerGraphService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(MessengerGraphService.name);
  private sendApi: SendApiClient | null = null;
  private demoFake: FakeGraphApi | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    let graphUrl = this.config.messenger.graphUrl;
    if (graphUrl === null) {
      this.demoFake = await FakeGraphApi.start({ appSecret: this.config.messenger.appSecrets[0] });
      graphUrl = this.demoFake.url;
      this.logger.log(`demo mode: fake Graph API at ${graphUrl}`);
    }
    this.sendApi = new SendApiClient({ graphUrl, appSecret: this.config.messenger.appSecrets[0], timeoutMs: this.config.outbox.sendTimeoutMs });
  }

  get client(): SendApiClient {
    if (!this.sendApi) throw new Error('Send API client used before module init');
    return this.sendApi;
  }

  /** The demo's fake Graph API (the simulator shows what it received), or null. */
  get fake(): FakeGraphApi | null {
    return this.demoFake;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.demoFake?.close();
  }
}
