import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainException } from '../common/errors/domain.exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import type { StaffRequest } from './current-staff.decorator.js';
import { PUBLIC_KEY, ROLES_KEY } from './roles.decorator.js';
import type { StaffRole } from './staff-role.js';
import { StaffTokenService } from './staff-token.service.js';

const API_PREFIX = '/api/v1/';

/**
 * Global guard for the staff API: every /api/v1 route needs a live staff access token and one of the
 * roles its @Roles declares; a route that declares none is refused to everyone (deny by default)
 * unless marked @Public. Other paths (webhook, secure links, health) authenticate their own way.
 */
@Injectable()
export class StaffAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: StaffTokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<StaffRequest>();
    const route = request.routeOptions?.url ?? request.url;
    if (!route.startsWith(API_PREFIX)) return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const token = bearerToken(request.headers.authorization);
    if (!token) throw new DomainException(ErrorCode.Unauthenticated, 'Authentication required');
    const principal = await this.tokens.verifyAccessToken(token);
    request.staff = principal;
    const roles = this.reflector.getAllAndOverride<StaffRole[] | undefined>(ROLES_KEY, targets) ?? [];
    if (!roles.includes(principal.role)) throw new DomainException(ErrorCode.Forbidden, 'Not allowed for your role');
    return true;
  }
}

function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
  return match?.[1] ?? null;
}
