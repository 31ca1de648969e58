import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { verifyAuditChain } from '../../apps/server/src/audit/audit-chain.js';
import { AUDIT_CHAIN_LOCK_KEY, AuditChainer } from '../../apps/server/src/audit/audit-chainer.js';
import { AuditService } from '../../apps/server/src/audit/audit.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('audit trail', () => {
  let server: TestApp;
  let audit: AuditService;
  let chainer: AuditChainer;
  let dataSource: DataSource;

  beforeAll(async () => {
    server = await startTestApp();
    audit = server.app.get(AuditService);
    chainer = server.app.get(AuditChainer);
    dataSource = server.app.get(DataSource);
  });

  /** Runs `fn` in a session of its own, as the superuser: a deliberate bypass of the append-only triggers. */
  async function tamper(fn: (client: pg.Client) => Promise<unknown>): Promise<void> {
    const client = new pg.Client({ connectionString: server.config.databaseUrl! });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query("SET LOCAL session_replication_role = 'replica'");
      await fn(client);
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
  }

  async function recordThree(action: string): Promise<{ id: string; seq: string }[]> {
    const resourceId = randomUUID();
    for (let i = 0; i < 3; i++) {
      await audit.record({ actor: { type: 'system' }, action, resource: { type: 'test', id: resourceId }, outcome: 'success', details: { i } });
    }
    await chainer.chainPending();
    return (await dataSource.query(`SELECT id, seq::text AS seq FROM audit_events WHERE resource_id = $1 ORDER BY seq`, [resourceId])) as {
      id: string;
      seq: string;
    }[];
  }

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
    await chainer.chainPending();
    const rows = (await dataSource.query(
      `SELECT e.seq::text AS seq, c.position::text AS position, c.prev_hash, c.hash
         FROM audit_events e LEFT JOIN audit_chain c ON c.event_id = e.id WHERE e.resource_id = $1 ORDER BY c.position`,
      [resourceId],
    )) as { seq: string; position: string | null; prev_hash: string | null; hash: string | null }[];
    expect(rows).toHaveLength(20);
    // every one linked, once, into the one chain
    expect(rows.every((r) => r.position !== null && r.hash !== null)).toBe(true);
    expect(new Set(rows.map((r) => r.hash)).size).toBe(20);
    await expect(verifyAuditChain(dataSource)).resolves.toMatchObject({ ok: true, firstBreak: null, unchained: 0 });

    // The listing shows each event's link.
    const listed = await audit.list({ resourceId, limit: 50 });
    expect(listed.items).toHaveLength(20);
    for (const item of listed.items) {
      const link = rows.find((r) => r.seq === item.seq)!;
      expect(item).toMatchObject({ chainPosition: link.position, prevHash: link.prev_hash, hash: link.hash });
    }
  });

  it('records without waiting for the chain: the event is listed unlinked until the chainer links it', async () => {
    const resourceId = randomUUID();
    // Holding the chainers' lock stops every chainer; recording must not wait for it.
    const holder = new pg.Client({ connectionString: server.config.databaseUrl! });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [AUDIT_CHAIN_LOCK_KEY]);
      await dataSource.transaction((manager) =>
        audit.record({ actor: { type: 'system' }, action: 'test.unlocked', resource: { type: 'test', id: resourceId }, outcome: 'success' }, manager),
      );
      const listed = await audit.list({ resourceId, limit: 5 });
      expect(listed.items).toMatchObject([{ action: 'test.unlocked', chainPosition: null, prevHash: null, hash: null }]);
      await expect(verifyAuditChain(dataSource)).resolves.toMatchObject({ ok: true });
    } finally {
      await holder.end();
    }
    // The background chainer links it within a few ticks.
    const deadline = Date.now() + 10_000;
    let hash: string | null = null;
    while (Date.now() < deadline && !hash) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      hash = (await audit.list({ resourceId, limit: 5 })).items[0]!.hash;
    }
    expect(hash).toEqual(expect.any(String));
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
    await expect(audit.verify()).resolves.toMatchObject({ ok: true });
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

  it.each(['audit_events', 'audit_chain'])('refuses UPDATE, DELETE and TRUNCATE on %s even to a superuser, and its role has no such privilege', async (table) => {
    await audit.record({ actor: { type: 'system' }, action: 'test.append-only', resource: { type: 'test' }, outcome: 'success' });
    await audit.verify();
    const [{ id }] = (await dataSource.query(`SELECT id FROM audit_events WHERE action = 'test.append-only' ORDER BY seq DESC LIMIT 1`)) as { id: string }[];
    const key = table === 'audit_events' ? 'id' : 'event_id';
    const set = table === 'audit_events' ? `outcome = 'failure'` : `hash = 'x'`;
    await expect(dataSource.query(`UPDATE ${table} SET ${set} WHERE ${key} = $1`, [id])).rejects.toThrow(/append-only/);
    await expect(dataSource.query(`DELETE FROM ${table} WHERE ${key} = $1`, [id])).rejects.toThrow(/append-only/);
    await expect(dataSource.query(`TRUNCATE ${table}`)).rejects.toThrow(/append-only/);
    const privileges = (await dataSource.query(
      `SELECT has_table_privilege(current_user, $1, 'UPDATE') AS u, has_table_privilege(current_user, $1, 'DELETE') AS d,
              (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
              (SELECT count(*)::int FROM information_schema.role_table_grants
                WHERE table_name = $1 AND grantee = current_user AND privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')) AS grants`,
      [table],
    )) as { u: boolean; d: boolean; superuser: boolean; grants: number }[];
    // A superuser passes every privilege check; what matters is that none is granted.
    expect(privileges[0]!.grants).toBe(0);
    if (!privileges[0]!.superuser) expect(privileges[0]).toMatchObject({ u: false, d: false });
  });

  it('detects a tampered event, here and through `npm run audit:verify`, naming it', async () => {
    // The middle one of three: the chainer only ever reads the last link, so nothing new links onto the edit.
    const [, victim] = await recordThree('test.tamper');
    await tamper((client) => client.query(`UPDATE audit_events SET outcome = 'failure' WHERE id = $1`, [victim!.id]));
    const result = await verifyAuditChain(dataSource);
    expect(result).toMatchObject({ ok: false, firstBreak: { id: victim!.id, seq: victim!.seq, reason: 'hash_mismatch', position: expect.any(String) } });

    const cli = await runCli(server.config.databaseUrl!);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(`id=${victim!.id}`);
    expect(cli.stdout).toContain(`seq=${victim!.seq}`);

    // Put it back (again bypassing the trigger) so other test files see an intact chain.
    await tamper((client) => client.query(`UPDATE audit_events SET outcome = 'success' WHERE id = $1`, [victim!.id]));
    await expect(verifyAuditChain(dataSource)).resolves.toMatchObject({ ok: true });
  });

  it('detects a tampered link and a removed one, naming them', async () => {
    const [, victim, next] = await recordThree('test.tamper-link');
    const [link] = (await dataSource.query(`SELECT position::text AS position, hash FROM audit_chain WHERE event_id = $1`, [victim!.id])) as {
      position: string;
      hash: string;
    }[];
    await tamper((client) => client.query(`UPDATE audit_chain SET hash = $2 WHERE event_id = $1`, [victim!.id, 'A'.repeat(43)]));
    await expect(audit.verify()).resolves.toMatchObject({
      ok: false,
      firstBreak: { id: victim!.id, seq: victim!.seq, position: link!.position, reason: 'hash_mismatch' },
    });
    await tamper((client) => client.query(`UPDATE audit_chain SET hash = $2 WHERE event_id = $1`, [victim!.id, link!.hash]));
    await expect(verifyAuditChain(dataSource)).resolves.toMatchObject({ ok: true });

    // A removed link breaks the next one. The chainers' lock is held meanwhile, or a chainer would
    // link the victim's event again at the end of the chain. Restored afterwards, position and all.
    const [saved] = (await dataSource.query(`SELECT position, event_id, prev_hash, hash, chained_at FROM audit_chain WHERE event_id = $1`, [
      victim!.id,
    ])) as Record<string, unknown>[];
    const holder = new pg.Client({ connectionString: server.config.databaseUrl! });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [AUDIT_CHAIN_LOCK_KEY]);
      await tamper((client) => client.query(`DELETE FROM audit_chain WHERE event_id = $1`, [victim!.id]));
      await expect(verifyAuditChain(dataSource)).resolves.toMatchObject({ ok: false, firstBreak: { id: next!.id, seq: next!.seq, reason: 'prev_hash_mismatch' } });
      await tamper((client) =>
        client.query(`INSERT INTO audit_chain (position, event_id, prev_hash, hash, chained_at) VALUES ($1, $2, $3, $4, $5)`, [
          saved!.position,
          saved!.event_id,
          saved!.prev_hash,
          saved!.hash,
          saved!.chained_at,
        ]),
      );
    } finally {
      await holder.end();
    }
    await expect(verifyAuditChain(dataSource)).resolves.toMatchObject({ ok: true });
  });

  it('names an event left without a link past the grace period as a break', async () => {
    const id = randomUUID();
    // Holding the chainers' lock keeps the event unlinked; it is back-dated past the grace period.
    const holder = new pg.Client({ connectionString: server.config.databaseUrl! });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [AUDIT_CHAIN_LOCK_KEY]);
      await dataSource.query(
        `INSERT INTO audit_events (id, occurred_at, actor_type, action, resource_type, outcome) VALUES ($1, now() - interval '1 hour', 'system', 'test.unchained', 'test', 'success')`,
        [id],
      );
      const [{ seq }] = (await dataSource.query(`SELECT seq::text AS seq FROM audit_events WHERE id = $1`, [id])) as { seq: string }[];
      const result = await verifyAuditChain(dataSource);
      expect(result).toMatchObject({ ok: false, firstBreak: { id, seq, position: null, reason: 'unchained' } });
      expect(result.unchained).toBeGreaterThanOrEqual(1);
      // Measured from a clock two hours back, it is still within its grace period: pending, not a break.
      await expect(verifyAuditChain(dataSource, { now: new Date(Date.now() - 2 * 3600_000) })).resolves.toMatchObject({ ok: true, unchained: 0 });
      await expect(verifyAuditChain(dataSource, { graceMs: 2 * 3600_000 })).resolves.toMatchObject({ ok: true });
    } finally {
      await holder.end();
    }
    // Once chainers run again it is linked, late, and the chain is whole.
    await expect(audit.verify()).resolves.toMatchObject({ ok: true, unchained: 0 });
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
