import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { verifySignature } from '@handoff/messenger';
import type { Counter } from 'prom-client';
import { DomainException } from '../common/errors/domain.exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import type { RawBodyRequest } from '../common/http/json-body.parser.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MetricsService } from '../metrics/metrics.service.js';

/**
 * X-Hub-Signature-256 over the raw bytes, constant-time, any of the configured app secrets
 * (rotation). Runs before the handler: a bad signature has no side effect at all.
 */
@Injectable()
export class MessengerSignatureGuard implements CanActivate {
  private readonly rejected: Counter<'reason'>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    this.rejected = metrics.counter('webhook_signature_rejected_total', 'Webhook deliveries refused for their signature', ['reason']);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<RawBodyRequest>();
    const raw = request.rawBody;
    const header = request.headers['x-hub-signature-256'];
    const legacy = request.headers['x-hub-signature'];
    const valid =
      raw !== undefined &&
      verifySignature(raw, typeof header === 'string' ? header : undefined, this.config.messenger.appSecrets, {
        legacySha1: this.config.messenger.acceptLegacySha1,
        sha1Header: typeof legacy === 'string' ? legacy : undefined,
      });
    if (!valid) {
      this.rejected.inc({ reason: raw === undefined ? 'no_body' : header === undefined ? 'missing' : 'mismatch' });
      throw new DomainException(ErrorCode.WebhookSignatureInvalid, 'Forbidden');
    }
    return true;
  }
}
