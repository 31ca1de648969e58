import { Global, Module } from '@nestjs/common';
import { AuditChainer } from './audit-chainer.js';
import { AuditController } from './audit.controller.js';
import { AuditService } from './audit.service.js';

/** Global: every feature records its state changes here. */
@Global()
@Module({
  controllers: [AuditController],
  providers: [AuditService, AuditChainer],
  exports: [AuditService, AuditChainer],
})
export class AuditModule {}
