import { type DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from './audit/audit.module.js';
import { IdentityModule } from './identity/identity.module.js';
import { TriggersModule } from './triggers/triggers.module.js';
import { PagesAdminModule } from './pages/pages-admin.module.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { CryptoModule } from './crypto/crypto.module.js';
import { DatabaseModule } from './database/database.module.js';
import { DetectionModule } from './detection/detection.module.js';
import { HandoffModule } from './handoff/handoff.module.js';
import { CustomerVerificationModule } from './customer-verification/customer-verification.module.js';
import { HealthModule } from './health/health.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { OutboundModule } from './outbound/outbound.module.js';
import { PagesModule } from './pages/pages.module.js';
import { RedisModule } from './redis/redis.module.js';
import { SimulatorModule } from './simulator/simulator.module.js';
import { WebhookModule } from './webhook/webhook.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), LoggingModule, MetricsModule, DatabaseModule, RedisModule, HealthModule, AuditModule, IdentityModule, CryptoModule, PagesModule, PagesAdminModule, DetectionModule, TriggersModule, OutboundModule, WebhookModule, HandoffModule, CustomerVerificationModule, ...(config.demoMode ? [SimulatorModule] : [])],
    };
  }
}
