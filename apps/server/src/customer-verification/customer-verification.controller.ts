import { Controller, Get, Inject, Logger, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { clearedOidcFlowCookie, CustomerSessionService, oidcFlowCookie } from '../handoff/customer-session.service.js';
import { CHAT_PATH, VERIFY_START_PATH } from '../handoff/secure-link.controller.js';
import { sessionEndedPage, verificationRetryPage, verificationUnavailablePage, type RenderedPage } from '../handoff/secure-link.pages.js';
import { CustomerVerificationService, OIDC_FLOW_TTL_SECONDS } from './customer-verification.service.js';

/**
 * `/s/verify/start` (after redemption: off to the bank's login) and `/s/verify/callback` (back from
 * it). The callback URL `${PUBLIC_BASE_URL}/s/verify/callback` is registered at the provider.
 */
@ApiExcludeController()
@Controller('s/verify')
export class CustomerVerificationController {
  private readonly logger = new Logger(CustomerVerificationController.name);

  constructor(
    private readonly sessions: CustomerSessionService,
    private readonly verification: CustomerVerificationService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('start')
  async start(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const session = await this.sessions.authenticate(request.headers.cookie);
    if (!session) return send(reply, 401, sessionEndedPage());
    if (this.config.customerVerification !== 'oidc' || session.handoffState !== 'redeemed') return redirect(reply, CHAT_PATH);
    let started: { authorizationUrl: string; flowToken: string };
    try {
      started = await this.verification.start(session, request.ip);
    } catch (error) {
      this.logger.warn({ err: { type: error instanceof Error ? error.name : 'unknown' } }, 'identity provider unavailable');
      return send(reply, 503, verificationUnavailablePage(VERIFY_START_PATH));
    }
    return redirect(reply, started.authorizationUrl, oidcFlowCookie(started.flowToken, OIDC_FLOW_TTL_SECONDS));
  }

  @Get('callback')
  async callback(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (this.config.customerVerification !== 'oidc') return send(reply, 404, sessionEndedPage());
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
    const outcome = await this.verification.complete(request.headers.cookie, query, request.ip);
    if (outcome === 'verified') return redirect(reply, CHAT_PATH, clearedOidcFlowCookie());
    const page = verificationRetryPage(VERIFY_START_PATH, outcome === 'cancelled');
    void reply.header('set-cookie', clearedOidcFlowCookie());
    return send(reply, 400, page);
  }
}

function send(reply: FastifyReply, status: number, page: RenderedPage): void {
  void reply.status(status).headers(page.headers).send(page.html);
}

function redirect(reply: FastifyReply, location: string, cookie?: string): void {
  if (cookie) void reply.header('set-cookie', cookie);
  void reply.status(303).header('location', location).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').send();
}
