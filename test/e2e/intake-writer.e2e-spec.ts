import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { IntakeWriterService, type IntakeMessage, type IntakeRow } from '../../apps/server/src/webhook/intake-writer.service.js';
import { envelope, messagingEvent, metaJson, newMid, newPsid, signedRequest } from '../support/messenger.factory.js';
import { handoffAction, offerHandoff } from '../support/handoff.factory.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The webhook's batch writer: events gathered while earlier writes are in flight share a statement. */
describe('Webhook intake writer (batches)', () => {
  let server: TestApp;
  let db: DataSource;
  let writer: IntakeWriterService;
  let pageId: string;

  beforeAll(async () => {
    // one statement in flight at a time: everything that arrives meanwhile forms the next batch
    server = await startTestApp({ WEBHOOK_WRITE_CONCURRENCY: '1', WEBHOOK_WRITE_BATCH_MAX: '50' });
    db = server.app.get<DataSource>(getDataSourceToken());
    writer = server.app.get(IntakeWriterService);
    pageId = server.config.messenger.pageId;
  });

  afterAll(async () => {
    await server.close();
  });

  const message = (psid: string, text: string, overrides: Partial<IntakeMessage> = {}): IntakeMessage => ({
    psid,
    customerAt: new Date(),
    direction: 'inbound',
    author: 'customer',
    kind: 'text',
    mid: newMid(),
    redactedText: text,
    sensitive: false,
    detection: null,
    attachmentTypes: [],
    triggerId: null,
    triggerVersion: null,
    sentAt: new Date(),
    reaction: null,
    ...overrides,
  });
  const row = (m: IntakeMessage, page = pageId): IntakeRow => ({ pageId: page, dedupeKey: `mid:${m.mid}`, eventKind: 'message', message: m });
  const transcript = async (psid: string) =>
    (await db.query(
      `SELECT m.seq, m.redacted_text AS text FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.page_id = $1 AND c.psid = $2 ORDER BY m.seq`,
      [pageId, psid],
    )) as { seq: number; text: string }[];
  const batchCount = async (): Promise<number> => {
    const metrics = await (await server.request('/metrics')).text();
    return Number(/^webhook_write_batch_size_count (\d+)/m.exec(metrics)?.[1] ?? 0);
  };

  it('writes many concurrent events in fewer statements, each conversation in arrival order with gapless seqs', async () => {
    const customers = Array.from({ length: 6 }, () => newPsid());
    const before = await batchCount();
    const promises: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      const psid = customers[i % customers.length]!;
      promises.push(...writer.write([row(message(psid, `message ${i}`))]));
    }
    const outcomes = await Promise.all(promises);
    expect(outcomes.every((o) => o === 'stored')).toBe(true);
    expect((await batchCount()) - before).toBeLessThan(30);
    for (const [c, psid] of customers.entries()) {
      const rows = await transcript(psid);
      expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(rows.map((r) => r.text)).toEqual([0, 1, 2, 3, 4].map((k) => `message ${k * customers.length + c}`));
    }
  });

  it('stores a message once when copies of it are in the same batch and in concurrent ones', async () => {
    const psid = newPsid();
    const m = message(psid, 'only once');
    const copies = await Promise.all([...writer.write([row(m), row(m), row(m)]), ...writer.write([row(m)]), ...writer.write([row(m)])]);
    expect(copies.filter((o) => o === 'stored')).toHaveLength(1);
    expect(copies.filter((o) => o === 'duplicate')).toHaveLength(4);
    expect(await transcript(psid)).toEqual([{ seq: 1, text: 'only once' }]);
  });

  it('commits the rest of a batch when one event in it cannot be stored', async () => {
    const good = newPsid();
    const blocker = writer.write([row(message(newPsid(), 'keeps the writer busy'))]);
    // an unknown page breaks the conversations foreign key: that event fails, alone
    const batch = writer.write([row(message(good, 'first')), row(message(newPsid(), 'orphan'), '999999999999999'), row(message(good, 'second'))]);
    await Promise.all(blocker);
    const settled = await Promise.allSettled(batch);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await transcript(good)).map((r) => r.text)).toEqual(['first', 'second']);
  });

  it('stores text with NUL characters and unpaired surrogates as U+FFFD rather than failing', async () => {
    const psid = newPsid();
    const [outcome] = await Promise.all(writer.write([row(message(psid, 'a\u0000b\ud800c'))]));
    expect(outcome).toBe('stored');
    expect(await transcript(psid)).toEqual([{ seq: 1, text: 'a\ufffdb\ufffdc' }]);
  });

  it('adds the reaction jobs of a batch with their messages', async () => {
    const psids = [newPsid(), newPsid()];
    const reaction = { decision: { type: 'new_link' }, queue: 'test-queue' };
    const rows = psids.map((psid) => row(message(psid, 'new link', { reaction })));
    await Promise.all(writer.write(rows));
    const jobs = (await db.query(
      `SELECT j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
       WHERE t.identifier LIKE '%conversation.react-list' AND j.payload->0->>'psid' = ANY($1)`,
      [psids],
    )) as { payload: { psid: string; messageId: string; reaction: unknown }[] }[];
    // the worker may already have run them: then the messages are marked as reacted
    const reacted = (await db.query(
      `SELECT count(*)::int AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.psid = ANY($1) AND m.reacted_at IS NOT NULL`,
      [psids],
    )) as { n: number }[];
    expect(jobs.length + reacted[0]!.n).toBe(2);
    for (const job of jobs) expect(job.payload.map((r) => r.reaction)).toEqual([{ type: 'new_link' }]);
  });

  it("keeps a customer's reactions in the order of their messages, an offer's under one job per conversation", async () => {
    const psid = newPsid();
    const queue = `order-test-${psid}`;
    // a locked queue: the worker leaves its jobs alone while the test reads them
    await db.query(`INSERT INTO graphile_worker._private_job_queues (queue_name, locked_at, locked_by) VALUES ($1, now(), 'test')`, [queue]);
    // even messages warn, odd ones ask for a new link (an offer's reaction)
    const reactionFor = (n: number) =>
      n % 2 === 0 ? { decision: { type: 'trigger', decision: { triggerId: null, version: 1, action: { type: 'warn', messageText: 'careful' } }, n }, queue } : { decision: { type: 'new_link', n }, queue };
    const readJobs = async () =>
      (await db.query(
        `SELECT j.payload, j.run_at::text AS run_at, j.key FROM graphile_worker._private_jobs j JOIN graphile_worker._private_job_queues q ON q.id = j.job_queue_id
         WHERE q.queue_name = $1 ORDER BY j.priority, j.run_at`,
        [queue],
      )) as { payload: { reaction: { n: number } }[]; run_at: string; key: string | null }[];
    await Promise.all(writer.write(Array.from({ length: 6 }, (_, i) => row(message(psid, `reacts ${i}`, { reaction: reactionFor(i) })))));
    let jobs = await readJobs();
    // the job queue takes jobs by priority and run_at only: the order must not rest on ties
    expect(new Set(jobs.map((j) => j.run_at)).size).toBe(4);
    expect(jobs.map((j) => j.payload.map((r) => r.reaction.n))).toEqual([[0], [1, 3, 5], [2], [4]]);
    expect(jobs.map((j) => j.key !== null)).toEqual([false, true, false, false]);
    // a later statement appends to the waiting job, which keeps its place in the queue
    await Promise.all(writer.write([row(message(psid, 'reacts 7', { reaction: reactionFor(7) }))]));
    jobs = await readJobs();
    expect(jobs.map((j) => j.payload.map((r) => r.reaction.n))).toEqual([[0], [1, 3, 5, 7], [2], [4]]);
    await db.query(`DELETE FROM graphile_worker._private_jobs WHERE job_queue_id = (SELECT id FROM graphile_worker._private_job_queues WHERE queue_name = $1)`, [queue]);
  });

  it("re-adds an offer's reaction that graphile-worker skipped because a worker took the waiting job at that moment", async () => {
    const psid = newPsid();
    const queue = `race-test-${psid}`;
    await db.query(`INSERT INTO graphile_worker._private_job_queues (queue_name, locked_at, locked_by) VALUES ($1, now(), 'test')`, [queue]);
    const reaction = (n: number) => ({ decision: { type: 'new_link', n }, queue });
    await Promise.all(writer.write([row(message(psid, 'link 1', { reaction: reaction(1) }))]));
    const readdedCount = async (): Promise<number> => Number(/^webhook_reactions_readded_total (\d+)/m.exec(await (await server.request('/metrics')).text())?.[1] ?? 0);
    const readdedBefore = await readdedCount();
    // add_jobs clears the key of a locked job, then inserts (appending to a waiting job with the key,
    // unless it is locked by then). A worker taking the job between the two is played by a trigger
    // that acts once, after add_jobs' UPDATE, and only in the transaction writing this test's second
    // message (other test files share the database and write messages of their own meanwhile).
    const name = `race_test_${psid}`;
    try {
      await db.query(`CREATE TABLE ${name}_once (x int)`);
      await db.query(`INSERT INTO ${name}_once VALUES (1)`);
      await db.query(`
        CREATE FUNCTION ${name}_take_job() RETURNS trigger LANGUAGE plpgsql AS $fn$
        DECLARE taken int;
        BEGIN
          -- the message is not committed yet: only the intake transaction writing it sees it
          IF pg_trigger_depth() > 1 OR NOT EXISTS (
            SELECT 1 FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.psid = '${psid}' AND m.redacted_text = 'link 2'
          ) THEN RETURN NULL; END IF;
          WITH once AS (DELETE FROM ${name}_once RETURNING 1) SELECT count(*) INTO taken FROM once;
          IF taken > 0 THEN
            UPDATE graphile_worker._private_jobs SET locked_at = now(), locked_by = 'race-test'
            WHERE job_queue_id = (SELECT id FROM graphile_worker._private_job_queues WHERE queue_name = '${queue}');
          END IF;
          RETURN NULL;
        END $fn$`);
      await db.query(`CREATE TRIGGER ${name}_take_job AFTER UPDATE ON graphile_worker._private_jobs FOR EACH STATEMENT EXECUTE FUNCTION ${name}_take_job()`);
      await Promise.all(writer.write([row(message(psid, 'link 2', { reaction: reaction(2) }))]));
    } finally {
      await db.query(`DROP TRIGGER IF EXISTS ${name}_take_job ON graphile_worker._private_jobs`);
      await db.query(`DROP FUNCTION IF EXISTS ${name}_take_job()`);
      await db.query(`DROP TABLE IF EXISTS ${name}_once`);
    }
    const jobs = (await db.query(
      `SELECT j.payload, j.locked_by, j.key FROM graphile_worker._private_jobs j JOIN graphile_worker._private_job_queues q ON q.id = j.job_queue_id
       WHERE q.queue_name = $1 ORDER BY j.id`,
      [queue],
    )) as { payload: { reaction: { n: number } }[]; locked_by: string | null; key: string | null }[];
    // the taken job keeps its reaction (its key given up); the skipped one has a job of its own
    expect(jobs.map((j) => [j.payload.map((r) => r.reaction.n), j.locked_by, j.key !== null])).toEqual([
      [[1], 'race-test', false],
      [[2], null, true],
    ]);
    expect(await readdedCount()).toBe(readdedBefore + 1);
    await db.query(`DELETE FROM graphile_worker._private_jobs WHERE job_queue_id = (SELECT id FROM graphile_worker._private_job_queues WHERE queue_name = $1)`, [queue]);
  });

  it('adds no job for an offer the handoff lifecycle would suppress, and one for everything else', async () => {
    const handoffReaction = (queue: string) => ({ decision: { type: 'trigger', decision: { triggerId: null, version: 1, action: handoffAction() } }, queue });
    const warnReaction = (queue: string) => ({ decision: { type: 'trigger', decision: { triggerId: null, version: 1, action: { type: 'warn', messageText: 'careful' } } }, queue });
    /** Jobs added for one message of the conversation, with the worker kept off its queue. */
    const jobsFor = async (offered: { psid: string }, reaction: (queue: string) => { decision: object; queue: string }): Promise<number> => {
      const queue = `suppress-test-${offered.psid}-${Math.random()}`;
      await db.query(`INSERT INTO graphile_worker._private_job_queues (queue_name, locked_at, locked_by) VALUES ($1, now(), 'test')`, [queue]);
      await Promise.all(writer.write([row(message(offered.psid, 'my card number is [CARD ****1111]', { reaction: reaction(queue) }))]));
      const [{ n }] = (await db.query(
        `SELECT count(*)::int AS n FROM graphile_worker._private_jobs j JOIN graphile_worker._private_job_queues q ON q.id = j.job_queue_id WHERE q.queue_name = $1`,
        [queue],
      )) as [{ n: number }];
      await db.query(`DELETE FROM graphile_worker._private_jobs WHERE job_queue_id = (SELECT id FROM graphile_worker._private_job_queues WHERE queue_name = $1)`, [queue]);
      return n;
    };

    // a live offer sent moments ago: a repeat would only be suppressed
    const fresh = await offerHandoff(server);
    expect(await jobsFor(fresh, handoffReaction)).toBe(0);
    expect(await jobsFor(fresh, (queue) => ({ decision: { type: 'new_link' }, queue }))).toBe(0);
    // other actions are never suppressed
    expect(await jobsFor(fresh, warnReaction)).toBe(1);
    // sent longer ago than the resend interval: the job re-sends it
    await db.query(`UPDATE handoffs SET last_sent_at = now() - interval '61 seconds' WHERE id = $1`, [fresh.handoffId]);
    expect(await jobsFor(fresh, handoffReaction)).toBe(1);
    // past its expiry: the job replaces it
    const expired = await offerHandoff(server);
    await db.query(`UPDATE handoffs SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired.handoffId]);
    expect(await jobsFor(expired, handoffReaction)).toBe(1);
    // a secure session under way, no live offer: suppressed
    const inSession = await offerHandoff(server);
    await db.query(`UPDATE handoffs SET state = 'active' WHERE id = $1`, [inSession.handoffId]);
    expect(await jobsFor(inSession, handoffReaction)).toBe(0);
    // a conversation without any handoff: offered
    expect(await jobsFor({ psid: newPsid() }, handoffReaction)).toBe(1);
  });

  it('stores a message once when copies reach two instances at the same moment', async () => {
    const second = await startTestApp({}, server.config);
    try {
      const other = second.app.get(IntakeWriterService);
      for (let attempt = 0; attempt < 5; attempt++) {
        const psid = newPsid();
        const m = message(psid, `copy ${attempt}`);
        const outcomes = await Promise.all([...writer.write([row(m)]), ...other.write([row(m)]), ...writer.write([row(m)]), ...other.write([row(m)])]);
        expect(outcomes.filter((o) => o === 'stored')).toHaveLength(1);
        expect(await transcript(psid)).toEqual([{ seq: 1, text: `copy ${attempt}` }]);
      }
    } finally {
      await second.close();
    }
  });

  it('refuses new events at once when too many already wait, instead of queueing without bound', async () => {
    // WEBHOOK_WRITE_BATCH_MAX 50 x 1 statement in flight x 10 = 500 events may wait
    const first = writer.write(Array.from({ length: 400 }, () => row(message(newPsid(), 'queued'))));
    expect(() => writer.write(Array.from({ length: 200 }, () => row(message(newPsid(), 'too many'))))).toThrow('Busy');
    expect(await Promise.all(first)).toEqual(Array.from({ length: 400 }, () => 'stored'));
    await expect(Promise.all(writer.write([row(message(newPsid(), 'room again'))]))).resolves.toEqual(['stored']);
  });

  it('keeps a webhook with several events of one customer in Meta order through the HTTP path', async () => {
    const psid = newPsid();
    const events = Array.from({ length: 8 }, (_, i) => messagingEvent({ pageId, psid, text: `part ${i}`, mid: newMid() }));
    const body = metaJson(envelope(pageId, events));
    const response = await server.request('/webhooks/messenger', signedRequest(body, server.config.messenger.appSecrets[0]!));
    expect(response.status).toBe(200);
    expect((await transcript(psid)).map((r) => r.text)).toEqual(events.map((_, i) => `part ${i}`));
  });
});

/** The default writer: one statement in flight, another beside it only when the first stalls. */
describe('Webhook intake writer (a stalled statement)', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp(); // the default: up to four statements in flight
  });

  afterAll(async () => {
    await server.close();
  });

  it('keeps one statement in flight while the database keeps up: events arriving meanwhile share the next', async () => {
    const writer = server.app.get(IntakeWriterService);
    const pageId = server.config.messenger.pageId;
    const batches = async (): Promise<number> => Number(/^webhook_write_batch_size_count (\d+)/m.exec(await (await server.request('/metrics')).text())?.[1] ?? 0);
    const before = await batches();
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, () => {
        const mid = newMid();
        const message: IntakeMessage = {
          psid: newPsid(), customerAt: new Date(), direction: 'inbound', author: 'customer', kind: 'text', mid, redactedText: 'hello', sensitive: false,
          detection: null, attachmentTypes: [], triggerId: null, triggerVersion: null, sentAt: new Date(), reaction: null,
        };
        return writer.write([{ pageId, dedupeKey: `mid:${mid}`, eventKind: 'message', message }])[0]!;
      }),
    );
    expect(outcomes.every((o) => o === 'stored')).toBe(true);
    // the first event alone, the other 39 together (a third statement only if the first took 20 ms);
    // with every slot always used, the first four events would each have had a statement of their own
    expect((await batches()) - before).toBeLessThanOrEqual(3);
  });

  it('writes other customers events while a statement waits on a lock, and the waiting one after it', async () => {
    const db = server.app.get<DataSource>(getDataSourceToken());
    const writer = server.app.get(IntakeWriterService);
    const pageId = server.config.messenger.pageId;
    const message = (psid: string, text: string): IntakeRow => {
      const mid = newMid();
      return {
        pageId,
        dedupeKey: `mid:${mid}`,
        eventKind: 'message',
        message: {
          psid, customerAt: new Date(), direction: 'inbound', author: 'customer', kind: 'text', mid, redactedText: text, sensitive: false,
          detection: null, attachmentTypes: [], triggerId: null, triggerVersion: null, sentAt: new Date(), reaction: null,
        },
      };
    };
    const locked = newPsid();
    await Promise.all(writer.write([message(locked, 'first')]));
    // another transaction holds the conversation's row: the next statement touching it waits
    const holder = db.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await holder.query(`SELECT 1 FROM conversations WHERE page_id = $1 AND psid = $2 FOR UPDATE`, [pageId, locked]);
      let waitingDone = false;
      const waiting = Promise.all(writer.write([message(locked, 'second')])).then((outcomes) => {
        waitingDone = true;
        return outcomes;
      });
      const others = await Promise.all(writer.write(Array.from({ length: 3 }, () => message(newPsid(), 'meanwhile'))));
      expect(others).toEqual(['stored', 'stored', 'stored']);
      expect(waitingDone).toBe(false);
      await holder.commitTransaction();
      expect(await waiting).toEqual(['stored']);
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
  });
});
