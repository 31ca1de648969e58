/**
 * `npm run bench:links`: secure-link throughput.
 *  - mint/s and verify/s of the link-token library (CPU only);
 *  - redemptions/s against the real PostgreSQL: verify + the conditional UPDATE + the session row, in
 *    one transaction, as POST /s/:token does (the audit append is left out: it is the audit module's
 *    cost, one advisory-locked INSERT);
 *  - beside it, the same number of bare `SELECT 1` round trips at the same concurrency.
 * DATABASE_URL, or a throwaway embedded PostgreSQL when unset. Not a test.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { generateKeyringSpec, hashNonce, LinkTokenService, parseKeyring } from '@handoff/link-tokens';
import { DataSource } from 'typeorm';
import { createDataSourceOptions } from '../../apps/server/src/database/data-source.js';
import { createBenchDatabase } from './bench-database.js';
import { runPendingMigrations } from '../../apps/server/src/database/migration.runner.js';
import { REDEEM_SQL } from '../../apps/server/src/handoff/handoff.sql.js';

const TOKENS = Number(process.env.BENCH_TOKENS ?? 20_000);
const REDEMPTIONS = Number(process.env.BENCH_REDEMPTIONS ?? 2_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

async function main(): Promise<void> {
  // A database of its own, on DATABASE_URL's server or the embedded one, dropped at the end.
  const database = await createBenchDatabase();
  const url = database.url;
  const dataSource = await new DataSource(createDataSourceOptions(url, { poolSize: CONCURRENCY + 2, applicationName: 'bench-links' })).initialize();
  try {
    await runPendingMigrations(dataSource);
    // Two keys, as during a rotation: tokens are signed with the first.
    const links = new LinkTokenService(parseKeyring(`${generateKeyringSpec('bench')},${generateKeyringSpec('previous')}`));
    const lines: string[] = [];
    const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString('en-US')}/s`;

    // Warm-up (key import, JIT).
    for (let i = 0; i < 500; i++) await links.verify((await links.mint({ handoffId: randomUUID() })).token);

    const ids = Array.from({ length: TOKENS }, () => randomUUID());
    let start = performance.now();
    const tokens: string[] = [];
    for (const handoffId of ids) tokens.push((await links.mint({ handoffId })).token);
    const mintMs = performance.now() - start;
    start = performance.now();
    for (const token of tokens) await links.verify(token);
    const verifyMs = performance.now() - start;
    lines.push(`mint             ${TOKENS} tokens   ${mintMs.toFixed(0)} ms   ${rate(TOKENS, mintMs)}`);
    lines.push(`verify           ${TOKENS} tokens   ${verifyMs.toFixed(0)} ms   ${rate(TOKENS, verifyMs)}`);

    const fixture = await createHandoffs(dataSource, links, REDEMPTIONS);
    try {
      start = performance.now();
      await pool(fixture.tokens, CONCURRENCY, async (token) => {
        const verified = await links.verify(token);
        const now = new Date();
        await dataSource.transaction(async (manager) => {
          const result = (await manager.query(REDEEM_SQL, [verified.handoffId, hashNonce(verified.nonce), now, 'none'])) as [unknown[], number];
          if (result[0].length !== 1) throw new Error('redemption lost');
          const sessionToken = randomBytes(32).toString('base64url');
          await manager.query(
            `INSERT INTO customer_sessions (handoff_id, token_hash, origin, created_at, last_seen_at, expires_at) VALUES ($1, $2, 'bench', $3, $3, $4)`,
            [verified.handoffId, createHash('sha256').update(sessionToken).digest(), now, new Date(now.getTime() + 3600_000)],
          );
        });
      });
      const redeemMs = performance.now() - start;

      start = performance.now();
      await pool(fixture.tokens, CONCURRENCY, async () => {
        await dataSource.query('SELECT 1');
      });
      const selectMs = performance.now() - start;

      // A second redemption of each must lose (single use), at the cost of one UPDATE that matches nothing.
      start = performance.now();
      let won = 0;
      await pool(fixture.tokens.slice(0, Math.min(500, fixture.tokens.length)), CONCURRENCY, async (token) => {
        const verified = await links.verify(token);
        const result = (await dataSource.query(REDEEM_SQL, [verified.handoffId, hashNonce(verified.nonce), new Date(), 'none'])) as [unknown[], number];
        won += result[0].length;
      });
      if (won !== 0) throw new Error(`${won} links redeemed twice`);

      lines.push(`redeem           ${REDEMPTIONS} links    ${redeemMs.toFixed(0)} ms   ${rate(REDEMPTIONS, redeemMs)}   (verify + UPDATE + session INSERT, one transaction each, concurrency ${CONCURRENCY})`);
      lines.push(`SELECT 1         ${REDEMPTIONS} queries  ${selectMs.toFixed(0)} ms   ${rate(REDEMPTIONS, selectMs)}   (baseline: bare round trips, same pool and concurrency)`);
      lines.push(`redeem / SELECT 1 time ratio: ${(redeemMs / selectMs).toFixed(1)}x  (a redemption is 4 round trips: BEGIN, UPDATE, INSERT, COMMIT)`);
    } finally {
      await dataSource.query(`DELETE FROM conversations WHERE page_id = $1`, [fixture.pageId]);
      await dataSource.query(`DELETE FROM pages WHERE page_id = $1`, [fixture.pageId]);
    }
    process.stdout.write(`secure links (node ${process.version}, ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL'})\n${lines.join('\n')}\n`);
  } finally {
    await dataSource.destroy();
    await database.drop();
  }
}

async function createHandoffs(dataSource: DataSource, links: LinkTokenService, count: number): Promise<{ pageId: string; tokens: string[] }> {
  const pageId = String(900_000_000_000_000 + Math.floor(Math.random() * 1e12));
  await dataSource.query(`INSERT INTO pages (page_id, name, access_token_sealed) VALUES ($1, 'Bench Bank', 'v1.none')`, [pageId]);
  const tokens: string[] = [];
  const now = new Date();
  for (let offset = 0; offset < count; offset += 500) {
    const batch = Math.min(500, count - offset);
    const conversations = (await dataSource.query(
      `INSERT INTO conversations (page_id, psid) SELECT $1, (7000000000000000 + g)::text FROM generate_series($2::int + 1, $2::int + $3::int) g RETURNING id, psid`,
      [pageId, offset, batch],
    )) as { id: string; psid: string }[];
    for (const conversation of conversations) {
      const id = randomUUID();
      const minted = await links.mint({ handoffId: id, ttlSeconds: 3600 });
      await dataSource.query(
        `INSERT INTO handoffs (id, conversation_id, page_id, psid, queue, message_text, state, link_ttl_seconds, expires_at, last_sent_at, offered_at)
         VALUES ($1, $2, $3, $4, 'bench', 'bench', 'offered', 3600, $5, $6, $6)`,
        [id, conversation.id, pageId, conversation.psid, minted.expiresAt, now],
      );
      await dataSource.query(`INSERT INTO handoff_links (nonce_hash, handoff_id, kid, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5)`, [
        hashNonce(minted.nonce),
        id,
        minted.kid,
        minted.issuedAt,
        minted.expiresAt,
      ]);
      tokens.push(minted.token);
    }
  }
  return { pageId, tokens };
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:links failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
