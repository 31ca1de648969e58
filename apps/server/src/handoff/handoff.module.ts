import { Module } from '@nestjs/common';
import { LinkTokenService, parseKeyring } from '@handoff/link-tokens';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { Clock } from './clock.js';
import { CustomerSessionController } from './customer-session.controller.js';
import { CustomerSessionService } from './customer-session.service.js';
import { HandoffExpirySweeper } from './handoff-expiry.sweeper.js';
import { HandoffQueryService } from './handoff-query.service.js';
import { HandoffController } from './handoff.controller.js';
import { HandoffEvents } from './handoff.events.js';
import { HandoffService } from './handoff.service.js';
import { LinkFailureLimiter } from './link-failure.limiter.js';
import { SecureLinkController } from './secure-link.controller.js';
import { SecureLinkService } from './secure-link.service.js';

/**
 * Handoffs: offers from Messenger with signed single-use links, the /s/:token landing page and
 * redemption, customer sessions, expiry, revocation and the staff API. The lead's reactions service
 * calls HandoffService; the realtime gateway uses CustomerSessionService and HandoffEvents.
 */
@Module({
  controllers: [SecureLinkController, CustomerSessionController, HandoffController],
  providers: [
    Clock,
    {
      provide: LinkTokenService,
      inject: [APP_CONFIG, Clock],
      // parseKeyring refuses a weak or malformed keyring at start, naming the entry (never the secret).
      useFactory: (config: AppConfig, clock: Clock) =>
        new LinkTokenService(parseKeyring(config.links.signingKeys), { now: () => clock.now(), defaultTtlSeconds: config.links.ttlSeconds }),
    },
    HandoffEvents,
    HandoffService,
    HandoffQueryService,
    CustomerSessionService,
    LinkFailureLimiter,
    SecureLinkService,
    HandoffExpirySweeper,
  ],
  exports: [Clock, LinkTokenService, HandoffService, HandoffQueryService, HandoffEvents, CustomerSessionService],
})
export class HandoffModule {}
