import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { verifyAuditChain } from '../../apps/server/src/audit/audit-chain.js';
import { AuditService } from '../../apps/server/src/audit/audit.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('audit trail', () => {
  let server: TestApp;
  let audit: AuditService;
  let dataSource: DataSource;

  beforeAll(async () => {
    server = await startTestApp();
    audit = server.app.get(AuditService);
    dataSource = server.app.get(DataSource);
  });

  afterAll(async () => {
    await server.close();
  });

  it('chains events written concurrently, in their own or the caller\'s transaction, into one intact chain', async () => {
    const resourceId = randomUUID();
    const writes = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? audit.record({ actor: { type: 'system' }, action: 'test.concurrent', resource: { type: 'test', id: resourceId }, outcome: 'success', details: { i } })
        : dataSource.transaction((manager) =>
            audit.record({ actor: { type: 'system' }, action: 'test.concurrent', resource: { type: 'test', id: resourceId }, outcome: 'success', details: { i } }, manager),
          ),
    );
    await Promise.all(writes);
    const count = (await dataSource.query('SELECT count(*)::int AS n FROM audit_events WHERE resource_id = $1', [resourceId])) as { n: number }[];
    expect(count[0]!.n).toBe(20);
    await expect(verifyAuditChain(dataSource)).resolves.toMatchObject({ ok: true, firstBreak: null });
  });

  it('writes nothing when the caller\'s transaction rolls back', async () => {
    const resourceId = randomUUID();
    await expect(
      dataSource.transaction(async (manager) => {
        await audit.record({ actor: { type: 'system' }, action: 'test.rollback', resource: { type: 'test', id: resourceId }, outcome: 'success' }, manager);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const rows = (await dataSource.query('SELECT 1 FROM audit_events WHERE resource_id = $1', [resourceId])) as unknown[];
    expect(rows).toHaveLength(0);
    await expect(verifyAuditChain(dataSource)).resolves.toMatchObject({ ok: true });
  });

  it('never stores secrets passed by mistake', async () => {
    const resourceId = randomUUID();
    await audit.record({
      actor: { type: 'staff', id: 'x\r\nforged' },
      action: 'test.secret',
      resource: { type: 'test', id: resourceId },
      outcome: 'success',
      after: { password: 'hunter2hunter2', accessToken: 'EAAB-secret' },
    });
    const rows = (await dataSource.query('SELECT actor_id, after::text AS after FROM audit_events WHERE resource_id = $1', [resourceId])) as {
      actor_id: string;
      after: string;
    }[];
    expect(rows[0]!.after).not.toContain('hunter2');
    expect(rows[0]!.after).not.toContain('EAAB');
    expect(rows[0]!.actor_id).toBe('x  forged');
  });

  it('refuses UPDATE, DELETE and TRUNCATE even to a superuser, and its role has no such privilege', async () => {
    await audit.record({ actor: { type: 'system' }, action: 'test.append-only', resource: { type: 'test' }, outcome: 'success' });
    await expect(dataSource.query(`UPDATE audit_events SET outcome = 'failure' WHERE action = 'test.append-only'`)).rejects.toThrow(/append-only/);
    await expect(dataSource.query(`DELETE FROM audit_events WHERE action = 'test.append-only'`)).rejects.toThrow(/append-only/);
    await expect(dataSource.query(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);
    const privileges = (await dataSource.query(
      `SELECT has_table_privilege(current_user, 'audit_events', 'UPDATE') AS u, has_table_privilege(current_user, 'audit_events', 'DELETE') AS d,
              (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
              (SELECT count(*)::int FROM information_schema.role_table_grants
                WHERE table_name = 'audit_events' AND grantee = current_user AND privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')) AS grants`,
    )) as { u: boolean; d: boolean; superuser: boolean; grants: number }[];
    // A superuser passes every privilege check; what matters is that none is granted.
    expect(privileges[0]!.grants).toBe(0);
    if (!privileges[0]!.superuser) expect(privileges[0]).toMatchObject({ u: false, d: false });
  });

  it('detects a tampered row, here and through `npm run audit:verify`, naming it', async () => {
    const resourceId = randomUUID();
    for (let i = 0; i < 3; i++) {
      await audit.record({ actor: { type: 'system' }, action: 'test.tamper', resource: { type: 'test', id: resourceId }, outcome: 'success', details: { i } });
    }
    const [victim] = (await dataSource.query(`SELECT id, seq::text AS seq FROM audit_events WHERE resource_id = $1 ORDER BY seq LIMIT 1 OFFSET 1`, [
      resourceId,
    ])) as { id: string; seq: string }[];
    // Tampering takes a deliberate bypass of the append-only trigger, by the superuser, in its own session.
    const client = new pg.Client({ connectionString: server.config.databaseUrl! });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query("SET LOCAL session_replication_role = 'replica'");
      await client.query(`UPDATE audit_events SET outcome = 'failure' WHERE id = $1`, [victim!.id]);
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
    const result = await verifyAuditChain(dataSource);
    expect(result).toMatchObject({ ok: false, firstBreak: { id: victim!.id, seq: victim!.seq, reason: 'hash_mismatch' } });

    const cli = await runCli(server.config.databaseUrl!);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(`id=${victim!.id}`);

    // Put it back (again bypassing the trigger) so other test files see an intact chain.
    const repair = new pg.Client({ connectionString: server.config.databaseUrl! });
    await repair.connect();
    try {
      await repair.query('BEGIN');
      await repair.query("SET LOCAL session_replication_role = 'replica'");
      await repair.query(`UPDATE audit_events SET outcome = 'success' WHERE id = $1`, [victim!.id]);
      await repair.query('COMMIT');
    } finally {
      await repair.end();
    }
    await expect(verifyAuditChain(dataSource)).resolves.toMatchObject({ ok: true });
  });
});

/** The CLI as operators run it, through tsx on the sources (the build may be stale while testing). */
function runCli(databaseUrl: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', 'apps/server/src/audit/audit-verify.cli.ts'],
      {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', DATABASE_URL: databaseUrl, ...messengerEnv() },
        timeout: 60_000,
      },
      (error, stdout) => resolve({ code: error ? ((error as { code?: number }).code ?? 2) : 0, stdout }),
    );
  });
}

/** loadConfig wants a complete, non-demo configuration outside demo mode. */
function messengerEnv(): Record<string, string> {
  return {
    MESSENGER_APP_SECRET: 'x'.repeat(32),
    MESSENGER_VERIFY_TOKEN: 'verify',
    MESSENGER_PAGE_ID: '1',
    MESSENGER_PAGE_ACCESS_TOKEN: 'token',
    LINK_SIGNING_KEYS: `k1:${'y'.repeat(40)}`,
    DATA_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64url'),
    CUSTOMER_VERIFICATION: 'none',
  };
}
