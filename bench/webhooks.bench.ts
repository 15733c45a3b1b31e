/**
 * `npm run bench:webhooks`: alerts to a receiver's door through the real delivery path.
 *
 * A scratch database (created, migrated and dropped here) holds one advertiser with one plan and
 * one webhook endpoint subscribed to `*`, pointing at a receiver on 127.0.0.1: a plain node:http
 * server in a child process of its own that verifies every request with the `standardwebhooks`
 * package and notes when each `webhook-id` arrived and what it answered.
 *
 * BENCH_EVENTS (10,000) alerts are raised with `AlertsService.raise`, each in its own transaction
 * with its outbox row, then enqueued on commit, by BENCH_RAISERS (8) concurrent callers in this
 * process, as fast as they go (BENCH_RATE=<events/s> paces them instead). BENCH_WORKERS (1) real
 * worker processes (dist/apps/worker/src/main.js, WEBHOOK_ALLOW_PRIVATE=true, a queue prefix of
 * their own) deliver them. BENCH_FAIL_PERCENT (1) percent of events are answered 500 on their
 * first attempt, so the retry path runs too (WEBHOOK_RETRY_SCHEDULE_MS 0,250,1000,5000 here).
 * A warm-up of BENCH_WARMUP (200) events first, not counted.
 *
 * Then, to tell the delivery side's capacity from the raising side's: BENCH_DRAIN (5,000; 0 skips
 * it) more alerts raised while no worker runs, and fresh worker(s) started on that backlog:
 * deliveries/s from their first receipt to their last (not a goal, a diagnosis).
 *
 * Figures: deliveries/s (events delivered over the span from the first alert's commit to the
 * last receipt), end-to-end latency per event from the alert's created_at to its first 2xx
 * receipt (p50 / p99 / max), lost (never answered 2xx), doubled (a webhook-id received again
 * after an attempt the receiver had answered 2xx: a retry after a 500 is not a double).
 * Raising and delivering share the machine, so deliveries/s is the slower of the two sides;
 * the CPU line (Linux /proc) splits the CPU time per event between the processes (this one,
 * the worker, the receiver, the scratch database's backends of each, Redis) and prints the load
 * average at the start: other work on the machine shows there.
 *
 * Goals: >= 500 deliveries/s, p99 < 2 s, none lost, none doubled beyond retries.
 * BENCH_WORKER_PROF=<dir> writes a CPU profile of each worker process there.
 */
