import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditService } from '../audit/audit.service.js';
import { DomainException } from '../common/errors/domain.exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { ClientAddress, CurrentStaff } from '../identity/current-staff.decorator.js';
import { Roles } from '../identity/roles.decorator.js';
import type { StaffPrincipal } from '../identity/staff-role.js';
import { AddPageDto, PageView, RotatePageTokenDto, UpdatePageDto } from './pages-admin.dto.js';
import { type PageSummary, PagesService } from './pages.service.js';

const PAGE_ID = /^\d{1,32}$/;

/** Admin API for the Pages this service answers for. Access tokens go in, never out. */
@ApiTags('pages')
@ApiBearerAuth()
@Controller('api/v1/pages')
export class PagesAdminController {
  constructor(
    private readonly pages: PagesService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @Roles('admin', 'supervisor')
  @ApiOkResponse({ type: [PageView] })
  async list(): Promise<PageView[]> {
    return (await this.pages.list()).map(toView);
  }

  @Get(':pageId')
  @Roles('admin', 'supervisor')
  @ApiOkResponse({ type: PageView })
  async get(@Param('pageId') pageId: string): Promise<PageView> {
    return toView(await this.pages.get(checked(pageId)));
  }

  @Post()
  @Roles('admin')
  @ApiOkResponse({ type: PageView })
  async add(@Body() body: AddPageDto, @CurrentStaff() staff: StaffPrincipal, @ClientAddress() origin: string): Promise<PageView> {
    const page = toView(await this.pages.add(body));
    await this.record(staff, origin, 'page.added', page.pageId, null, page);
    return page;
  }

  @Post(':pageId/access-token')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Replaces the Page access token' })
  @ApiOkResponse({ type: PageView })
  async rotate(@Param('pageId') pageId: string, @Body() body: RotatePageTokenDto, @CurrentStaff() staff: StaffPrincipal, @ClientAddress() origin: string): Promise<PageView> {
    const page = toView(await this.pages.rotateAccessToken(checked(pageId), body.accessToken));
    await this.record(staff, origin, 'page.access_token_rotated', page.pageId, null, page);
    return page;
  }

  @Patch(':pageId')
  @Roles('admin')
  @ApiOkResponse({ type: PageView })
  async update(@Param('pageId') pageId: string, @Body() body: UpdatePageDto, @CurrentStaff() staff: StaffPrincipal, @ClientAddress() origin: string): Promise<PageView> {
    const id = checked(pageId);
    const before = toView(await this.pages.get(id));
    if (body.name !== undefined) await this.pages.rename(id, body.name);
    if (body.enabled !== undefined) await this.pages.setEnabled(id, body.enabled);
    const after = toView(await this.pages.get(id));
    await this.record(staff, origin, body.enabled === false ? 'page.disabled' : 'page.updated', id, before, after);
    return after;
  }

  @Post(':pageId/disable')
  @Roles('admin')
  @HttpCode(200)
  @ApiOkResponse({ type: PageView })
  async disable(@Param('pageId') pageId: string, @CurrentStaff() staff: StaffPrincipal, @ClientAddress() origin: string): Promise<PageView> {
    const id = checked(pageId);
    const before = toView(await this.pages.get(id));
    const after = toView(await this.pages.setEnabled(id, false));
    await this.record(staff, origin, 'page.disabled', id, before, after);
    return after;
  }

  private record(staff: StaffPrincipal, origin: string, action: string, pageId: string, before: PageView | null, after: PageView): Promise<void> {
    return this.audit.record({ actor: { type: 'staff', id: staff.staffId }, action, resource: { type: 'page', id: pageId }, outcome: 'success', origin, before: before ?? undefined, after });
  }
}

function checked(pageId: string): string {
  if (!PAGE_ID.test(pageId)) throw new DomainException(ErrorCode.NotFound, 'Page not found');
  return pageId;
}

function toView(page: PageSummary): PageView {
  return { pageId: page.pageId, name: page.name, enabled: page.enabled, createdAt: new Date(page.createdAt).toISOString(), updatedAt: new Date(page.updatedAt).toISOString() };
}
