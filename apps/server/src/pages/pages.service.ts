import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PageCredentials } from '@handoff/messenger';
import type { DataSource } from 'typeorm';
import { DomainException } from '../common/errors/domain.exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { DataEncryptionService } from '../crypto/data-encryption.service.js';
import { PageEntity } from './page.entity.js';

const TOKEN_PURPOSE = 'page-access-token';
/** Page lookups sit on the webhook's hot path; changes made elsewhere show within this time. */
const CACHE_TTL_MS = 5_000;

export interface PageSummary {
  pageId: string;
  name: string;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

interface CachedPage {
  page: PageSummary | null;
  credentials: PageCredentials | null;
  expiresAt: number;
}

/** The Pages this service answers for. Access tokens are sealed at rest and only opened to send. */
@Injectable()
export class PagesService implements OnApplicationBootstrap {
  private readonly cache = new Map<string, CachedPage>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly encryption: DataEncryptionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The first Page comes from the environment; its token follows the environment on each start. */
  async onApplicationBootstrap(): Promise<void> {
    const { pageId, pageAccessToken } = this.config.messenger;
    await this.dataSource.query(
      `INSERT INTO pages (page_id, name, access_token_sealed) VALUES ($1, $2, $3)
       ON CONFLICT (page_id) DO UPDATE SET access_token_sealed = EXCLUDED.access_token_sealed, updated_at = now()`,
      [pageId, this.config.demoMode ? 'Demo Bank' : `Page ${pageId}`, this.encryption.encrypt(pageAccessToken, TOKEN_PURPOSE)],
    );
  }

  /** An enabled Page, or null for an unknown or disabled one. */
  async findEnabled(pageId: string): Promise<PageSummary | null> {
    const entry = await this.load(pageId);
    return entry.page?.enabled ? entry.page : null;
  }

  async credentials(pageId: string): Promise<PageCredentials | null> {
    const entry = await this.load(pageId);
    return entry.page?.enabled ? entry.credentials : null;
  }

  async list(): Promise<PageSummary[]> {
    return this.dataSource.getRepository(PageEntity).find({ order: { createdAt: 'ASC' } });
  }

  async get(pageId: string): Promise<PageSummary> {
    const page = await this.dataSource.getRepository(PageEntity).findOne({ where: { pageId } });
    if (!page) throw new DomainException(ErrorCode.NotFound, 'Page not found');
    return page;
  }

  async add(input: { pageId: string; name: string; accessToken: string }): Promise<PageSummary> {
    const inserted: { page_id: string }[] = await this.dataSource.query(
      `INSERT INTO pages (page_id, name, access_token_sealed) VALUES ($1, $2, $3) ON CONFLICT (page_id) DO NOTHING RETURNING page_id`,
      [input.pageId, input.name, this.encryption.encrypt(input.accessToken, TOKEN_PURPOSE)],
    );
    if (inserted.length === 0) throw new DomainException(ErrorCode.Conflict, 'Page already exists');
    this.cache.delete(input.pageId);
    return this.get(input.pageId);
  }

  async rotateAccessToken(pageId: string, accessToken: string): Promise<PageSummary> {
    await this.update(pageId, `access_token_sealed = $2`, [this.encryption.encrypt(accessToken, TOKEN_PURPOSE)]);
    return this.get(pageId);
  }

  async setEnabled(pageId: string, enabled: boolean): Promise<PageSummary> {
    await this.update(pageId, `enabled = $2`, [enabled]);
    return this.get(pageId);
  }

  async rename(pageId: string, name: string): Promise<PageSummary> {
    await this.update(pageId, `name = $2`, [name]);
    return this.get(pageId);
  }

  private async update(pageId: string, assignment: string, params: unknown[]): Promise<void> {
    const [, count] = (await this.dataSource.query(`UPDATE pages SET ${assignment}, updated_at = now() WHERE page_id = $1`, [
      pageId,
      ...params,
    ])) as [unknown, number];
    if (count === 0) throw new DomainException(ErrorCode.NotFound, 'Page not found');
    this.cache.delete(pageId);
  }

  private async load(pageId: string): Promise<CachedPage> {
    const cached = this.cache.get(pageId);
    if (cached && cached.expiresAt > Date.now()) return cached;
    const rows: { page_id: string; name: string; enabled: boolean; access_token_sealed: string; created_at: Date; updated_at: Date }[] =
      await this.dataSource.query(`SELECT page_id, name, enabled, access_token_sealed, created_at, updated_at FROM pages WHERE page_id = $1`, [pageId]);
    const row = rows[0];
    const entry: CachedPage = row
      ? {
          page: { pageId: row.page_id, name: row.name, enabled: row.enabled, createdAt: row.created_at, updatedAt: row.updated_at },
          credentials: { pageId: row.page_id, accessToken: this.encryption.decrypt(row.access_token_sealed, TOKEN_PURPOSE) },
          expiresAt: Date.now() + CACHE_TTL_MS,
        }
      : { page: null, credentials: null, expiresAt: Date.now() + CACHE_TTL_MS };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(pageId, entry);
    return entry;
  }
}
