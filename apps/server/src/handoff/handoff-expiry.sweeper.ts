import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HandoffService } from './handoff.service.js';

export const EXPIRY_SWEEP_INTERVAL_MS = 15_000;

/** Expires offers past their time even when nobody touches them again (audit, conversation state,
 * thread taken back). Every instance sweeps; the conditional UPDATEs make that safe. */
@Injectable()
export class HandoffExpirySweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HandoffExpirySweeper.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(private readonly handoffs: HandoffService) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.handoffs
        .sweepExpired()
        .catch((error: unknown) => this.logger.warn({ err: { type: error instanceof Error ? error.name : 'unknown' } }, 'handoff expiry sweep failed'))
        .finally(() => (this.running = null));
    }, EXPIRY_SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
