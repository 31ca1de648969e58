import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { DataSource } from 'typeorm';
import { DomainException } from '../common/errors/domain.exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { DataEncryptionService } from '../crypto/data-encryption.service.js';
import { STAFF_ROLES, type StaffPrincipal, type StaffRole } from './staff-role.js';

export const ACCESS_TOKEN_TTL_SECONDS = 900;
const ISSUER = 'secure-handoff';
const AUDIENCE = 'staff';
const TYPE = 'at+jwt';
const MAX_TOKEN_LENGTH = 4096;

/**
 * Staff access tokens: short-lived HS256 JWTs (audience `staff`) keyed by an HKDF subkey of
 * DATA_ENCRYPTION_KEY. A token is only as good as its session: verification also checks that the
 * session is live and the account enabled, and takes the role from the database, so logout,
 * disabling and role changes apply at once. The agent socket authenticates with the same call.
 */
@Injectable()
export class StaffTokenService {
  private readonly key: Uint8Array;

  constructor(
    encryption: DataEncryptionService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    this.key = new Uint8Array(encryption.deriveKey('staff-access-token'));
  }

  async signAccessToken(subject: { staffId: string; sessionId: string; role: StaffRole }): Promise<string> {
    return new SignJWT({ sid: subject.sessionId, role: subject.role })
      .setProtectedHeader({ alg: 'HS256', typ: TYPE })
      .setSubject(subject.staffId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${ACCESS_TOKEN_TTL_SECONDS}s`)
      .sign(this.key);
  }

  /** The live principal behind an access token; throws DomainException(Unauthenticated) otherwise. */
  async verifyAccessToken(token: string): Promise<StaffPrincipal> {
    const unauthenticated = () => new DomainException(ErrorCode.Unauthenticated, 'Authentication required');
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw unauthenticated();
    let staffId: string;
    let sessionId: string;
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        typ: TYPE,
        clockTolerance: 30,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      if (typeof payload.sub !== 'string' || typeof payload['sid'] !== 'string') throw unauthenticated();
      staffId = payload.sub;
      sessionId = payload['sid'];
    } catch (error) {
      if (error instanceof DomainException || error instanceof errors.JOSEError) throw unauthenticated();
      throw error;
    }
    if (!UUID.test(staffId) || !UUID.test(sessionId)) throw unauthenticated();
    const rows = (await this.dataSource.query(
      `SELECT a.id, a.email, a.display_name, a.role
         FROM staff_sessions s JOIN staff_accounts a ON a.id = s.staff_id
        WHERE s.id = $1 AND s.staff_id = $2 AND s.revoked_at IS NULL AND s.expires_at > now() AND a.enabled`,
      [sessionId, staffId],
    )) as { id: string; email: string; display_name: string; role: string }[];
    const row = rows[0];
    if (!row || !STAFF_ROLES.includes(row.role as StaffRole)) throw unauthenticated();
    return { staffId: row.id, sessionId, email: row.email, displayName: row.display_name, role: row.role as StaffRole };
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
