import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import pg from 'pg';
import { FakeGraphApi, signPayload } from '@handoff/messenger';
import { findFreePort } from '../../apps/server/src/database/embedded-postgres.server.js';
import { createBenchDatabase } from './bench-database.js';

/**
 * `npm run bench:webhook`: signed single-event webhooks with autocannon against the full service
 * on PostgreSQL, and in the same run against the floor (bare-webhook.server.ts: HMAC + one INSERT).
 */
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 15);
/** Baseline and full pipeline alternate this many times: drift on a shared machine hits both. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const PAGE_ID = '100000000000777';
const APP_SECRET = randomBytes(24).toString('base64url');

/** Questions a generic answer serves (none fires a trigger with the default model and triggers). */
const BENIGN = [
  'hi, what are your opening hours?',
  'which currencies can I hold in the app',
  'thanks a lot!',
  'what is the exchange rate for euros',
  'do you have a branch in leeds',
  'is the app down right now?',
  'can I get a virtual card',
  'what are the fees for topping up by card',
  'are there age limits for opening an account',
];
const SENSITIVE = [
  'I lost my card yesterday, please block it',
  'my card number is 4111 1111 1111 1111 and it was declined',
  'there is a payment I do not recognise on my statement',
  'my IBAN is GB82 WEST 1234 5698 7654 32, is the transfer through?',
  'my ssn is 078-05-1120, why was I locked out',
];
/** Share of messages that are sensitive (they fire a trigger: a handoff offer in the transaction). */
const SENSITIVE_SHARE = Number(process.env.BENCH_SENSITIVE_SHARE ?? 0.2);
const CUSTOMERS = 5000;

function textFor(n: number): string {
  // Deterministic: every 1/share-th message is sensitive.
  const sensitiveEvery = SENSITIVE_SHARE > 0 ? Math.round(1 / SENSITIVE_SHARE) : 0;
  if (sensitiveEvery > 0 && n % sensitiveEvery === 0) return SENSITIVE[Math.floor(n / sensitiveEvery) % SENSITIVE.length]!;
  return BENIGN[n % BENIGN.length]!;
}

function signedBody(n: number): { body: string; signature: string } {
  const psid = String(7_100_000_000_000_000 + ((n * 7919) % CUSTOMERS));
  const body = JSON.stringify({
    object: 'page',
    entry: [
      {
        id: PAGE_ID,
        time: Date.now(),
        messaging: [{ sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp: Date.now(), message: { mid: `m_bench_${n}_${randomBytes(6).toString('hex')}`, text: textFor(n) } }],
      },
    ],
  });
  return { body, signature: signPayload(body, APP_SECRET) };
}

