import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { TriggerChange, TriggerDefinition, TriggerVersion } from './trigger.types.js';

/** Channel of the change notifications (sent in the changing transaction, delivered at commit). */
export const TRIGGER_CHANGES_CHANNEL = 'trigger_changes';

interface VersionRow {
  trigger_id: string;
  version: number;
  name: string;
  description: string;
  enabled: boolean;
  priority: number;
  scope: TriggerVersion['scope'];
  conditions: TriggerVersion['conditions'];
  action: TriggerVersion['action'];
  change: TriggerChange;
  restored_from: number | null;
  created_by: string | null;
  created_at: Date;
  deleted: boolean;
}

const VERSION_COLUMNS = `v.trigger_id, v.version, v.name, v.description, v.enabled, v.priority, v.scope, v.conditions, v.action,
  v.change, v.restored_from, v.created_by, v.created_at, (v.change = 'deleted') AS deleted`;

/** SQL for triggers and their versions. */
@Injectable()
export class TriggerRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The current version of every trigger that is not deleted. */
  async current(manager: EntityManager = this.dataSource.manager): Promise<TriggerVersion[]> {
    const rows = (await manager.query(
      `SELECT ${VERSION_COLUMNS} FROM triggers t JOIN trigger_versions v ON v.trigger_id = t.id AND v.version = t.current_version
        WHERE t.deleted_at IS NULL ORDER BY t.created_at, t.id`,
    )) as VersionRow[];
    return rows.map(toVersion);
  }

  async find(id: string, manager: EntityManager = this.dataSource.manager, options: { lock?: boolean } = {}): Promise<{ current: TriggerVersion; deleted: boolean } | null> {
    if (options.lock) await manager.query('SELECT 1 FROM triggers WHERE id = $1 FOR UPDATE', [id]);
    const rows = (await manager.query(
      `SELECT ${VERSION_COLUMNS} FROM triggers t JOIN trigger_versions v ON v.trigger_id = t.id AND v.version = t.current_version WHERE t.id = $1`,
      [id],
    )) as VersionRow[];
    const row = rows[0];
    return row ? { current: toVersion(row), deleted: row.deleted } : null;
  }

  async versions(id: string): Promise<TriggerVersion[]> {
    const rows = (await this.dataSource.query(
      `SELECT ${VERSION_COLUMNS} FROM triggers t JOIN trigger_versions v ON v.trigger_id = t.id WHERE t.id = $1 ORDER BY v.version DESC`,
      [id],
    )) as VersionRow[];
    return rows.map(toVersion);
  }

  async version(id: string, version: number): Promise<TriggerVersion | null> {
    const rows = (await this.dataSource.query(
      `SELECT ${VERSION_COLUMNS} FROM triggers t JOIN trigger_versions v ON v.trigger_id = t.id WHERE t.id = $1 AND v.version = $2`,
      [id, version],
    )) as VersionRow[];
    return rows[0] ? toVersion(rows[0]) : null;
  }

  async count(manager: EntityManager): Promise<number> {
    const rows = (await manager.query('SELECT count(*)::int AS n FROM triggers')) as { n: number }[];
    return rows[0]?.n ?? 0;
  }

  async insertTrigger(manager: EntityManager): Promise<string> {
    const rows = (await manager.query(`INSERT INTO triggers (current_version) VALUES (1) RETURNING id`)) as { id: string }[];
    return rows[0]!.id;
  }

  /** Adds a version, makes it current, and announces the change to every instance (at commit). */
  async addVersion(
    manager: EntityManager,
    id: string,
    version: number,
    definition: TriggerDefinition,
    meta: { change: TriggerChange; restoredFrom: number | null; createdBy: string | null },
  ): Promise<TriggerVersion> {
    await manager.query(
      `INSERT INTO trigger_versions (trigger_id, version, name, description, enabled, priority, scope, conditions, action, change, restored_from, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9::jsonb, $10, $11, $12)`,
      [
        id,
        version,
        definition.name,
        definition.description,
        definition.enabled,
        definition.priority,
        JSON.stringify(definition.scope),
        JSON.stringify(definition.conditions),
        JSON.stringify(definition.action),
        meta.change,
        meta.restoredFrom,
        meta.createdBy,
      ],
    );
    await manager.query(
      `UPDATE triggers SET current_version = $2, updated_at = now(),
              deleted_at = CASE WHEN $3 THEN coalesce(deleted_at, now()) ELSE NULL END
        WHERE id = $1`,
      [id, version, meta.change === 'deleted'],
    );
    await manager.query('SELECT pg_notify($1, $2)', [TRIGGER_CHANGES_CHANNEL, id]);
    const found = await this.find(id, manager);
    return found!.current;
  }
}

function toVersion(row: VersionRow): TriggerVersion {
  return {
    id: row.trigger_id,
    version: row.version,
    name: row.name,
    description: row.description,
    enabled: row.enabled,
    priority: row.priority,
    scope: row.scope,
    conditions: row.conditions,
    action: row.action,
    change: row.change,
    restoredFrom: row.restored_from,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at).toISOString(),
    deleted: row.deleted,
  };
}
