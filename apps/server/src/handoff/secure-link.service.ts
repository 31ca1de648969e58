import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { hashNonce, isLinkTokenError, LinkTokenService, type VerifiedLinkToken } from '@handoff/link-tokens';
import type { Counter } from 'prom-client';
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { PagesService } from '../pages/pages.service.js';
import { Clock } from './clock.js';
import { CustomerSessionService } from './customer-session.service.js';
import { HandoffService } from './handoff.service.js';
import type { HandoffState } from './handoff.types.js';
import { LinkFailureLimiter } from './link-failure.limiter.js';
import { REDEEM_SQL } from './handoff.sql.js';
import { updateReturning } from './returning.js';

/** Why a link attempt failed, for the audit trail and metrics only; the customer sees one page. */
export type LinkFailure =
  | { status: 404 | 410; code: string; handoffId: string | null }
  | { status: 403; code: 'ORIGIN_REFUSED'; handoffId: string | null }
  | { status: 429; code: 'RATE_LIMITED'; handoffId: null };

export type LandingResult = { ok: true; handoffId: string; bankName: string } | ({ ok: false } & LinkFailure);
export type RedemptionResult =
  | { ok: true; handoffId: string; sessionToken: string; sessionExpiresAt: Date; next: 'chat' | 'verify' }
  | ({ ok: false } & LinkFailure);

interface LinkRow {
  id: string;
  state: HandoffState;
  expires_at: Date;
  page_id: string;
}

const FALLBACK_BANK_NAME = 'Secure chat';


/**
 * What /s/:token does. GET shows the landing page and records `opened` once, HEAD records nothing,
 * neither consumes; POST redeems with one conditional UPDATE, so of concurrent redemptions exactly one
 * wins, and exchanges the link for a session cookie. Failures are counted per client address (429
 * over the limit) and audited with their code, never the token.
 */
