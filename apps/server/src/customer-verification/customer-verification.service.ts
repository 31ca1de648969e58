import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { DataEncryptionService } from '../crypto/data-encryption.service.js';
import { Clock } from '../handoff/clock.js';
import { CustomerSessionService, type CustomerSession } from '../handoff/customer-session.service.js';
import { VERIFIED_CLAIMS_PURPOSE, VERIFIED_SUBJECT_PURPOSE } from '../handoff/handoff-query.service.js';
import type { VerifiedIdentityClaims } from '../handoff/handoff.types.js';
import { updateReturning } from '../handoff/returning.js';
import { OidcClientService } from './oidc-client.service.js';

const FLOW_PURPOSE = 'customer-oidc-flow';
/** Key purpose of the audit trail's fingerprint of a verified subject (recognisable, not readable). */
const SUBJECT_FINGERPRINT_PURPOSE = 'audit-subject-fingerprint';
/** A login started longer ago than this is not accepted back. */
export const OIDC_FLOW_TTL_SECONDS = 10 * 60;
const MAX_CLAIM_LENGTH = 200;

export type VerificationOutcome = 'verified' | 'cancelled' | 'failed';

interface SealedFlow {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/**
 * Customer verification with the bank's OpenID Connect provider, after redemption: the verified
 * subject and the mapped claims (name, customer number) are sealed on the handoff for the agent.
 * A failed or cancelled login changes nothing: the handoff stays redeemed and the customer may retry.
 */
@Injectable()
export class CustomerVerificationService {
  private readonly logger = new Logger(CustomerVerificationService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly oidc: OidcClientService,
    private readonly sessions: CustomerSessionService,
    private readonly encryption: DataEncryptionService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Starts a login: returns the provider's URL and the flow cookie's value. */
  async start(session: CustomerSession, address: string): Promise<{ authorizationUrl: string; flowToken: string }> {
    const request = await this.oidc.authorizationRequest();
    const flowToken = randomBytes(32).toString('base64url');
    const flow: SealedFlow = { state: request.state, nonce: request.nonce, codeVerifier: request.codeVerifier };
    await this.sessions.saveOidcFlow(session.sessionId, flowToken, this.encryption.encrypt(JSON.stringify(flow), FLOW_PURPOSE));
    await this.audit.record({
      actor: { type: 'customer' },
      action: 'handoff.verification_started',
      resource: { type: 'handoff', id: session.handoffId },
      outcome: 'success',
      origin: address,
      details: { method: 'oidc' },
    });
    return { authorizationUrl: request.url, flowToken };
  }

  /** The provider sent the customer back. */
  async complete(cookieHeader: string | undefined, callbackQuery: string, address: string): Promise<VerificationOutcome> {
    const taken = await this.sessions.takeOidcFlow(cookieHeader);
    if (!taken) {
      // No flow for this cookie: a replayed callback, a session that ended, or no cookie at all.
      await this.failure(null, address, 'no_flow');
      return 'failed';
    }
    const { session } = taken;
    if (this.clock.now().getTime() - taken.startedAt.getTime() > OIDC_FLOW_TTL_SECONDS * 1000) {
      await this.failure(session.handoffId, address, 'flow_expired');
      return 'failed';
    }
    const params = new URLSearchParams(callbackQuery);
    const providerError = params.get('error');
    if (providerError !== null) {
      const cancelled = providerError === 'access_denied';
      await this.failure(session.handoffId, address, cancelled ? 'cancelled' : `provider_error:${providerError.replace(/[^a-z_]/g, '').slice(0, 40)}`);
      return cancelled ? 'cancelled' : 'failed';
    }
    let login: { subject: string; claims: Record<string, unknown> };
    try {
      const flow = JSON.parse(this.encryption.decrypt(taken.sealed, FLOW_PURPOSE)) as SealedFlow;
      login = await this.oidc.complete(callbackQuery, flow);
    } catch (error) {
      await this.failure(session.handoffId, address, failureCode(error));
      return 'failed';
    }
    const settings = this.config.oidc!;
    const claims: VerifiedIdentityClaims = {
      name: claimText(login.claims[settings.claimName]),
      customerNumber: claimText(login.claims[settings.claimCustomerNumber]),
    };
    const now = this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      const rows = await updateReturning<{ id: string }>(
        manager,
        `UPDATE handoffs SET state = 'verified', verified_at = $2, verified_subject_sealed = $3, verified_claims_sealed = $4, updated_at = $2
          WHERE id = $1 AND state = 'redeemed' RETURNING id`,
        [
          session.handoffId,
          now,
          this.encryption.encrypt(login.subject, VERIFIED_SUBJECT_PURPOSE),
          this.encryption.encrypt(JSON.stringify(claims), VERIFIED_CLAIMS_PURPOSE),
        ],
      );
      if (rows.length === 0) {
        await this.failure(session.handoffId, address, 'handoff_not_redeemed', manager);
        return 'failed';
      }
      await this.audit.record(
        {
          actor: { type: 'customer' },
          action: 'handoff.verified',
          resource: { type: 'handoff', id: session.handoffId },
          outcome: 'success',
          origin: address,
          // Who, without saying who: a fingerprint of the issuer and subject, no claim values.
          details: { method: 'oidc', subjectFingerprint: this.encryption.fingerprint(`${settings.issuer} ${login.subject}`, SUBJECT_FINGERPRINT_PURPOSE).slice(0, 16), claimsPresent: Object.keys(claims).filter((k) => claims[k as keyof VerifiedIdentityClaims] !== null) },
        },
        manager,
      );
      return 'verified' as const;
    });
  }

  private async failure(handoffId: string | null, address: string, reason: string, manager?: Parameters<AuditService['record']>[1]): Promise<void> {
    this.logger.log({ handoffId, reason }, 'customer verification failed');
    await this.audit.record(
      {
        actor: { type: 'customer' },
        action: 'handoff.verification_failed',
        resource: handoffId ? { type: 'handoff', id: handoffId } : { type: 'handoff' },
        outcome: 'failure',
        origin: address,
        details: { method: 'oidc', reason },
      },
      manager,
    );
  }
}

function claimText(value: unknown): string | null {
  if (typeof value === 'string' && value.trim().length > 0) return value.trim().slice(0, MAX_CLAIM_LENGTH);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/** A stable code for the audit trail; never the error's message (it may quote the provider's answer). */
function failureCode(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { code, error: oauthError } = error as { code?: unknown; error?: unknown };
    if (typeof oauthError === 'string') return `oauth:${oauthError.replace(/[^a-z_]/g, '').slice(0, 40)}`;
    if (typeof code === 'string') return code.replace(/[^A-Za-z0-9_]/g, '').slice(0, 60);
  }
  return 'verification_error';
}
