import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../identity/roles.decorator.js';
import type { ChainVerification } from './audit-chain.js';
import { AuditQueryDto } from './audit-query.dto.js';
import { AuditService } from './audit.service.js';
import type { AuditEventView } from './audit.types.js';

@ApiTags('audit')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'Audit events, newest first, filtered and paged by cursor' })
  list(@Query() query: AuditQueryDto): Promise<{ items: AuditEventView[]; nextCursor: string | null }> {
    return this.audit.list({
      action: query.action,
      actorType: query.actorType,
      actorId: query.actorId,
      resourceType: query.resourceType,
      resourceId: query.resourceId,
      outcome: query.outcome,
      from: query.from,
      to: query.to,
      before: query.cursor,
      limit: query.limit ?? 50,
    });
  }

  @Get('verify')
  @ApiOperation({ summary: 'Checks the hash chain and names the first broken link' })
  verify(): Promise<ChainVerification> {
    return this.audit.verify();
  }
}
