import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthService } from './auth.service.js';
import { LoginDto, LoginView, MeView, RefreshDto, TokenPairView } from './auth.dto.js';
import { ClientAddress, CurrentStaff } from './current-staff.decorator.js';
import { Public, Roles } from './roles.decorator.js';
import type { StaffPrincipal } from './staff-role.js';

@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Signs a staff member in; rate-limited per account and per address' })
  @ApiOkResponse({ type: LoginView })
  login(@Body() body: LoginDto, @ClientAddress() origin: string): Promise<LoginView> {
    return this.auth.login(body.email, body.password, origin);
  }

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchanges a refresh token for a new access and refresh token' })
  @ApiOkResponse({ type: TokenPairView })
  refresh(@Body() body: RefreshDto, @ClientAddress() origin: string): Promise<TokenPairView> {
    return this.auth.refresh(body.refreshToken, origin);
  }

  @Post('logout')
  @Roles('admin', 'supervisor', 'agent')
  @ApiBearerAuth()
  @HttpCode(204)
  @ApiOperation({ summary: 'Ends this session: its refresh and access tokens stop working' })
  async logout(@CurrentStaff() staff: StaffPrincipal, @ClientAddress() origin: string): Promise<void> {
    await this.auth.logout(staff.staffId, staff.sessionId, origin);
  }

  @Get('me')
  @Roles('admin', 'supervisor', 'agent')
  @ApiBearerAuth()
  @ApiOkResponse({ type: MeView })
  me(@CurrentStaff() staff: StaffPrincipal): MeView {
    return { id: staff.staffId, email: staff.email, displayName: staff.displayName, role: staff.role, sessionId: staff.sessionId };
  }
}
