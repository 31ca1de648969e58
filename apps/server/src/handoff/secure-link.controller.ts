import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { Clock } from './clock.js';
import { CustomerSessionService } from './customer-session.service.js';
import { landingPage, linkUnavailablePage, tooManyAttemptsPage, type RenderedPage } from './secure-link.pages.js';
import { SecureLinkService } from './secure-link.service.js';

/** Where the customer goes after redemption. */
export const CHAT_PATH = '/chat';
export const VERIFY_START_PATH = '/s/verify/start';

/**
 * The secure link `${PUBLIC_BASE_URL}/s/<token>`, outside /api/v1: a server-rendered landing page
 * (GET/HEAD, consumes nothing) and the redemption (POST from that page). The token is never logged
 * (the request logger and metrics see `/s/:token`) and never appears in a URL after redemption.
 */
@ApiExcludeController()
@Controller('s')
export class SecureLinkController {
  private readonly publicOrigin: string;
  private readonly formTargets: string[];

  constructor(
    private readonly links: SecureLinkService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.publicOrigin = new URL(config.publicBaseUrl).origin;
    // The redemption's redirect chain ends at the bank's login page: a form submission's redirects
    // are held to form-action.
    this.formTargets = config.customerVerification === 'oidc' && config.oidc ? [new URL(config.oidc.issuer).origin] : [];
  }

  /** GET records `opened` once; HEAD (Fastify answers it with this handler) records nothing. */
  @Get(':token')
  async land(@Param('token') token: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const method = request.method === 'HEAD' ? 'HEAD' : 'GET';
    const result = await this.links.land(token, request.ip, method);
    if (!result.ok) return send(reply, result.status, result.status === 429 ? tooManyAttemptsPage() : linkUnavailablePage());
    return send(reply, 200, landingPage(result.bankName, this.formTargets));
  }

  @Post(':token')
  async redeem(@Param('token') token: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const result = await this.links.redeem(token, request.ip, this.isSameOrigin(request));
    if (!result.ok) return send(reply, result.status, result.status === 429 ? tooManyAttemptsPage() : linkUnavailablePage());
    void reply
      .status(303)
      .header('set-cookie', CustomerSessionService.cookie(result.sessionToken, result.sessionExpiresAt, this.clock.now()))
      .header('location', result.next === 'verify' ? VERIFY_START_PATH : CHAT_PATH)
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store')
      .send();
  }

  /**
   * The landing page's own form: its Origin is ours, or (with Referrer-Policy no-referrer, browsers
   * send `Origin: null` on POST) absent/null with `Sec-Fetch-Site: same-origin`. A foreign Origin or
   * a cross-site fetch is refused.
   */
  private isSameOrigin(request: FastifyRequest): boolean {
    const origin = request.headers.origin;
    const site = request.headers['sec-fetch-site'];
    if (typeof site === 'string' && site !== 'same-origin') return false;
    if (origin === this.publicOrigin) return true;
    return site === 'same-origin' && (origin === undefined || origin === 'null');
  }
}

function send(reply: FastifyReply, status: number, page: RenderedPage): void {
  void reply.status(status).headers(page.headers).send(page.html);
}
