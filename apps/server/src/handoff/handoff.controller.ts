import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainException } from '../common/errors/domain.exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { ClientAddress, CurrentStaff } from '../identity/current-staff.decorator.js';
import { Roles } from '../identity/roles.decorator.js';
import type { StaffPrincipal } from '../identity/staff-role.js';
import { HandoffQueryService, type HandoffFunnel } from './handoff-query.service.js';
import { DetectionService } from '../detection/detection.service.js';
import { FunnelQueryDto, ListHandoffsQueryDto, RevokeHandoffDto } from './handoff.dto.js';
import { HandoffService } from './handoff.service.js';
import type { HandoffView } from './handoff.types.js';

@ApiTags('handoffs')
@ApiBearerAuth()
@Controller('api/v1/handoffs')
export class HandoffController {
  constructor(
    private readonly handoffs: HandoffService,
    private readonly queries: HandoffQueryService,
    private readonly detection: DetectionService,
  ) {}

  @Get()
  @Roles('admin', 'supervisor', 'agent')
  @ApiOperation({ summary: 'Handoffs, newest first, by state or conversation' })
  list(@Query() query: ListHandoffsQueryDto): Promise<{ items: HandoffView[]; nextCursor: string | null }> {
    return this.queries.list({ state: query.state, conversationId: query.conversationId, before: query.cursor, limit: query.limit ?? 50 });
  }

  @Get('funnel')
  @Roles('admin', 'supervisor')
  @ApiOperation({ summary: 'How many handoffs reached each step, and where they are now' })
  funnel(@Query() query: FunnelQueryDto): Promise<HandoffFunnel> {
    return this.queries.funnel(query.since ?? null);
  }

  @Get(':id')
  @Roles('admin', 'supervisor', 'agent')
  @ApiOperation({ summary: 'One handoff with its verified identity (never sent to Meta)' })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<HandoffView> {
    return this.queries.get(id);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @Roles('admin', 'supervisor')
  @ApiOperation({ summary: 'Revoke: the link and the customer session stop working at once' })
  async revoke(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: RevokeHandoffDto,
    @CurrentStaff() staff: StaffPrincipal,
    @ClientAddress() origin: string,
  ): Promise<HandoffView> {
    // Staff type the reason freely: it is redacted like any message before it is stored or audited.
    const reason = body.reason ? this.detection.detect(body.reason).redactedText : null;
    const revoked = await this.handoffs.revoke(id, { type: 'staff', id: staff.staffId, origin }, reason);
    if (!revoked) {
      await this.queries.get(id); // 404 for an unknown id
      throw new DomainException(ErrorCode.Conflict, 'This handoff has already ended');
    }
    return this.queries.get(id);
  }

  @Post(':id/close')
  @HttpCode(200)
  @Roles('admin', 'supervisor', 'agent')
  @ApiOperation({ summary: 'End the secure conversation: the Messenger thread is taken back with a closing message' })
  async close(@Param('id', new ParseUUIDPipe()) id: string, @CurrentStaff() staff: StaffPrincipal, @ClientAddress() origin: string): Promise<HandoffView> {
    const closed = await this.handoffs.close(id, { type: 'staff', id: staff.staffId, origin });
    if (!closed) {
      await this.queries.get(id);
      throw new DomainException(ErrorCode.Conflict, 'Only a redeemed, verified or active handoff can be closed');
    }
    return this.queries.get(id);
  }
}