import { randomBytes } from 'crypto';
import { type ChildProcess, execFileSync, fork, spawn } from 'child_process';
import { createServer } from 'http';
import type { AddressInfo } from 'net';
import { readFileSync } from 'fs';
import { join } from 'path';
import { performance } from 'perf_hooks';
import { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import { machineLine } from './bench-machine';
import { fmtInt, percentile, positiveInt } from './stats-kit';

const EVENTS = positiveInt('BENCH_EVENTS', 10_000);
const WARMUP = positiveInt('BENCH_WARMUP', 200);
const RAISERS = positiveInt('BENCH_RAISERS', 8);
const WORKERS = positiveInt('BENCH_WORKERS', 1);
const RATE = process.env.BENCH_RATE ? positiveInt('BENCH_RATE', 1) : 0;
const FAIL_PERCENT = Number(process.env.BENCH_FAIL_PERCENT ?? '1');
const DRAIN = Number(process.env.BENCH_DRAIN ?? '5000');
const RETRY_SCHEDULE = '0,250,1000,5000';
const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/kuaiche';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DB_NAME = `kuaiche_bench_webhooks_${process.pid}`;
const PREFIX = `bench-webhooks-${process.pid}`;
const WORKER = join(__dirname, '..', 'apps', 'worker', 'src', 'main.js');
const MIGRATE = join(__dirname, '..', 'scripts', 'migrate.js');

/** The scratch database's URL; `app` names the connections (pg lets the URL's application_name win), so their backends can be told apart. */
function dbUrl(name: string, app?: string): string {
  const u = new URL(BASE_URL);
  u.pathname = `/${name}`;
  if (app) u.searchParams.set('application_name', app);
  return u.toString();
}

const now = () => performance.timeOrigin + performance.now();

/** CPU ms (user + system) a local process has used so far; 0 when /proc cannot tell (another host). */
function procCpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// The receiver (child process): verifies, answers, notes arrival times. Talks to the bench by IPC.

/** Per webhook-id: arrival times (epoch ms, sub-ms) and the status answered to each. */
type Receipts = Record<string, { t: number[]; s: number[] }>;
type ReceiverMsg = { port: number; pid: number } | { count: number; badSignatures: number } | { receipts: Receipts; badSignatures: number; requests: number };

function receiverMain(): void {
  const wh = new Webhook(process.env.BENCH_WEBHOOK_SECRET!);
  const failEvery = FAIL_PERCENT > 0 ? Math.round(100 / FAIL_PERCENT) : 0;
  const receipts = new Map<string, { t: number[]; s: number[] }>();
  let ok = 0;
  let distinct = 0;
  let badSignatures = 0;
  let requests = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const t = now();
      requests++;
      const body = Buffer.concat(chunks).toString('utf8');
      let status = 204;
      try {
        wh.verify(body, req.headers as Record<string, string>);
      } catch {
        badSignatures++;
        status = 400;
      }
      const id = String(req.headers['webhook-id']);
      let r = receipts.get(id);
      if (!r) {
        receipts.set(id, (r = { t: [], s: [] }));
        distinct++;
        // Some events fail their first attempt, so the bench sees retries (and can tell them from doubles).
        if (status === 204 && failEvery && distinct % failEvery === 0) status = 500;
      }
      if (status < 300 && !r.s.some((s) => s < 300)) ok++;
      r.t.push(t);
      r.s.push(status);
      res.writeHead(status).end();
    });
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port, pid: process.pid } satisfies ReceiverMsg));
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'count') process.send!({ count: ok, badSignatures } satisfies ReceiverMsg);
    else if (m.cmd === 'report') process.send!({ receipts: Object.fromEntries(receipts), badSignatures, requests } satisfies ReceiverMsg);
  });
  process.on('disconnect', () => process.exit(0));
}

