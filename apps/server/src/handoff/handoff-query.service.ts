import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DomainException } from '../common/errors/domain.exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import type { DetectionSummary } from '../conversations/message.entity.js';
import { DataEncryptionService } from '../crypto/data-encryption.service.js';
import type { HandoffState, HandoffView, VerifiedIdentityClaims } from './handoff.types.js';

export const VERIFIED_SUBJECT_PURPOSE = 'handoff-verified-subject';
export const VERIFIED_CLAIMS_PURPOSE = 'handoff-verified-claims';

interface ViewRow {
  id: string;
  conversation_id: string;
  page_id: string;
  psid: string;
  trigger_id: string | null;
  trigger_version: number | null;
  detection: DetectionSummary | null;
  queue: string;
  state: HandoffState;
  expires_at: Date;
  send_count: number;
  thread_passed_to: string | null;
  verification_method: 'oidc' | 'none' | null;
  verified_subject_sealed: string | null;
  verified_claims_sealed: string | null;
  revoked_by: string | null;
  revoked_reason: string | null;
  offered_at: Date;
  opened_at: Date | null;
  redeemed_at: Date | null;
  verified_at: Date | null;
  activated_at: Date | null;
  closed_at: Date | null;
  expired_at: Date | null;
  revoked_at: Date | null;
}

export interface HandoffFunnel {
  since: string | null;
  /** How many handoffs reached each step. */
  reached: { offered: number; opened: number; redeemed: number; verified: number; active: number; closed: number };
  /** Where they are now. */
  byState: Record<HandoffState, number>;
}

const COLUMNS = `id, conversation_id, page_id, psid, trigger_id, trigger_version, detection, queue, state, expires_at, send_count,
  thread_passed_to, verification_method, verified_subject_sealed, verified_claims_sealed, revoked_by, revoked_reason,
  offered_at, opened_at, redeemed_at, verified_at, activated_at, closed_at, expired_at, revoked_at`;

/** Reads of handoffs for staff (list, one, funnel). The verified identity is opened only for one. */
@Injectable()
export class HandoffQueryService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly encryption: DataEncryptionService,
  ) {}

  async list(query: { state?: HandoffState; conversationId?: string; before?: Date; limit: number }): Promise<{ items: HandoffView[]; nextCursor: string | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.state) where.push(`state = $${params.push(query.state)}`);
    if (query.conversationId) where.push(`conversation_id = $${params.push(query.conversationId)}`);
    if (query.before) where.push(`offered_at < $${params.push(query.before)}`);
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM handoffs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY offered_at DESC, id LIMIT $${params.push(query.limit + 1)}`,
      params,
    )) as ViewRow[];
    const page = rows.slice(0, query.limit);
    return {
      items: page.map((row) => this.toView(row, false)),
      nextCursor: rows.length > query.limit ? new Date(page[page.length - 1]!.offered_at).toISOString() : null,
    };
  }

  async get(id: string): Promise<HandoffView> {
    const rows = (await this.dataSource.query(`SELECT ${COLUMNS} FROM handoffs WHERE id = $1`, [id])) as ViewRow[];
    if (!rows[0]) throw new DomainException(ErrorCode.NotFound, 'Handoff not found');
    return this.toView(rows[0], true);
  }

  /** The verified identity of a handoff, for the agent's screen; null when not verified. */
  async verifiedIdentity(id: string): Promise<{ subject: string; claims: VerifiedIdentityClaims } | null> {
    const rows = (await this.dataSource.query(`SELECT verified_subject_sealed, verified_claims_sealed FROM handoffs WHERE id = $1`, [id])) as ViewRow[];
    const row = rows[0];
    if (!row?.verified_subject_sealed || !row.verified_claims_sealed) return null;
    return {
      subject: this.encryption.decrypt(row.verified_subject_sealed, VERIFIED_SUBJECT_PURPOSE),
      claims: JSON.parse(this.encryption.decrypt(row.verified_claims_sealed, VERIFIED_CLAIMS_PURPOSE)) as VerifiedIdentityClaims,
    };
  }

  async funnel(since: Date | null): Promise<HandoffFunnel> {
    const [reached] = (await this.dataSource.query(
      `SELECT count(*)::int AS offered,
              count(*) FILTER (WHERE opened_at IS NOT NULL OR redeemed_at IS NOT NULL)::int AS opened,
              count(redeemed_at)::int AS redeemed, count(verified_at)::int AS verified,
              count(activated_at)::int AS active, count(closed_at)::int AS closed
         FROM handoffs WHERE ($1::timestamptz IS NULL OR offered_at >= $1)`,
      [since],
    )) as [HandoffFunnel['reached']];
    const states = (await this.dataSource.query(
      `SELECT state, count(*)::int AS n FROM handoffs WHERE ($1::timestamptz IS NULL OR offered_at >= $1) GROUP BY state`,
      [since],
    )) as { state: HandoffState; n: number }[];
    const byState: Record<HandoffState, number> = { offered: 0, opened: 0, redeemed: 0, verified: 0, active: 0, closed: 0, expired: 0, revoked: 0 };
    for (const { state, n } of states) byState[state] = n;
    return { since: since ? since.toISOString() : null, reached, byState };
  }

  private toView(row: ViewRow, withIdentity: boolean): HandoffView {
    const iso = (d: Date | null) => (d ? new Date(d).toISOString() : undefined);
    const timestamps: HandoffView['timestamps'] = {};
    const pairs: [keyof HandoffView['timestamps'], Date | null][] = [
      ['offered', row.offered_at],
      ['opened', row.opened_at],
      ['redeemed', row.redeemed_at],
      ['verified', row.verified_at],
      ['active', row.activated_at],
      ['closed', row.closed_at],
      ['expired', row.expired_at],
      ['revoked', row.revoked_at],
    ];
    for (const [key, value] of pairs) {
      const at = iso(value);
      if (at) timestamps[key] = at;
    }
    const verified = row.verified_subject_sealed !== null;
    let identity: { subject: string; claims: VerifiedIdentityClaims } | null = null;
    if (withIdentity && verified && row.verified_claims_sealed) {
      identity = {
        subject: this.encryption.decrypt(row.verified_subject_sealed!, VERIFIED_SUBJECT_PURPOSE),
        claims: JSON.parse(this.encryption.decrypt(row.verified_claims_sealed, VERIFIED_CLAIMS_PURPOSE)) as VerifiedIdentityClaims,
      };
    }
    return {
      id: row.id,
      conversationId: row.conversation_id,
      pageId: row.page_id,
      psid: row.psid,
      triggerId: row.trigger_id,
      triggerVersion: row.trigger_version,
      detection: row.detection,
      queue: row.queue,
      state: row.state,
      expiresAt: new Date(row.expires_at).toISOString(),
      sendCount: row.send_count,
      threadPassedTo: row.thread_passed_to,
      verification: { method: row.verification_method, verified, claims: identity?.claims ?? null, subject: identity?.subject ?? null },
      revokedBy: row.revoked_by,
      revokedReason: row.revoked_reason,
      timestamps,
    };
  }
}
