import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { DomainException } from '../common/errors/domain.exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { PasswordHasher } from './password-hasher.js';
import { StaffAccountEntity } from './staff-account.entity.js';
import type { StaffRole } from './staff-role.js';
import type { StaffView, StaffWithPasswordView } from './staff.dto.js';

/** Serialises "is there any staff yet?" across instances starting together. */
const BOOTSTRAP_LOCK_KEY = 7_406_211_003;

export interface StaffActor {
  staffId: string | null;
  origin: string;
}

export interface NewStaff {
  email: string;
  displayName: string;
  role: StaffRole;
  skills?: string[];
  maxConcurrentChats?: number;
  password?: string;
}

export interface StaffChanges {
  displayName?: string;
  role?: StaffRole;
  skills?: string[];
  maxConcurrentChats?: number;
  enabled?: boolean;
}

@Injectable()
export class StaffService implements OnApplicationBootstrap {
  private readonly logger = new Logger(StaffService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The first admin, from BOOTSTRAP_ADMIN_EMAIL/PASSWORD (or demo mode's), once, when no staff exists. */
  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.bootstrapAdmin;
    if (!admin) return;
    const passwordHash = await this.hasher.hash(admin.password);
    const created = await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_KEY]);
      const existing = (await manager.query('SELECT 1 FROM staff_accounts LIMIT 1')) as unknown[];
      if (existing.length > 0) return null;
      const account = await this.insert(manager, { email: admin.email, displayName: 'Administrator', role: 'admin' }, passwordHash);
      await this.audit.record(
        { actor: { type: 'system' }, action: 'staff.bootstrapped', resource: { type: 'staff', id: account.id }, outcome: 'success', origin: 'system', after: toView(account) },
        manager,
      );
      return account;
    });
    if (created) this.logger.log({ staffId: created.id }, 'bootstrap admin created');
  }

  async list(): Promise<StaffView[]> {
    const accounts = await this.dataSource.getRepository(StaffAccountEntity).find({ order: { createdAt: 'ASC' } });
    return accounts.map(toView);
  }

  async get(id: string): Promise<StaffView> {
    return toView(await this.load(this.dataSource.manager, id));
  }

  async create(input: NewStaff, actor: StaffActor): Promise<StaffWithPasswordView> {
    const password = input.password ?? generatePassword();
    const passwordHash = await this.hasher.hash(password);
    const account = await this.dataSource.transaction(async (manager) => {
      const taken = (await manager.query('SELECT 1 FROM staff_accounts WHERE lower(email) = lower($1)', [input.email.trim()])) as unknown[];
      if (taken.length > 0) throw new DomainException(ErrorCode.Conflict, 'A staff account with this e-mail exists');
      const created = await this.insert(manager, input, passwordHash);
      await this.audit.record(
        { actor: actorOf(actor), action: 'staff.created', resource: { type: 'staff', id: created.id }, outcome: 'success', origin: actor.origin, after: toView(created) },
        manager,
      );
      return created;
    });
    return { ...toView(account), ...(input.password === undefined ? { temporaryPassword: password } : {}) };
  }

  async update(id: string, changes: StaffChanges, actor: StaffActor): Promise<StaffView> {
    return this.dataSource.transaction(async (manager) => {
      const account = await this.load(manager, id, true);
      const before = toView(account);
      const demotes = changes.role !== undefined && changes.role !== 'admin';
      const disables = changes.enabled === false;
      if (account.role === 'admin' && account.enabled && (demotes || disables)) await this.keepOneAdmin(manager, id);
      if (changes.displayName !== undefined) account.displayName = changes.displayName;
      if (changes.role !== undefined) account.role = changes.role;
      if (changes.skills !== undefined) account.skills = [...new Set(changes.skills)];
      if (changes.maxConcurrentChats !== undefined) account.maxConcurrentChats = changes.maxConcurrentChats;
      if (changes.enabled !== undefined) account.enabled = changes.enabled;
      const saved = await manager.getRepository(StaffAccountEntity).save(account);
      if (disables) await this.revokeSessions(manager, id, 'disabled');
      const after = toView(saved);
      await this.audit.record(
        { actor: actorOf(actor), action: disables ? 'staff.disabled' : 'staff.updated', resource: { type: 'staff', id }, outcome: 'success', origin: actor.origin, before, after },
        manager,
      );
      return after;
    });
  }

  disable(id: string, actor: StaffActor): Promise<StaffView> {
    return this.update(id, { enabled: false }, actor);
  }

  /** Sets a new password (given or generated), unlocks the account and ends its sessions. */
  async resetPassword(id: string, password: string | undefined, actor: StaffActor): Promise<{ temporaryPassword?: string }> {
    const next = password ?? generatePassword();
    const passwordHash = await this.hasher.hash(next);
    await this.dataSource.transaction(async (manager) => {
      await this.load(manager, id, true);
      await manager.query(
        `UPDATE staff_accounts SET password_hash = $2, password_changed_at = now(), failed_login_count = 0,
                failed_window_started_at = NULL, locked_until = NULL, updated_at = now() WHERE id = $1`,
        [id, passwordHash],
      );
      await this.revokeSessions(manager, id, 'password_reset');
      await this.audit.record(
        { actor: actorOf(actor), action: 'staff.password_reset', resource: { type: 'staff', id }, outcome: 'success', origin: actor.origin, details: { generated: password === undefined } },
        manager,
      );
    });
    return password === undefined ? { temporaryPassword: next } : {};
  }

  private async insert(manager: EntityManager, input: NewStaff, passwordHash: string): Promise<StaffAccountEntity> {
    const repository = manager.getRepository(StaffAccountEntity);
    const entity = repository.create({
      email: input.email.trim().toLowerCase(),
      displayName: input.displayName.trim(),
      role: input.role,
      skills: [...new Set(input.skills ?? [])],
      maxConcurrentChats: input.maxConcurrentChats ?? 3,
      enabled: true,
      passwordHash,
      passwordChangedAt: new Date(),
      failedLoginCount: 0,
      failedWindowStartedAt: null,
      lockedUntil: null,
      lastLoginAt: null,
    });
    return repository.save(entity);
  }

  private async load(manager: EntityManager, id: string, forUpdate = false): Promise<StaffAccountEntity> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new DomainException(ErrorCode.NotFound, 'Staff account not found');
    const account = await manager.getRepository(StaffAccountEntity).findOne({ where: { id }, ...(forUpdate ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    if (!account) throw new DomainException(ErrorCode.NotFound, 'Staff account not found');
    return account;
  }

  /** Refuses to leave the service without an enabled admin. */
  private async keepOneAdmin(manager: EntityManager, leavingId: string): Promise<void> {
    // Lock every enabled admin so two concurrent demotions cannot both pass.
    const others = (await manager.query(`SELECT id FROM staff_accounts WHERE role = 'admin' AND enabled AND id <> $1 FOR UPDATE`, [leavingId])) as unknown[];
    if (others.length === 0) throw new DomainException(ErrorCode.Conflict, 'At least one enabled admin must remain');
  }

  private async revokeSessions(manager: EntityManager, staffId: string, reason: string): Promise<void> {
    await manager.query(`UPDATE staff_sessions SET revoked_at = now(), revoked_reason = $2 WHERE staff_id = $1 AND revoked_at IS NULL`, [staffId, reason]);
  }
}

function actorOf(actor: StaffActor): { type: 'staff' | 'system'; id?: string } {
  return actor.staffId ? { type: 'staff', id: actor.staffId } : { type: 'system' };
}

export function toView(account: StaffAccountEntity): StaffView {
  return {
    id: account.id,
    email: account.email,
    displayName: account.displayName,
    role: account.role,
    skills: account.skills,
    maxConcurrentChats: account.maxConcurrentChats,
    enabled: account.enabled,
    locked: account.lockedUntil !== null && new Date(account.lockedUntil).getTime() > Date.now(),
    lastLoginAt: account.lastLoginAt ? new Date(account.lastLoginAt).toISOString() : null,
    createdAt: new Date(account.createdAt).toISOString(),
    updatedAt: new Date(account.updatedAt).toISOString(),
  };
}

/** 18 random bytes: 24 characters, 144 bits. */
function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