@Injectable()
export class SecureLinkService {
  private readonly attempts: Counter<'method' | 'result'>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly links: LinkTokenService,
    private readonly handoffs: HandoffService,
    private readonly sessions: CustomerSessionService,
    private readonly limiter: LinkFailureLimiter,
    private readonly audit: AuditService,
    private readonly pages: PagesService,
    private readonly clock: Clock,
    metrics: MetricsService,
  ) {
    this.attempts = metrics.counter('secure_link_attempts_total', 'Secure-link requests by method and result', ['method', 'result']);
  }

  async land(token: string, address: string, method: 'GET' | 'HEAD'): Promise<LandingResult> {
    const checked = await this.check(token, address, method);
    if (!checked.ok) return checked;
    const { verified, now } = checked;
    const row = await this.findLink(verified);
    if (!row) return this.failed(address, method, { status: 404, code: 'UNKNOWN_LINK', handoffId: verified.handoffId });
    if (row.state !== 'offered' && row.state !== 'opened') return this.failed(address, method, { status: 410, code: stateCode(row.state), handoffId: row.id });
    if (new Date(row.expires_at) <= now) {
      await this.dataSource.transaction((manager) => this.handoffs.expireIfDue(manager, row.id, now));
      return this.failed(address, method, { status: 410, code: 'EXPIRED', handoffId: row.id });
    }
    if (method === 'GET' && row.state === 'offered') {
      await this.dataSource.transaction(async (manager) => {
        const opened = await updateReturning<{ id: string }>(
          manager,
          `UPDATE handoffs SET state = 'opened', opened_at = $2, updated_at = $2 WHERE id = $1 AND state = 'offered' AND expires_at > $2 RETURNING id`,
          [row.id, now],
        );
        if (opened.length > 0) {
          await this.audit.record(
            { actor: { type: 'customer' }, action: 'handoff.opened', resource: { type: 'handoff', id: row.id }, outcome: 'success', origin: address },
            manager,
          );
        }
      });
    }
    this.attempts.inc({ method, result: 'ok' });
    // The name only: PagesService.get opens no secret.
    const page = await this.pages.get(row.page_id).catch(() => null);
    return { ok: true, handoffId: row.id, bankName: page?.enabled ? page.name : FALLBACK_BANK_NAME };
  }

  async redeem(token: string, address: string, sameOrigin: boolean): Promise<RedemptionResult> {
    if (!sameOrigin) {
      // A cross-site form post: refused before the token is even looked at, and counted.
      if (await this.limiter.isLimited(address)) return this.limited('POST');
      return this.failed(address, 'POST', { status: 403, code: 'ORIGIN_REFUSED', handoffId: null });
    }
    const checked = await this.check(token, address, 'POST');
    if (!checked.ok) return checked;
    const { verified, now } = checked;
    const verification = this.config.customerVerification;
    const won = await this.dataSource.transaction(async (manager) => {
      const rows = await updateReturning<{ id: string; conversation_id: string }>(manager, REDEEM_SQL, [
        verified.handoffId,
        hashNonce(verified.nonce),
        now,
        verification,
      ]);
      const row = rows[0];
      if (!row) return null;
      const session = await this.sessions.create(manager, row.id, address, now);
      await manager.query(`UPDATE conversations SET state = 'handed_off', updated_at = now() WHERE id = $1`, [row.conversation_id]);
      await this.audit.record(
        {
          actor: { type: 'customer' },
          action: 'handoff.redeemed',
          resource: { type: 'handoff', id: row.id },
          outcome: 'success',
          origin: address,
          details: { conversationId: row.conversation_id, kid: verified.kid, verification },
        },
        manager,
      );
      return { handoffId: row.id, session };
    });
    if (won) {
      this.attempts.inc({ method: 'POST', result: 'ok' });
      return {
        ok: true,
        handoffId: won.handoffId,
        sessionToken: won.session.token,
        sessionExpiresAt: won.session.expiresAt,
        next: verification === 'oidc' ? 'verify' : 'chat',
      };
    }
    // Lost: say why in the audit trail (used, expired, revoked, unknown), one page for the customer.
    const row = await this.findLink(verified);
    if (!row) return this.failed(address, 'POST', { status: 404, code: 'UNKNOWN_LINK', handoffId: verified.handoffId });
    if ((row.state === 'offered' || row.state === 'opened') && new Date(row.expires_at) <= now) {
      await this.dataSource.transaction((manager) => this.handoffs.expireIfDue(manager, row.id, now));
      return this.failed(address, 'POST', { status: 410, code: 'EXPIRED', handoffId: row.id });
    }
    return this.failed(address, 'POST', { status: 410, code: stateCode(row.state), handoffId: row.id });
  }

  /** Rate limit, then the token's signature and claims: the cheap checks before the database. */
  private async check(
    token: string,
    address: string,
    method: string,
  ): Promise<{ ok: true; verified: VerifiedLinkToken; now: Date } | ({ ok: false } & LinkFailure)> {
    if (await this.limiter.isLimited(address)) return this.limited(method);
    const now = this.clock.now();
    try {
      const verified = await this.links.verify(token, { now });
      return { ok: true, verified, now };
    } catch (error) {
      if (!isLinkTokenError(error)) throw error;
      // An authentic token past its time is gone (410); anything else never existed (404).
      return this.failed(address, method, { status: error.code === 'EXPIRED' ? 410 : 404, code: error.code, handoffId: null });
    }
  }

  private async findLink(verified: VerifiedLinkToken): Promise<LinkRow | null> {
    const rows = (await this.dataSource.query(
      `SELECT h.id, h.state, h.expires_at, h.page_id FROM handoffs h JOIN handoff_links l ON l.handoff_id = h.id
        WHERE h.id = $1 AND l.nonce_hash = $2`,
      [verified.handoffId, hashNonce(verified.nonce)],
    )) as LinkRow[];
    return rows[0] ?? null;
  }

  private async failed(address: string, method: string, failure: LinkFailure): Promise<{ ok: false } & LinkFailure> {
    const count = await this.limiter.recordFailure(address);
    this.attempts.inc({ method, result: failure.code === 'RATE_LIMITED' ? 'rate_limited' : 'failed' });
    await this.audit.record({
      actor: { type: 'customer' },
      action: 'handoff.link_failed',
      resource: failure.handoffId ? { type: 'handoff', id: failure.handoffId } : { type: 'handoff' },
      outcome: 'failure',
      origin: address,
      details: { code: failure.code, method, failuresFromAddress: count, limitReached: count >= this.limiter.maxFailures },
    });
    return { ok: false, ...failure };
  }

  /** Over the limit: answered without looking at the token. Counted, not audited (the failure that
   * reached the limit was, with limitReached): a flood must not flood the audit trail. */
  private async limited(method: string): Promise<{ ok: false } & LinkFailure> {
    this.attempts.inc({ method, result: 'rate_limited' });
    return { ok: false, status: 429, code: 'RATE_LIMITED', handoffId: null };
  }
}

function stateCode(state: HandoffState): string {
  switch (state) {
    case 'redeemed':
    case 'verified':
    case 'active':
    case 'closed':
      return 'USED';
    case 'revoked':
      return 'REVOKED';
    case 'expired':
      return 'EXPIRED';
    case 'offered':
    case 'opened':
      return 'UNAVAILABLE';
    default: {
      const unknown: never = state;
      return String(unknown);
    }
  }
}
