import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { Clock } from './clock.js';
import { updateReturning } from './returning.js';
import type { HandoffState } from './handoff.types.js';

/** `__Host-`: Secure, Path=/, no Domain, so no other host or path can set or shadow it. */
export const CUSTOMER_SESSION_COOKIE = '__Host-handoff_session';
/** Binds the browser to its OIDC login in progress. Lax, because the session cookie (Strict) is not
 * sent on the cross-site redirect back from the bank's login page; it alone opens nothing. */
export const OIDC_FLOW_COOKIE = '__Host-handoff_oidc';
/** A session unused this long ends. */
export const SESSION_IDLE_SECONDS = 30 * 60;
/** A session ends this long after the link was redeemed, however active. */
export const SESSION_ABSOLUTE_SECONDS = 8 * 3600;
/** 256 bits, base64url. */
const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;

export interface CustomerSession {
  sessionId: string;
  handoffId: string;
  conversationId: string;
  pageId: string;
  handoffState: HandoffState;
  verificationMethod: 'oidc' | 'none' | null;
  expiresAt: Date;
}

interface SessionRow {
  id: string;
  handoff_id: string;
  conversation_id: string;
  page_id: string;
  state: HandoffState;
  verification_method: 'oidc' | 'none' | null;
  expires_at: Date;
}

/**
 * The customer's side of a redeemed link: an opaque 256-bit cookie whose SHA-256 alone is stored,
 * bound to one handoff, with idle and absolute expiry. A session works only while its handoff is
 * redeemed, verified or active, so revoking or closing the handoff ends it at once. The realtime
 * gateway authenticates sockets with `authenticate(handshake.headers.cookie)`.
 */
@Injectable()
export class CustomerSessionService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /** A new session for a just-redeemed handoff, in the redemption's transaction. Returns the cookie value. */
  async create(manager: EntityManager, handoffId: string, origin: string, now: Date): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + SESSION_ABSOLUTE_SECONDS * 1000);
    await manager.query(
      `INSERT INTO customer_sessions (handoff_id, token_hash, origin, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $4, $5)`,
      [handoffId, hashSessionToken(token), origin.slice(0, 200), now, expiresAt],
    );
    return { token, expiresAt };
  }

  /** The live session behind a Cookie header, or null. Refreshes its idle timer. */
  async authenticate(cookieHeader: string | undefined): Promise<CustomerSession | null> {
    const token = readCookie(cookieHeader, CUSTOMER_SESSION_COOKIE);
    if (!token || !COOKIE_VALUE.test(token)) return null;
    const now = this.clock.now();
    const rows = await updateReturning<SessionRow>(
      this.dataSource,
      `UPDATE customer_sessions s SET last_seen_at = $2
         FROM handoffs h
        WHERE s.token_hash = $1 AND h.id = s.handoff_id AND s.revoked_at IS NULL
          AND s.expires_at > $2 AND s.last_seen_at > $3 AND h.state IN ('redeemed', 'verified', 'active')
        RETURNING s.id, s.handoff_id, h.conversation_id, h.page_id, h.state, h.verification_method, s.expires_at`,
      [hashSessionToken(token), now, new Date(now.getTime() - SESSION_IDLE_SECONDS * 1000)],
    );
    const row = rows[0];
    return row ? toSession(row) : null;
  }

  /** Keeps the sealed OIDC flow (state, nonce, PKCE verifier) of a login in progress, found again by
   * the hash of the flow cookie's value. A new start replaces an unfinished flow. */
  async saveOidcFlow(sessionId: string, flowToken: string, sealed: string): Promise<void> {
    await this.dataSource.query(`UPDATE customer_sessions SET oidc_flow_hash = $2, oidc_flow_sealed = $3, oidc_flow_started_at = $4 WHERE id = $1`, [
      sessionId,
      hashSessionToken(flowToken),
      sealed,
      this.clock.now(),
    ]);
  }

  /**
   * Takes the flow of the callback's flow cookie, once (a replayed callback finds nothing), and only
   * while its session is live. Returns the session with the flow.
   */
  async takeOidcFlow(cookieHeader: string | undefined): Promise<{ session: CustomerSession; sealed: string; startedAt: Date } | null> {
    const token = readCookie(cookieHeader, OIDC_FLOW_COOKIE);
    if (!token || !COOKIE_VALUE.test(token)) return null;
    const now = this.clock.now();
    const rows = await updateReturning<SessionRow & { sealed: string; started_at: Date }>(
      this.dataSource,
      `UPDATE customer_sessions s SET oidc_flow_hash = NULL, oidc_flow_sealed = NULL, oidc_flow_started_at = NULL, last_seen_at = $2
         FROM (SELECT id, oidc_flow_sealed, oidc_flow_started_at FROM customer_sessions WHERE oidc_flow_hash = $1 FOR UPDATE) old, handoffs h
        WHERE s.id = old.id AND h.id = s.handoff_id AND s.revoked_at IS NULL AND s.expires_at > $2 AND s.last_seen_at > $3
          AND h.state IN ('redeemed', 'verified', 'active') AND old.oidc_flow_sealed IS NOT NULL
        RETURNING s.id, s.handoff_id, h.conversation_id, h.page_id, h.state, h.verification_method, s.expires_at,
                  old.oidc_flow_sealed AS sealed, old.oidc_flow_started_at AS started_at`,
      [hashSessionToken(token), now, new Date(now.getTime() - SESSION_IDLE_SECONDS * 1000)],
    );
    const row = rows[0];
    if (!row) return null;
    return { session: toSession(row), sealed: row.sealed, startedAt: new Date(row.started_at) };
  }

  /** The chat is open to a verified session, or to any session when no verification is required. */
  static canChat(session: CustomerSession): boolean {
    return session.handoffState === 'verified' || session.handoffState === 'active' || session.verificationMethod === 'none';
  }

  /** The Set-Cookie value for a new session. */
  static cookie(token: string, expiresAt: Date, now: Date): string {
    const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - now.getTime()) / 1000));
    return `${CUSTOMER_SESSION_COOKIE}=${token}; Path=/; Max-Age=${maxAge}; Secure; HttpOnly; SameSite=Strict`;
  }

  static clearedCookie(): string {
    return `${CUSTOMER_SESSION_COOKIE}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict`;
  }
}

function toSession(row: SessionRow): CustomerSession {
  return {
    sessionId: row.id,
    handoffId: row.handoff_id,
    conversationId: row.conversation_id,
    pageId: row.page_id,
    handoffState: row.state,
    verificationMethod: row.verification_method,
    expiresAt: new Date(row.expires_at),
  };
}

/** The Set-Cookie value binding a browser to its OIDC flow; Lax so the bank's redirect back carries it. */
export function oidcFlowCookie(token: string, maxAgeSeconds: number): string {
  return `${OIDC_FLOW_COOKIE}=${token}; Path=/; Max-Age=${maxAgeSeconds}; Secure; HttpOnly; SameSite=Lax`;
}

export function clearedOidcFlowCookie(): string {
  return `${OIDC_FLOW_COOKIE}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax`;
}

export function hashSessionToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** One cookie's value from a Cookie header; the first occurrence wins, as browsers send the most specific first. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (typeof header !== 'string' || header.length === 0 || header.length > 8192) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
