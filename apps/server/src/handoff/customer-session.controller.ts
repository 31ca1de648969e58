import { Controller, Get, Header, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { DomainException } from '../common/errors/domain.exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { Public } from '../identity/roles.decorator.js';
import { CustomerSessionService } from './customer-session.service.js';
import { HandoffQueryService } from './handoff-query.service.js';
import type { HandoffState, VerifiedIdentityClaims } from './handoff.types.js';

export interface CustomerSessionView {
  handoffId: string;
  state: HandoffState;
  verification: {
    method: 'oidc' | 'none' | null;
    /** `verified`: the bank's login succeeded; `pending`: the login is required and not done yet;
     * `not_verified`: possession of the link is the only proof (CUSTOMER_VERIFICATION=none). */
    status: 'verified' | 'pending' | 'not_verified';
    claims: VerifiedIdentityClaims | null;
  };
  /** May this session use the secure chat now (verified, or verification not required). */
  canChat: boolean;
  expiresAt: string;
}

/** What the secure chat (/chat) asks first: who am I, and may I chat. Cookie-authenticated. */
@ApiTags('customer')
@Controller('api/v1/customer')
export class CustomerSessionController {
  constructor(
    private readonly sessions: CustomerSessionService,
    private readonly queries: HandoffQueryService,
  ) {}

  @Get('session')
  @Public()
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'The customer session of the secure-chat cookie (401 without one)' })
  async session(@Req() request: FastifyRequest): Promise<CustomerSessionView> {
    const session = await this.sessions.authenticate(request.headers.cookie);
    if (!session) throw new DomainException(ErrorCode.Unauthenticated, 'No secure chat session');
    const identity = session.handoffState === 'redeemed' ? null : await this.queries.verifiedIdentity(session.handoffId);
    const status = identity ? 'verified' : session.verificationMethod === 'oidc' ? 'pending' : 'not_verified';
    return {
      handoffId: session.handoffId,
      state: session.handoffState,
      verification: { method: session.verificationMethod, status, claims: identity?.claims ?? null },
      canChat: CustomerSessionService.canChat(session),
      expiresAt: session.expiresAt.toISOString(),
    };
  }
}
