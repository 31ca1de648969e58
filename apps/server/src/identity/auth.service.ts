import { createHash, randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { DomainException } from '../common/errors/domain.exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { DataEncryptionService } from '../crypto/data-encryption.service.js';
import { LoginAttemptCounter } from './login-attempt.counter.js';
import { PasswordHasher } from './password-hasher.js';
import type { StaffRole } from './staff-role.js';
import { ACCESS_TOKEN_TTL_SECONDS, StaffTokenService } from './staff-token.service.js';

/** Per account: this many failures within the window lock it for LOCK_MINUTES. */
export const ACCOUNT_MAX_FAILURES = 5;
export const ACCOUNT_FAILURE_WINDOW_MINUTES = 15;
export const ACCOUNT_LOCK_MINUTES = 15;
/** Per client address (and per unknown e-mail): failures allowed within the window. */
export const ADDRESS_MAX_FAILURES = 20;
const ADDRESS_WINDOW_MS = 15 * 60_000;
/** Key purpose of the throttle's fingerprint of an unknown e-mail address (the counter's key names no address). */
const LOGIN_THROTTLE_PURPOSE = 'login-throttle';
/** Absolute lifetime of a sign-in; the refresh token rotates within it. */
export const SESSION_TTL_SECONDS = 12 * 3600;

export interface TokenPair {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: string;
}

export interface LoginResult extends TokenPair {
  staff: { id: string; email: string; displayName: string; role: StaffRole };
}

interface AccountRow {
  id: string;
  email: string;
  display_name: string;
  role: StaffRole;
  enabled: boolean;
  password_hash: string;
  locked: boolean;
}

const INVALID_CREDENTIALS = 'Invalid e-mail or password';
const TOO_MANY = 'Too many failed sign-in attempts; try again later';

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);
  /** Accounts (by e-mail) whose password is being checked in this instance right now. */
  private readonly verifying = new Set<string>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly tokens: StaffTokenService,
    private readonly attempts: LoginAttemptCounter,
    private readonly audit: AuditService,
    private readonly encryption: DataEncryptionService,
  ) {}

  async login(emailInput: string, password: string, origin: string): Promise<LoginResult> {
    const email = emailInput.trim().toLowerCase();
    const addressKey = `address:${origin}`;
    // Counted before the password is checked, so concurrent attempts cannot all slip under the
    // limit; a success gives its count back.
    if ((await this.attempts.increment(addressKey, ADDRESS_WINDOW_MS)) > ADDRESS_MAX_FAILURES) {
      await this.failure(null, origin, 'address_rate_limited');
      throw new DomainException(ErrorCode.RateLimited, TOO_MANY);
    }
    if (this.verifying.has(email)) {
      // One password check per account at a time: parallel guesses wait for nothing, they fail.
      await this.failure(null, origin, 'concurrent_attempt');
      throw new DomainException(ErrorCode.RateLimited, TOO_MANY);
    }
    this.verifying.add(email);
    try {
      const result = await this.checkCredentials(email, password, origin);
      await this.attempts.decrement(addressKey);
      return result;
    } finally {
      this.verifying.delete(email);
    }
  }

  private async checkCredentials(email: string, password: string, origin: string): Promise<LoginResult> {
    const rows = (await this.dataSource.query(
      `SELECT id, email, display_name, role, enabled, password_hash, coalesce(locked_until > now(), false) AS locked
         FROM staff_accounts WHERE lower(email) = $1`,
      [email],
    )) as AccountRow[];
    const account = rows[0];

    if (!account) {
      await this.hasher.verifyNothing(password);
      // Unknown e-mails are throttled like accounts, so a lockout does not reveal which exist.
      const unknownCount = await this.attempts.increment(`email:${this.encryption.fingerprint(email, LOGIN_THROTTLE_PURPOSE)}`, ADDRESS_WINDOW_MS);
      await this.failure(null, origin, 'unknown_account');
      if (unknownCount > ACCOUNT_MAX_FAILURES) throw new DomainException(ErrorCode.RateLimited, TOO_MANY);
      throw new DomainException(ErrorCode.Unauthenticated, INVALID_CREDENTIALS);
    }
    if (account.locked) {
      await this.failure(account.id, origin, 'locked');
      throw new DomainException(ErrorCode.RateLimited, TOO_MANY);
    }
    const valid = await this.hasher.verify(account.password_hash, password);
    if (!valid || !account.enabled) {
      const locked = await this.recordAccountFailure(account.id);
      await this.failure(account.id, origin, valid ? 'disabled' : 'wrong_password');
      if (locked) {
        await this.audit.record({
          actor: { type: 'system' },
          action: 'auth.locked',
          resource: { type: 'staff', id: account.id },
          outcome: 'success',
          origin,
          details: { failures: ACCOUNT_MAX_FAILURES, lockMinutes: ACCOUNT_LOCK_MINUTES },
        });
      }
      throw new DomainException(ErrorCode.Unauthenticated, INVALID_CREDENTIALS);
    }

    const refreshToken = newRefreshToken();
    const result = await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `UPDATE staff_accounts SET failed_login_count = 0, failed_window_started_at = NULL, locked_until = NULL, last_login_at = now() WHERE id = $1`,
        [account.id],
      );
      const sessions = (await manager.query(
        `INSERT INTO staff_sessions (staff_id, refresh_token_hash, origin, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(secs => $4)) RETURNING id, expires_at`,
        [account.id, hashToken(refreshToken), origin.slice(0, 200), SESSION_TTL_SECONDS],
      )) as { id: string; expires_at: Date }[];
      const session = sessions[0]!;
      await this.audit.record(
        { actor: { type: 'staff', id: account.id }, action: 'auth.login', resource: { type: 'staff', id: account.id }, outcome: 'success', origin, details: { sessionId: session.id } },
        manager,
      );
      return session;
    });
    return {
      ...(await this.pair(account.id, result.id, account.role, refreshToken, result.expires_at)),
      staff: { id: account.id, email: account.email, displayName: account.display_name, role: account.role },
    };
  }

  /** Exchanges a refresh token for a new pair; the old refresh token stops working (rotation).
   * Presenting an already-rotated token revokes the whole session: it was copied. */
  async refresh(refreshToken: string, origin: string): Promise<TokenPair> {
    const unauthenticated = new DomainException(ErrorCode.Unauthenticated, 'Authentication required');
    if (!/^rt_[A-Za-z0-9_-]{43}$/.test(refreshToken)) throw unauthenticated;
    const presented = hashToken(refreshToken);
    const next = newRefreshToken();
    const rotated = (await this.dataSource.query(
      `UPDATE staff_sessions s SET refresh_token_hash = $2, previous_refresh_token_hash = $1, last_refreshed_at = now()
         FROM staff_accounts a
        WHERE s.refresh_token_hash = $1 AND a.id = s.staff_id AND a.enabled AND s.revoked_at IS NULL AND s.expires_at > now()
        RETURNING s.id, s.staff_id, s.expires_at, a.role`,
      [presented, hashToken(next)],
    )) as [{ id: string; staff_id: string; expires_at: Date; role: StaffRole }[], number];
    const row = rotated[0]?.[0];
    if (row) return this.pair(row.staff_id, row.id, row.role, next, row.expires_at);

    const reused = (await this.dataSource.query(
      `UPDATE staff_sessions SET revoked_at = now(), revoked_reason = 'refresh_token_reuse'
        WHERE previous_refresh_token_hash = $1 AND revoked_at IS NULL RETURNING id, staff_id`,
      [presented],
    )) as [{ id: string; staff_id: string }[], number];
    const session = reused[0]?.[0];
    if (session) {
      this.logger.warn({ sessionId: session.id }, 'refresh token reused: session revoked');
      await this.audit.record({
        actor: { type: 'staff', id: session.staff_id },
        action: 'auth.refresh',
        resource: { type: 'staff_session', id: session.id },
        outcome: 'failure',
        origin,
        details: { reason: 'refresh_token_reuse', sessionRevoked: true },
      });
    }
    throw unauthenticated;
  }

  async logout(staffId: string, sessionId: string, origin: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`UPDATE staff_sessions SET revoked_at = now(), revoked_reason = 'logout' WHERE id = $1 AND revoked_at IS NULL`, [sessionId]);
      await this.audit.record(
        { actor: { type: 'staff', id: staffId }, action: 'auth.logout', resource: { type: 'staff_session', id: sessionId }, outcome: 'success', origin },
        manager,
      );
    });
  }

  private async pair(staffId: string, sessionId: string, role: StaffRole, refreshToken: string, expiresAt: Date): Promise<TokenPair> {
    return {
      accessToken: await this.tokens.signAccessToken({ staffId, sessionId, role }),
      tokenType: 'Bearer',
      expiresIn: ACCESS_TOKEN_TTL_SECONDS,
      refreshToken,
      refreshExpiresAt: new Date(expiresAt).toISOString(),
    };
  }

  /** Counts a failure in the account's window; true when this one locked it. */
  private async recordAccountFailure(staffId: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `WITH counted AS (
         SELECT id,
                CASE WHEN failed_window_started_at IS NULL OR failed_window_started_at < now() - make_interval(mins => $2)
                     THEN 1 ELSE failed_login_count + 1 END AS failures,
                CASE WHEN failed_window_started_at IS NULL OR failed_window_started_at < now() - make_interval(mins => $2)
                     THEN now() ELSE failed_window_started_at END AS window_start
           FROM staff_accounts WHERE id = $1 FOR UPDATE)
       UPDATE staff_accounts a
          SET failed_login_count = CASE WHEN c.failures >= $3 THEN 0 ELSE c.failures END,
              failed_window_started_at = CASE WHEN c.failures >= $3 THEN NULL ELSE c.window_start END,
              locked_until = CASE WHEN c.failures >= $3 THEN now() + make_interval(mins => $4) ELSE a.locked_until END
         FROM counted c WHERE a.id = c.id
       RETURNING c.failures >= $3 AS locked`,
      [staffId, ACCOUNT_FAILURE_WINDOW_MINUTES, ACCOUNT_MAX_FAILURES, ACCOUNT_LOCK_MINUTES],
    )) as [{ locked: boolean }[], number];
    return rows[0]?.[0]?.locked === true;
  }

  private async failure(staffId: string | null, origin: string, reason: string): Promise<void> {
    // The e-mail typed for an unknown account is not kept: people type passwords into that field.
    await this.audit.record({
      actor: staffId ? { type: 'staff', id: staffId } : { type: 'staff' },
      action: 'auth.login',
      resource: staffId ? { type: 'staff', id: staffId } : { type: 'staff' },
      outcome: 'failure',
      origin,
      details: { reason },
    });
  }
}

function newRefreshToken(): string {
  return 'rt_' + randomBytes(32).toString('base64url');
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
