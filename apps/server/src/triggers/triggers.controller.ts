import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ClientAddress, CurrentStaff } from '../identity/current-staff.decorator.js';
import { Roles } from '../identity/roles.decorator.js';
import type { StaffPrincipal } from '../identity/staff-role.js';
import { CreateTriggerDto, EvaluateDto, EvaluateView, TriggerView, UpdateTriggerDto } from './trigger.dto.js';
import type { TriggerVersion } from './trigger.types.js';
import { TriggersService } from './triggers.service.js';

@ApiTags('triggers')
@ApiBearerAuth()
@Controller('api/v1/triggers')
export class TriggersController {
  constructor(private readonly triggers: TriggersService) {}

  @Get()
  @Roles('admin', 'supervisor')
  @ApiOperation({ summary: 'Current version of every trigger, deleted ones excluded' })
  @ApiOkResponse({ type: [TriggerView] })
  list(): Promise<TriggerVersion[]> {
    return this.triggers.list();
  }

  @Post('evaluate')
  @Roles('admin', 'supervisor')
  @HttpCode(200)
  @ApiOperation({ summary: 'Dry run: detection, redacted text and the trigger that would fire, and why. Nothing is stored.' })
  @ApiOkResponse({ type: EvaluateView })
  evaluate(@Body() body: EvaluateDto): EvaluateView {
    return this.triggers.evaluate(body);
  }

  @Post()
  @Roles('admin')
  @ApiOkResponse({ type: TriggerView })
  create(@Body() body: CreateTriggerDto, @CurrentStaff() staff: StaffPrincipal, @ClientAddress() origin: string): Promise<TriggerVersion> {
    return this.triggers.create(body, { staffId: staff.staffId, origin });
  }

  @Get(':id')
  @Roles('admin', 'supervisor')
  @ApiOkResponse({ type: TriggerView })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<TriggerVersion> {
    return this.triggers.get(id);
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOperation({ summary: 'Changes a trigger: a new version' })
  @ApiOkResponse({ type: TriggerView })
  update(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: UpdateTriggerDto,
    @CurrentStaff() staff: StaffPrincipal,
    @ClientAddress() origin: string,
  ): Promise<TriggerVersion> {
    return this.triggers.update(id, body, { staffId: staff.staffId, origin });
  }

  @Delete(':id')
  @Roles('admin')
  @ApiOperation({ summary: 'Deletes a trigger (a new version; the history stays and can be restored)' })
  @ApiOkResponse({ type: TriggerView })
  remove(@Param('id', new ParseUUIDPipe()) id: string, @CurrentStaff() staff: StaffPrincipal, @ClientAddress() origin: string): Promise<TriggerVersion> {
    return this.triggers.remove(id, { staffId: staff.staffId, origin });
  }

  @Get(':id/versions')
  @Roles('admin', 'supervisor')
  @ApiOkResponse({ type: [TriggerView] })
  versions(@Param('id', new ParseUUIDPipe()) id: string): Promise<TriggerVersion[]> {
    return this.triggers.versions(id);
  }

  @Get(':id/versions/:version')
  @Roles('admin', 'supervisor')
  @ApiOkResponse({ type: TriggerView })
  version(@Param('id', new ParseUUIDPipe()) id: string, @Param('version', new ParseIntPipe()) version: number): Promise<TriggerVersion> {
    return this.triggers.version(id, version);
  }

  @Post(':id/versions/:version/restore')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'A new version with the content of an old one' })
  @ApiOkResponse({ type: TriggerView })
  restore(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('version', new ParseIntPipe()) version: number,
    @CurrentStaff() staff: StaffPrincipal,
    @ClientAddress() origin: string,
  ): Promise<TriggerVersion> {
    return this.triggers.restore(id, version, { staffId: staff.staffId, origin });
  }
}
