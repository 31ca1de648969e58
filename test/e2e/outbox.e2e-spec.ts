import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { getDataSourceToken } from '@nestjs/typeorm';
import { buildButtonTemplate, buildTextMessage, FakeGraphApi, type FakeFailure } from '@handoff/messenger';
import type { DataSource } from 'typeorm';
import { OutboxService } from '../../apps/server/src/outbound/outbox.service.js';
import { OutboxWorker } from '../../apps/server/src/outbound/outbox.worker.js';
import { newPsid } from '../support/messenger.factory.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface OutboxRow {
  status: string;
  attempts: number;
  failure_reason: string | null;
  last_error_code: number | null;
  last_error_subcode: number | null;
  message_id: string | null;
}

describe('outbox to the Send API', () => {
  let fake: FakeGraphApi;
  let server: TestApp;
  let db: DataSource;
  let outbox: OutboxService;
  let pageId: string;

  beforeAll(async () => {
    fake = await FakeGraphApi.start();
    server = await startTestApp({
      MESSENGER_GRAPH_URL: fake.url,
      OUTBOX_RETRY_BASE_MS: '20',
      OUTBOX_MAX_ATTEMPTS: '4',
      OUTBOX_SEND_TIMEOUT_MS: '300',
    });
    db = server.app.get<DataSource>(getDataSourceToken());
    outbox = server.app.get(OutboxService);
    pageId = server.config.messenger.pageId;
  });

  afterEach(() => fake.reset());

  afterAll(async () => {
    await server.close();
    await fake.close();
  });

  /** Every call for this recipient, failed ones included (messagesTo lists accepted ones). */
  const callsTo = (psid: string) => fake.calls().filter((c) => (c.body as { recipient?: { id?: string } } | undefined)?.recipient?.id === psid);

  async function conversation(psid: string): Promise<string> {
    const rows: { id: string }[] = await db.query(`INSERT INTO conversations (page_id, psid) VALUES ($1, $2) RETURNING id`, [pageId, psid]);
    return rows[0]!.id;
  }

  async function enqueue(psid: string, texts: string[]): Promise<string[]> {
    const conversationId = await conversation(psid);
    return db.transaction((manager) =>
      outbox.enqueue(
        manager,
        texts.map((text) => ({ conversationId, pageId, psid, kind: 'message' as const, body: buildTextMessage(psid, text, { messagingType: 'RESPONSE' }) })),
      ),
    );
  }

  async function settled(id: string, timeoutMs = 10_000): Promise<OutboxRow> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [row] = (await db.query(
        `SELECT status, attempts, failure_reason, last_error_code, last_error_subcode, message_id FROM outbox_messages WHERE id = $1`,
        [id],
      )) as OutboxRow[];
      if (row && (row.status === 'sent' || row.status === 'failed')) return row;
      if (Date.now() > deadline) throw new Error(`outbox row still ${row?.status} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it('delivers a committed row with the page token and appsecret_proof, and records Meta’s message id', async () => {
    const psid = newPsid();
    const [id] = await enqueue(psid, ['Hello from the bank']);
    const row = await settled(id!);
    expect(row).toMatchObject({ status: 'sent', attempts: 1 });
    expect(row.message_id).toMatch(/^m_/);
    await until(() => fake.messagesTo(psid).length === 1);
    const [call] = fake.messagesTo(psid);
    expect(call!.query.access_token).toBe(server.config.messenger.pageAccessToken);
    expect(call!.query.appsecret_proof).toMatch(/^[0-9a-f]{64}$/);
    expect(call!.body).toMatchObject({ recipient: { id: psid }, messaging_type: 'RESPONSE', message: { text: 'Hello from the bank' } });
  });

  it('keeps secure-link tokens sealed at rest, before and after delivery', async () => {
    const psid = newPsid();
    const conversationId = await conversation(psid);
    const token = 'eyJhbGciOiJIUzI1NiJ9.token-under-test.sig';
    const [id] = await db.transaction((manager) =>
      outbox.enqueue(manager, [
        { conversationId, pageId, psid, kind: 'message', body: buildButtonTemplate(psid, { text: 'Continue securely', buttons: [{ title: 'Open secure chat', url: `https://bank.example/s/${token}` }] }) },
      ]),
    );
    const row = async () =>
      ((await db.query(`SELECT body::text AS body, sealed_body FROM outbox_messages WHERE id = $1`, [id])) as { body: string; sealed_body: string | null }[])[0]!;
    const queued = await row();
    expect(queued.body).not.toContain(token);
    expect(queued.body).toContain('https://bank.example/s/[sealed]');
    await expect(settled(id!)).resolves.toMatchObject({ status: 'sent' });
    await until(() => fake.messagesTo(psid).length === 1);
    expect(JSON.stringify(fake.messagesTo(psid)[0]!.body)).toContain(`https://bank.example/s/${token}`);
    const delivered = await row();
    expect(delivered.body).not.toContain(token);
    expect(delivered.sealed_body).toBeNull();
  });

  it("gives a reply's rows delivery jobs in their order, not tied at the transaction's time", async () => {
    const psid = newPsid();
    const conversationId = await conversation(psid);
    const rollback = new Error('rolled back on purpose');
    await expect(
      db.transaction(async (manager) => {
        const ids = await outbox.enqueue(
          manager,
          ['one', 'two', 'three'].map((text) => ({ conversationId, pageId, psid, kind: 'message' as const, body: buildTextMessage(psid, text) })),
        );
        // the job queue takes jobs by priority and run_at: the order must not rest on ties
        const jobs = (await manager.query(`SELECT payload->>'outboxId' AS id FROM graphile_worker._private_jobs WHERE payload->>'outboxId' = ANY($1) ORDER BY priority, run_at`, [
          ids,
        ])) as { id: string }[];
        const runAts = (await manager.query(`SELECT DISTINCT run_at FROM graphile_worker._private_jobs WHERE payload->>'outboxId' = ANY($1)`, [ids])) as unknown[];
        expect(runAts).toHaveLength(3);
        expect(jobs.map((j) => j.id)).toEqual(ids);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
  });

  it('sends nothing for a transaction that rolled back', async () => {
    const psid = newPsid();
    const conversationId = await conversation(psid);
    await expect(
      db.transaction(async (manager) => {
        await outbox.enqueue(manager, [{ conversationId, pageId, psid, kind: 'message', body: buildTextMessage(psid, 'never') }]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(fake.messagesTo(psid)).toHaveLength(0);
  });

  const transient: [string, FakeFailure][] = [
    ['code 1 (unknown)', { code: 1 }],
    ['code 2 (temporary)', { code: 2 }],
    ['code 4 (app rate limit)', { code: 4 }],
    ['code 17 (user rate limit)', { code: 17 }],
    ['code 32 (page throttling)', { code: 32 }],
    ['code 613 (rate limit)', { code: 613 }],
    ['HTTP 500', { httpStatus: 500 }],
    ['HTTP 503', { httpStatus: 503 }],
    ['a timeout', { timeout: true }],
  ];
  it.each(transient)('retries after %s and then delivers', async (_name, failure) => {
    const psid = newPsid();
    fake.failNext(1, failure);
    const [id] = await enqueue(psid, ['retry me']);
    const row = await settled(id!);
    expect(row.status).toBe('sent');
    // The fake records a call once its answer is written, which can be just after our commit.
    await until(() => callsTo(psid).length >= 2);
    expect(callsTo(psid).map((c) => c.response?.status ?? 'none')).toEqual(['timeout' in failure ? 'none' : expect.any(Number), 200]);
    expect(row.attempts).toBe(2);
  });

  const permanent: [string, FakeFailure, string][] = [
    ['outside the messaging window (10 / 2018278)', { code: 10, subcode: 2018278 }, '10/2018278'],
    ['person unavailable (551 / 1545041)', { code: 551, subcode: 1545041 }, '551/1545041'],
    ['bad parameter (100)', { code: 100 }, '100/'],
    ['token (190)', { code: 190 }, '190/'],
    ['permission (200)', { code: 200 }, '200/'],
  ];
  it.each(permanent)('stops on %s and records why, with one call', async (_name, failure, codes) => {
    const psid = newPsid();
    fake.failNext(1, failure);
    const [id] = await enqueue(psid, ['no retry']);
    const row = await settled(id!);
    expect(row.status).toBe('failed');
    expect(row.failure_reason).toBe('permanent:graph');
    expect(`${row.last_error_code}/${row.last_error_subcode ?? ''}`).toBe(codes);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(callsTo(psid)).toHaveLength(1);
  });

  it('gives up after the configured attempts when failures persist', async () => {
    const psid = newPsid();
    fake.failAlways({ code: 2 });
    const [id] = await enqueue(psid, ['always failing']);
    const row = await settled(id!);
    expect(row).toMatchObject({ status: 'failed', failure_reason: 'transient_attempts_exhausted', attempts: 4 });
  });

  it('keeps the order per recipient when an earlier message has to be retried', async () => {
    const psid = newPsid();
    fake.failNext(2, { httpStatus: 503 });
    const ids = await enqueue(psid, ['one', 'two', 'three']);
    for (const id of ids) await expect(settled(id)).resolves.toMatchObject({ status: 'sent' });
    await until(() => fake.messagesTo(psid).length === 3);
    const delivered = fake
      .messagesTo(psid)
      .filter((c) => c.response?.status === 200)
      .map((c) => (c.body as { message: { text: string } }).message.text);
    expect(delivered).toEqual(['one', 'two', 'three']);
  });

  it('refreshes the job table statistics itself once enough jobs have come and gone', async () => {
    const worker = server.app.get(OutboxWorker);
    const queue = `statistics-test-${newPsid()}`;
    await db.query(`INSERT INTO graphile_worker._private_job_queues (queue_name, locked_at, locked_by) VALUES ($1, now(), 'test')`, [queue]);
    await db.transaction(async (manager) => {
      await manager.query(
        `SELECT count(*) FROM graphile_worker.add_jobs(ARRAY(SELECT ROW('statistics-test', '{}'::json, $1::text, NULL, NULL, NULL, NULL, NULL)::graphile_worker.job_spec FROM generate_series(1, 2500)))`,
        [queue],
      );
      await manager.query(`DELETE FROM graphile_worker._private_jobs WHERE job_queue_id = (SELECT id FROM graphile_worker._private_job_queues WHERE queue_name = $1)`, [queue]);
      // counters reach the statistics views when this backend is next idle
      await manager.query(`SELECT pg_stat_force_next_flush()`);
    });
    const analyzed = async () =>
      ((await db.query(`SELECT analyze_count::int AS n FROM pg_stat_user_tables WHERE relid = 'graphile_worker._private_jobs'::regclass`)) as { n: number }[])[0]!.n;
    // another app on the same database (the other test worker's), or autovacuum, may refresh them
    // first: then this one finds nothing to do, or the lock taken, and tries again
    let outcome = 'unchanged';
    let before = 0;
    for (let attempt = 0; attempt < 20 && outcome !== 'analyzed'; attempt++) {
      before = await analyzed();
      outcome = await worker.refreshJobStatistics(0);
      if (outcome !== 'analyzed') await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(outcome).toBe('analyzed');
    expect(await analyzed()).toBeGreaterThan(before);
    // with the default threshold, right after a refresh: nothing to do
    await expect(worker.refreshJobStatistics()).resolves.not.toBe('analyzed');
  });
});
