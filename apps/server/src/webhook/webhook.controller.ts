import { Controller, Get, HttpCode, Inject, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { parseWebhook, verifyChallenge } from '@handoff/messenger';
import type { FastifyReply } from 'fastify';
import { DomainException } from '../common/errors/domain.exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import type { RawBodyRequest } from '../common/http/json-body.parser.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MessengerSignatureGuard } from './messenger-signature.guard.js';
import { WebhookIntakeService } from './webhook-intake.service.js';

/** The Facebook Page's webhook: verification (GET) and signed events (POST). */
@ApiExcludeController()
@Controller('webhooks/messenger')
export class WebhookController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly intake: WebhookIntakeService,
  ) {}

  @Get()
  verify(@Query() query: Record<string, unknown>, @Res() reply: FastifyReply): void {
    const challenge = verifyChallenge(query, this.config.messenger.verifyToken);
    if (challenge === null) {
      void reply.status(403).header('content-type', 'text/plain; charset=utf-8').send('Forbidden');
      return;
    }
    void reply.status(200).header('content-type', 'text/plain; charset=utf-8').send(challenge);
  }

  @Post()
  @HttpCode(200)
  @UseGuards(MessengerSignatureGuard)
  async receive(@Req() request: RawBodyRequest): Promise<string> {
    if (request.bodyMalformed || request.body === undefined) throw new DomainException(ErrorCode.WebhookBodyMalformed, 'Bad request');
    const parsed = parseWebhook(request.body);
    await this.intake.receive(parsed);
    return 'EVENT_RECEIVED';
  }
}