function startReceiver(secret: string): Promise<{ url: string; pid: number; ask: <T extends ReceiverMsg>(cmd: string) => Promise<T>; stop: () => void }> {
  const child = fork(__filename, ['--receiver'], { env: { ...process.env, BENCH_WEBHOOK_SECRET: secret, NODE_OPTIONS: '' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let pending: ((m: ReceiverMsg) => void) | undefined;
  let pendingFail: ((err: Error) => void) | undefined;
  let died: Error | undefined;
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      died = new Error(`the receiver exited with ${code}`);
      pendingFail?.(died);
      reject(died);
    });
    child.on('message', (m: ReceiverMsg) => {
      if ('port' in m) {
        resolve({
          url: `http://127.0.0.1:${m.port}/hooks/kuaiche`,
          pid: m.pid,
          ask: <T extends ReceiverMsg>(cmd: string) =>
            new Promise<T>((r, fail) => {
              if (died) return fail(died);
              pending = r as (m: ReceiverMsg) => void;
              pendingFail = fail;
              child.send({ cmd });
            }),
          stop: () => {
            child.removeAllListeners('exit');
            child.kill('SIGTERM');
          },
        });
      } else {
        const p = pending;
        pending = undefined;
        p?.(m);
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The bench.

function startWorkers(n: number): { procs: ChildProcess[]; stop: () => Promise<void> } {
  const procs = Array.from({ length: n }, () =>
    spawn(process.execPath, [...(process.env.BENCH_WORKER_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_WORKER_PROF}`] : []), WORKER], {
      env: {
        ...process.env,
        DATABASE_URL: dbUrl(DB_NAME, 'bench-webhooks-worker'),
        QUEUE_PREFIX: PREFIX,
        SCHEDULER_ENABLED: 'false',
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_RETRY_SCHEDULE_MS: RETRY_SCHEDULE,
        LOG_LEVEL: 'warn',
        NODE_OPTIONS: '',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    }),
  );
  return {
    procs,
    stop: async () => {
      await Promise.all(procs.map((p) => new Promise<void>((resolve) => (p.exitCode !== null || p.signalCode !== null ? resolve() : (p.on('exit', () => resolve()), p.kill('SIGTERM'))))));
    },
  };
}

/** The Redis server's pid, when it runs on this machine (for the CPU accounting). */
async function redisInfoPid(): Promise<string | undefined> {
  const { default: IORedis } = await import('ioredis');
  const r = new IORedis(REDIS_URL, { lazyConnect: true });
  try {
    await r.connect();
    const info = await r.info('server');
    return /process_id:(\d+)/.exec(info)?.[1];
  } catch {
    return undefined;
  } finally {
    r.disconnect();
  }
}

let loadAtStart = '';

async function main(): Promise<void> {
  loadAtStart = (await import('os')).loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log('# Kuaiche Pilot webhook delivery benchmark');
  console.log(machineLine());
  console.log(
    `settings: ${fmtInt(EVENTS)} events (+${WARMUP} warm-up), ${RAISERS} raisers ${RATE ? `paced at ${RATE}/s` : 'unpaced'}, ${WORKERS} worker process(es), ` +
      `WEBHOOK_CONCURRENCY=${process.env.WEBHOOK_CONCURRENCY ?? 'default'}, ${FAIL_PERCENT}% of first attempts answered 500, retry schedule ${RETRY_SCHEDULE} ms`,
  );
  const admin = new Client({ connectionString: BASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${DB_NAME}`);
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  try {
    execFileSync(process.execPath, [MIGRATE, 'up'], { env: { ...process.env, DATABASE_URL: dbUrl(DB_NAME) }, stdio: 'ignore' });
    const db = new Client({ connectionString: dbUrl(DB_NAME) });
    await db.connect();
    cleanups.push(() => db.end());

    // The app's modules read env() once: set it before they load.
    process.env.DATABASE_URL = dbUrl(DB_NAME, 'bench-webhooks-raiser');
    process.env.QUEUE_PREFIX = PREFIX;
    process.env.LOG_LEVEL = 'silent';
    process.env.SCHEDULER_ENABLED = 'false';
    const domain = await import('@kuaiche/domain');
    const { generateWebhookSecret, newId, ALL_QUEUES } = domain;

    const secret = generateWebhookSecret();
    const rx = await startReceiver(secret);
    cleanups.push(() => rx.stop());

    const advertiserId = newId();
    const planId = newId();
    await db.query(`INSERT INTO advertisers (id, name, api_key_hash) VALUES ($1, 'bench webhooks', $2)`, [advertiserId, randomBytes(32)]);
    await db.query(`INSERT INTO plans (id, advertiser_id, name, type, daily_budget_fen, target_roi) VALUES ($1, $2, 'plan', 'core_word', 100000, 3)`, [planId, advertiserId]);
    await db.query(`INSERT INTO webhook_endpoints (id, advertiser_id, url, event_types, secret) VALUES ($1, $2, $3, '{*}', $4)`, [newId(), advertiserId, rx.url, secret]);

    // AlertsService as the API and the worker run it: the domain and alerting modules in a Nest context.
    const { Module } = await import('@nestjs/common');
    const { NestFactory } = await import('@nestjs/core');
    class BenchModule {}
    Module({ imports: [domain.DomainModule, domain.AlertingModule] })(BenchModule);
    const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
    cleanups.push(() => app.close());
    const alerts = app.get(domain.AlertsService);

    const workers = startWorkers(WORKERS);
    cleanups.push(() => workers.stop());

    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
    const raiseAll = async (label: string, n: number, rate: number) => {
      let next = 0;
      const t0 = now();
      await Promise.all(
        Array.from({ length: Math.min(RAISERS, n) }, async () => {
          for (let i = next++; i < n; i = next++) {
            if (rate) {
              const due = t0 + (i * 1000) / rate;
              if (due > now()) await sleep(due - now());
            }
            const a = await alerts.raise(
              advertiserId,
              { planId, type: 'budget.depleting', severity: 'warning', hour, episode: `${label}-${i}`, message: 'spend passed 80% of the day budget', data: { i, spent: 800, budget: 1000 } },
              'Asia/Shanghai',
            );
            if (!a) throw new Error(`alert ${label}-${i} was not raised`);
          }
        }),
      );
      return now() - t0;
    };
    const waitReceived = async (n: number, ms: number) => {
      const end = Date.now() + ms;
      for (;;) {
        const c = await rx.ask<{ count: number; badSignatures: number }>('count');
        if (c.count >= n || Date.now() > end) return c.count;
        await sleep(50);
      }
    };

    // Where the CPU goes: this process (raising), the worker(s), the receiver and the scratch database's backends.
    const redisPid = Number((await redisInfoPid()) ?? 0);
    const cpu = async () => {
      const backends = (await db.query<{ pid: number; app: string }>(`SELECT pid, application_name AS app FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [DB_NAME])).rows;
      return {
        raiser: ((u) => (u.user + u.system) / 1000)(process.cpuUsage()),
        workers: workers.procs.reduce((a, p) => a + procCpuMs(p.pid!), 0),
        receiver: procCpuMs(rx.pid),
        postgres: new Map(backends.map((b) => [b.pid, { app: b.app, ms: procCpuMs(b.pid) }])),
        redis: redisPid ? procCpuMs(redisPid) : 0,
      };
    };

    // Warm-up: also waits for the worker(s) to boot.
    await raiseAll('warmup', WARMUP, 0);
    if ((await waitReceived(WARMUP, 60_000)) < WARMUP) throw new Error('the warm-up events were not delivered within 60 s');
    await sleep(500);

    const cpu0 = await cpu();
    const raiseMs = await raiseAll('bench', EVENTS, RATE);
    console.log(`raised:   ${fmtInt(EVENTS)} alerts in ${(raiseMs / 1000).toFixed(2)} s = ${fmtInt(EVENTS / (raiseMs / 1000))} alerts/s (each its own transaction + on-commit enqueue)`);
    const got = await waitReceived(WARMUP + EVENTS, 60_000);
    const cpu1 = await cpu();
    // A double would come late (a re-queued job, an expired lease): give the sweeper two passes.
    await sleep(got >= WARMUP + EVENTS ? 4_500 : 0);
    const report = await rx.ask<{ receipts: Receipts; badSignatures: number; requests: number }>('report');
    await workers.stop();

    const rows = (
      await db.query<{ id: string; ms: number }>(`SELECT id, extract(epoch FROM created_at)::float8 * 1000 AS ms FROM alerts WHERE episode LIKE 'bench-%'`)
    ).rows;
    const latencies: number[] = [];
    let lost = 0;
    let doubledIds = 0;
    let doubledExtra = 0;
    let retried = 0;
    let firstCommit = Infinity;
    let lastReceipt = 0;
    for (const r of rows) {
      firstCommit = Math.min(firstCommit, r.ms);
      const rec = report.receipts[r.id];
      const okAt = rec ? rec.s.findIndex((s) => s >= 200 && s < 300) : -1;
      if (okAt < 0) {
        lost++;
        continue;
      }
      if (okAt > 0) retried++;
      latencies.push(rec.t[okAt] - r.ms);
      lastReceipt = Math.max(lastReceipt, rec.t[okAt]);
      // Received again after an attempt answered 2xx: a double, not a retry.
      let extra = 0;
      for (let k = 1; k < rec.s.length; k++) if (rec.s[k - 1] >= 200 && rec.s[k - 1] < 300) extra++;
      if (extra) {
        doubledIds++;
        doubledExtra += extra;
      }
    }
    const delivered = rows.length - lost;
    const spanS = (lastReceipt - firstCommit) / 1000;
    const rate = delivered / spanS;
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const max = Math.max(...latencies);
    const statuses = (await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM webhook_deliveries GROUP BY status ORDER BY status`)).rows;
    const [att] = (await db.query<{ n: number; avg: number }>(`SELECT count(*)::int AS n, avg(latency_ms)::float8 AS avg FROM webhook_attempts`)).rows;

    console.log(`delivered: ${fmtInt(delivered)} of ${fmtInt(rows.length)} in ${spanS.toFixed(2)} s (first alert commit to last receipt) = ${fmtInt(rate)} deliveries/s`);
    console.log(`latency:  alert created_at to receipt: p50 ${fmtInt(p50)} ms, p99 ${fmtInt(p99)} ms, max ${fmtInt(max)} ms (${fmtInt(retried)} events needed a retry)`);
    console.log(
      `receiver: ${fmtInt(report.requests)} requests, ${report.badSignatures} failed signature verification; lost ${lost}, doubled ${doubledIds} (${doubledExtra} extra receipts)`,
    );
    console.log(`database: deliveries ${statuses.map((s) => `${s.status} ${fmtInt(s.n)}`).join(', ')}; ${fmtInt(att.n)} attempts logged, mean HTTP latency ${att.avg.toFixed(1)} ms`);

    const pgMs = (app: string) => [...cpu1.postgres].reduce((a, [pid, b]) => a + (b.app === app ? b.ms - (cpu0.postgres.get(pid)?.ms ?? 0) : 0), 0);
    const parts: [string, number][] = [
      ['raising (bench process)', cpu1.raiser - cpu0.raiser],
      ['its postgres backends', pgMs('bench-webhooks-raiser')],
      [`worker${WORKERS > 1 ? 's' : ''}`, cpu1.workers - cpu0.workers],
      ['their postgres backends', pgMs('bench-webhooks-worker')],
      ['receiver', cpu1.receiver - cpu0.receiver],
      ['redis (shared server)', cpu1.redis - cpu0.redis],
    ];
    console.log(`cpu:      per event ${parts.map(([k, ms]) => `${k} ${((ms / EVENTS) * 1000).toFixed(0)} us`).join(', ')}; total ${((parts.reduce((a, [, ms]) => a + ms, 0) / EVENTS) * 1000).toFixed(0)} us; load average at start ${loadAtStart}`);

    let drainLine = '';
    if (DRAIN > 0) {
      // The backlog: raised and enqueued on commit with nobody consuming.
      await raiseAll('drain', DRAIN, 0);
      const again = startWorkers(WORKERS);
      cleanups.push(() => again.stop());
      const workerCpu = () => again.procs.reduce((a, p) => a + procCpuMs(p.pid!), 0);
      // CPU from the first receipt on (boot excluded).
      const before = WARMUP + EVENTS;
      const started = await waitReceived(before + 1, 60_000);
      const cpuStart = workerCpu();
      const drained = await waitReceived(before + DRAIN, 120_000);
      const cpuEnd = workerCpu();
      await again.stop();
      const all = (await rx.ask<{ receipts: Receipts; badSignatures: number; requests: number }>('report')).receipts;
      const ids = (await db.query<{ id: string }>(`SELECT id FROM alerts WHERE episode LIKE 'drain-%'`)).rows.map((r) => r.id);
      const times = ids.flatMap((id) => {
        const rec = all[id];
        const k = rec ? rec.s.findIndex((st) => st >= 200 && st < 300) : -1;
        return k < 0 ? [] : [rec.t[k]];
      });
      const first = Math.min(...times);
      const last = Math.max(...times);
      drainLine =
        `delivery alone: a backlog of ${fmtInt(DRAIN)} alerts raised with no worker running, drained in ${((last - first) / 1000).toFixed(2)} s (first to last receipt) = ` +
        `${fmtInt(times.length / ((last - first) / 1000))} deliveries/s; ${fmtInt(drained - before)} delivered; worker CPU ${(((cpuEnd - cpuStart) / Math.max(1, drained - started)) * 1000).toFixed(0)} us per event`;
      console.log(drainLine);
    }

    console.log('\n## Result');
    const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
    console.log(`${verdict(rate >= 500)}  >= 500 deliveries/s (${fmtInt(rate)})`);
    console.log(`${verdict(p99 < 2000)}  p99 end-to-end latency < 2 s (${fmtInt(p99)} ms)`);
    console.log(`${verdict(lost === 0 && report.badSignatures === 0)}  none lost (${lost} lost, ${report.badSignatures} bad signatures)`);
    console.log(`${verdict(doubledIds === 0)}  none doubled beyond retries (${doubledIds} doubled)`);
    console.log(`\n_${machineLine()}_`);

    for (const q of ALL_QUEUES) {
      const { Queue } = await import('bullmq');
      const queue = new Queue(q, { connection: { url: REDIS_URL, maxRetriesPerRequest: null }, prefix: PREFIX });
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    }
  } finally {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch((err) => console.error('cleanup:', (err as Error).message));
    if (process.env.BENCH_KEEP_DB === '1') console.log(`kept database ${DB_NAME} (BENCH_KEEP_DB=1)`);
    else await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await admin.end();
  }
}

if (process.argv.includes('--receiver')) receiverMain();
else
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
