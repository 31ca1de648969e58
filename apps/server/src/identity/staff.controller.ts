import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ClientAddress, CurrentStaff } from './current-staff.decorator.js';
import { Roles } from './roles.decorator.js';
import type { StaffPrincipal } from './staff-role.js';
import { CreateStaffDto, ResetPasswordDto, StaffView, StaffWithPasswordView, UpdateStaffDto } from './staff.dto.js';
import { StaffService } from './staff.service.js';

@ApiTags('staff')
@ApiBearerAuth()
@Controller('api/v1/staff')
export class StaffController {
  constructor(private readonly staff: StaffService) {}

  @Get()
  @Roles('admin', 'supervisor')
  @ApiOkResponse({ type: [StaffView] })
  list(): Promise<StaffView[]> {
    return this.staff.list();
  }

  @Get(':id')
  @Roles('admin', 'supervisor')
  @ApiOkResponse({ type: StaffView })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<StaffView> {
    return this.staff.get(id);
  }

  @Post()
  @Roles('admin')
  @ApiOkResponse({ type: StaffWithPasswordView })
  create(@Body() body: CreateStaffDto, @CurrentStaff() actor: StaffPrincipal, @ClientAddress() origin: string): Promise<StaffWithPasswordView> {
    return this.staff.create(body, { staffId: actor.staffId, origin });
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOkResponse({ type: StaffView })
  update(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: UpdateStaffDto,
    @CurrentStaff() actor: StaffPrincipal,
    @ClientAddress() origin: string,
  ): Promise<StaffView> {
    return this.staff.update(id, body, { staffId: actor.staffId, origin });
  }

  @Post(':id/disable')
  @Roles('admin')
  @HttpCode(200)
  @ApiOkResponse({ type: StaffView })
  disable(@Param('id', new ParseUUIDPipe()) id: string, @CurrentStaff() actor: StaffPrincipal, @ClientAddress() origin: string): Promise<StaffView> {
    return this.staff.disable(id, { staffId: actor.staffId, origin });
  }

  @Post(':id/reset-password')
  @Roles('admin')
  @HttpCode(200)
  reset(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: ResetPasswordDto,
    @CurrentStaff() actor: StaffPrincipal,
    @ClientAddress() origin: string,
  ): Promise<{ temporaryPassword?: string }> {
    return this.staff.resetPassword(id, body.password, { staffId: actor.staffId, origin });
  }
}