async function waitForReady(child: ChildProcess, url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready in 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The child's peak resident memory (VmHWM), in MB. */
function peakMemoryMb(pid: number | undefined): number {
  if (!pid) return NaN;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round(kb / 1024);
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** A process's /proc stat fields after the command name (field 3 onwards); null once it is gone. */
function statFields(pid: number | string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** CPU time (ms) a process has used (utime + stime); 0 when unreadable. */
function cpuMillis(pid: number): number {
  const fields = statFields(pid);
  return fields ? ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND : 0;
}

/**
 * CPU time (ms) used by PostgreSQL on this machine: every live postgres process, plus what its
 * ended backends used (counted in the postmaster's cutime/cstime), so connections that close
 * during the run still count.
 */
function postgresCpuMillis(): number {
  const postgres = new Map<string, string[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue; // the process ended
    }
    const fields = statFields(entry);
    if (fields) postgres.set(entry, fields);
  }
  let ticks = 0;
  for (const fields of postgres.values()) {
    ticks += Number(fields[11]) + Number(fields[12]);
    // the postmaster (its parent is not postgres): add its ended children
    if (!postgres.has(fields[1] as string)) ticks += Number(fields[13]) + Number(fields[14]);
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

const loadMillis = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;

interface Figures {
  name: string;
  eventsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  peakMb: number;
  /** CPU microseconds per event: the server, PostgreSQL, the load generator (this process) */
  serverCpuUs: number;
  postgresCpuUs: number;
  loadCpuUs: number;
}

async function load(name: string, port: number, child: ChildProcess): Promise<Figures> {
  let n = 0;
  const run = (duration: number) =>
    autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: CONNECTIONS,
      duration,
      requests: [
        {
          method: 'POST',
          path: '/webhooks/messenger',
          setupRequest: (request) => {
            const { body, signature } = signedBody(n++);
            return { ...request, body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } };
          },
        },
      ],
    });
  await run(3); // warm-up: JIT, pools, first conversations
  const before = { server: cpuMillis(child.pid ?? 0), postgres: postgresCpuMillis(), load: process.cpuUsage() };
  const result = await run(DURATION_S);
  const events = Math.max(1, result.requests.total);
  const perEvent = (ms: number): number => Math.round((ms * 1000) / events);
  return {
    name,
    eventsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    peakMb: peakMemoryMb(child.pid),
    serverCpuUs: perEvent(cpuMillis(child.pid ?? 0) - before.server),
    postgresCpuUs: perEvent(postgresCpuMillis() - before.postgres),
    loadCpuUs: perEvent(loadMillis(process.cpuUsage(before.load))),
  };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Waits until the job queue is empty (the reactions and Send API calls the load caused); seconds taken. */
async function drainJobs(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const started = Date.now();
  try {
    for (;;) {
      const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM graphile_worker._private_jobs WHERE attempts < max_attempts`);
      if ((rows[0]?.n ?? 0) === 0 || Date.now() - started > 300_000) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await client.end();
  }
  return (Date.now() - started) / 1000;
}

async function main(): Promise<void> {
  const database = await createBenchDatabase();
  const fake = await FakeGraphApi.start({ appSecret: APP_SECRET });
  const baselines: Figures[] = [];
  const fulls: Figures[] = [];
  const drains: number[] = [];
  const children: ChildProcess[] = [];
  try {
    const barePort = await findFreePort();
    const bare = spawn(process.execPath, ['dist/test/bench/bare-webhook.server.js'], {
      env: { ...process.env, PORT: String(barePort), DATABASE_URL: database.url, APP_SECRET },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(bare);
    await waitForReady(bare, `http://127.0.0.1:${barePort}/`);

    const port = await findFreePort();
    // BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the server under load.
    const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const server = spawn(process.execPath, [...nodeArgs, 'dist/apps/server/src/main.js'], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: database.url,
        LOG_LEVEL: 'warn',
        MESSENGER_APP_SECRET: APP_SECRET,
        MESSENGER_VERIFY_TOKEN: 'bench-verify',
        MESSENGER_PAGE_ID: PAGE_ID,
        MESSENGER_PAGE_ACCESS_TOKEN: 'BENCH' + randomBytes(16).toString('hex'),
        MESSENGER_GRAPH_URL: fake.url,
        LINK_SIGNING_KEYS: `b1:${randomBytes(32).toString('base64url')}`,
        DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
        CUSTOMER_VERIFICATION: 'none',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(server);
    await waitForReady(server, `http://127.0.0.1:${port}/health`);

    for (let round = 1; round <= ROUNDS; round++) {
      baselines.push(await load(`baseline, round ${round}: bare Fastify route, HMAC + one INSERT (pg)`, barePort, bare));
      fulls.push(await load(`full pipeline, round ${round}: signature, parse, detect, redact, triggers, one statement`, port, server));
      // the reactions and Send API calls the load left queued finish before the next baseline starts
      drains.push(await drainJobs(database.url));
    }
  } finally {
    for (const child of children) await stop(child);
    await fake.close();
    await database.drop();
  }

  process.stdout.write(
    `\nbench:webhook  ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION_S} s each (after a 3 s warm-up), baseline and full pipeline alternating; single-event signed webhooks from ${CUSTOMERS} customers, ${Math.round(SENSITIVE_SHARE * 100)}% sensitive (card numbers, IBANs, SSNs, lost cards, disputes: each fires a handoff trigger)\n\n`,
  );
  process.stdout.write('| run | events/s | p50 ms | p99 ms | non-2xx | errors | peak RSS MB | CPU us/event: server | PostgreSQL | load generator |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n');
  for (const r of [...baselines, ...fulls]) {
    process.stdout.write(`| ${r.name} | ${r.eventsPerSecond} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.errors} | ${r.peakMb} | ${r.serverCpuUs} | ${r.postgresCpuUs} | ${r.loadCpuUs} |\n`);
  }
  const sum = (rs: Figures[]): number => rs.reduce((a, r) => a + r.eventsPerSecond, 0);
  const worstP99 = Math.max(...fulls.map((r) => r.p99));
  process.stdout.write(`\njob queue drained after each full-pipeline round in: ${drains.map((d) => `${d.toFixed(1)} s`).join(', ')}\n`);
  process.stdout.write(
    `full pipeline / baseline: ${(sum(fulls) / sum(baselines)).toFixed(2)}x events/s over ${ROUNDS} rounds (target >= 0.70x), worst p99 ${worstP99} ms (target < 100 ms)\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
