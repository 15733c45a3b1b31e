/**
 * `npm run bench:optimize`: one scheduled hour of bid optimization, end to end, at account scale.
 *
 * A scratch database (created, migrated and dropped here) holds BENCH_ADVERTISERS (default 100)
 * advertisers on the wall clock x BENCH_PLANS (10) target-ROI plans x BENCH_KEYWORDS_PER_PLAN
 * (1,000) keywords = 1,000,000 keywords, and BENCH_DAYS (7) days of hourly facts in which a
 * keyword is active in BENCH_ACTIVITY (10%) of hours: some 17 million rows, written with SQL (the
 * ingestion path has its own bench).
 *
 * 1. Cold hour (not the goal): the first run of every plan builds each keyword's decayed state
 *    from its week of rows.
 * 2. Steady hour with 1 worker process, then with 2. The processes are started and first run an
 *    untimed hour, as deployed workers have run the hours before (BENCH_WARM=0: the timed hour is
 *    their first). Then, untimed, the bids are set back far from value, so both hours change
 *    nearly every bid, and a CHECKPOINT flushes what that wrote. Each run reads the states, the
 *    one new hour of facts and any corrections, decides with libs/bidding, and writes the changed bids,
 *    their audit rows, the states and the run in one transaction. Timed from the fan-out job
 *    leaving to the last run committing; "where the time goes" sums the runs' own read / compute /
 *    write timings (they overlap across concurrent runs, so the parts exceed the wall time).
 * 3. The floor, measured here: one bare UPDATE of 1,000,000 bids from unnest arrays plus the
 *    INSERT of 1,000,000 audit rows carrying an explanation of the size the runs wrote.
 * 4. Interactive: POST /v1/plans/{id}/optimize?wait=true for one 1,000-keyword plan, hour after
 *    hour (each hour's facts written first, untimed), BENCH_CALLS (30) calls: p50 / p95.
 *
 * BENCH_WORKER_PROF=<dir> writes a CPU profile of each worker process there. BENCH_KEEP_DB=1 keeps
 * the scratch database; BENCH_DB=<its name> then runs the steady hours again on it (no seed, no
 * cold hour), for quicker measurements.
 *
 * Goals: the steady hour under 30 s on this machine and within 3x of the floor; more throughput
 * with 2 workers than with 1; the interactive p95 under 300 ms.
 */
import { createHash, randomBytes } from 'crypto';
import { type ChildProcess, execFileSync, spawn } from 'child_process';
import { join } from 'path';
import { performance } from 'perf_hooks';
import { Client } from 'pg';
import { WORKER_NODE_FLAGS } from '../libs/domain/src/config/node-flags';
import { cpuBetween, cpuSnapshot, machineLine } from './bench-machine';
import { fmtInt, HOUR_MS, http, percentile, positiveInt } from './stats-kit';

const ADVERTISERS = positiveInt('BENCH_ADVERTISERS', 100);
const PLANS = positiveInt('BENCH_PLANS', 10);
const PER_PLAN = positiveInt('BENCH_KEYWORDS_PER_PLAN', 1000);
const DAYS = positiveInt('BENCH_DAYS', 7);
const ACTIVITY = Number(process.env.BENCH_ACTIVITY ?? '0.1');
const CALLS = positiveInt('BENCH_CALLS', 30);
/** Workers as deployed run hour after hour: each timed hour follows an untimed one in the same processes (BENCH_WARM=0: fresh processes). */
const WARM = process.env.BENCH_WARM !== '0';
const KEYWORDS = ADVERTISERS * PLANS * PER_PLAN;
const NIL = '00000000-0000-0000-0000-000000000000';
// Hours of facts end at START; the cold run plans for START, the steady ones for START+1, START+2.
const START = Date.parse('2026-11-08T00:00:00+08:00');
const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/kuaiche';
/** BENCH_DB=<name>: reuse a database kept by BENCH_KEEP_DB=1 (no seed, no cold hour: the steady hours go on from its latest). */
const REUSE_DB = process.env.BENCH_DB;
const DB_NAME = REUSE_DB ?? `kuaiche_bench_optimize_${process.pid}`;
const WORKER = join(__dirname, '..', 'apps', 'worker', 'src', 'main.js');
const MIGRATE = join(__dirname, '..', 'scripts', 'migrate.js');

function dbUrl(name: string): string {
  const u = new URL(BASE_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

const iso = (ms: number) => new Date(ms).toISOString();
const secs = (ms: number) => (ms / 1000).toFixed(1);

/** Facts for the hours [fromMs, toMs) of the keywords matching `where` (SQL on k), and their plan-hour rollup. */
async function writeFacts(db: Client, fromMs: number, toMs: number, where = 'true'): Promise<number> {
  const r = await db.query(
    `INSERT INTO keyword_stats_hourly (advertiser_id, plan_id, unit_id, keyword_id, creative_id, hour, impressions, clicks, cost_fen, orders, gmv_fen)
     SELECT k.advertiser_id, k.plan_id, k.unit_id, k.id, '${NIL}', h, imps, clicks, clicks * (40 + (random() * 80)::int),
            orders, orders * (9900 + (random() * 20000)::int)
     FROM keywords k
     CROSS JOIN generate_series($1::timestamptz, $2::timestamptz - interval '1 hour', interval '1 hour') AS h
     CROSS JOIN LATERAL (SELECT 20 + (random() * 400)::int AS imps) i
     CROSS JOIN LATERAL (SELECT (random() * least(imps, 12))::int AS clicks) c
     CROSS JOIN LATERAL (SELECT CASE WHEN random() < 0.04 + 0.08 * (abs(hashtext(k.id::text)) % 100) / 100.0 THEN (clicks > 0)::int ELSE 0 END AS orders) o
     WHERE ${where} AND random() < $3`,
    [iso(fromMs), iso(toMs), ACTIVITY],
  );
  await db.query(
    `INSERT INTO plan_stats_hourly (advertiser_id, plan_id, hour, impressions, clicks, cost_fen, orders, gmv_fen)
     SELECT advertiser_id, plan_id, hour, sum(impressions), sum(clicks), sum(cost_fen), sum(orders), sum(gmv_fen)
     FROM keyword_stats_hourly WHERE hour >= $1 AND hour < $2 GROUP BY advertiser_id, plan_id, hour
     ON CONFLICT (advertiser_id, plan_id, hour) DO NOTHING`,
    [iso(fromMs), iso(toMs)],
  );
  return r.rowCount ?? 0;
}

async function seed(db: Client): Promise<{ planIds: string[]; apiKey: string; advertiserId: string }> {
  const apiKey = `kp_${randomBytes(24).toString('base64url')}`;
  const t0 = performance.now();
  await db.query(
    `INSERT INTO advertisers (id, name, timezone, clock, api_key_hash)
     SELECT gen_random_uuid(), 'bench seller ' || i, 'Asia/Shanghai', 'wall', CASE WHEN i = 1 THEN $1::bytea ELSE sha256(gen_random_uuid()::text::bytea) END
     FROM generate_series(1, $2) i`,
    [createHash('sha256').update(apiKey).digest(), ADVERTISERS],
  );
  await db.query(
    `INSERT INTO plans (id, advertiser_id, name, type, daily_budget_fen, target_roi)
     SELECT gen_random_uuid(), a.id, 'plan ' || p, 'core_word', 200000 + (random() * 800000)::int, 3 FROM advertisers a, generate_series(1, $1) p`,
    [PLANS],
  );
  const units = Math.ceil(PER_PLAN / 200);
  await db.query(
    `INSERT INTO units (id, advertiser_id, plan_id, name, sku_id, sku_price_fen)
     SELECT gen_random_uuid(), p.advertiser_id, p.id, 'unit ' || u, '1000' || u, 9900 + (random() * 20000)::int FROM plans p, generate_series(1, $1) u`,
    [units],
  );
  // A unit's keywords arrive together (the API takes them as one batch per unit), so a plan's
  // keywords share pages, as in a real account.
  await db.query(
    `INSERT INTO keywords (id, advertiser_id, plan_id, unit_id, text, match_type, bid_fen)
     SELECT gen_random_uuid(), u.advertiser_id, u.plan_id, u.id, 'kw ' || u.id || ' ' || k, 'exact', 50 + (random() * 250)::int
     FROM units u, generate_series(1, $1) k ORDER BY u.plan_id, u.id, k`,
    [Math.ceil(PER_PLAN / units)],
  );
  console.log(`seed:     ${ADVERTISERS} advertisers, ${ADVERTISERS * PLANS} plans, ${fmtInt(KEYWORDS)} keywords in ${secs(performance.now() - t0)} s`);
  let rows = 0;
  const t1 = performance.now();
  for (let d = DAYS; d >= 1; d--) {
    rows += await writeFacts(db, START - d * 24 * HOUR_MS, START - (d - 1) * 24 * HOUR_MS);
    process.stdout.write(`\rseed:     ${fmtInt(rows)} hourly rows (day ${DAYS - d + 1} of ${DAYS})`);
  }
  await db.query('VACUUM ANALYZE');
  console.log(`\rseed:     ${fmtInt(rows)} hourly rows over ${DAYS} days (${(rows / (KEYWORDS * DAYS * 24) * 100).toFixed(1)}% of keyword-hours) in ${secs(performance.now() - t1)} s`);
  const plans = await db.query(`SELECT id FROM plans ORDER BY id`);
  const [adv] = (await db.query(`SELECT id FROM advertisers WHERE api_key_hash = $1`, [createHash('sha256').update(apiKey).digest()])).rows;
  return { planIds: plans.rows.map((r) => r.id), apiKey, advertiserId: adv.id };
}

function startWorkers(n: number, prefix: string): { procs: ChildProcess[]; stop: () => Promise<void> } {
  const procs = Array.from({ length: n }, () =>
    // The worker's Node flags as `npm start` sets them.
    spawn(process.execPath, [...WORKER_NODE_FLAGS, ...(process.env.BENCH_WORKER_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_WORKER_PROF}`] : []), WORKER], {
      env: { ...process.env, DATABASE_URL: dbUrl(DB_NAME), QUEUE_PREFIX: prefix, SCHEDULER_ENABLED: 'false', LOG_LEVEL: 'warn', NODE_OPTIONS: '' },
      stdio: ['ignore', 'inherit', 'inherit'],
    }),
  );
  return {
    procs,
    stop: async () => {
      await Promise.all(procs.map((p) => new Promise<void>((resolve) => (p.exitCode !== null ? resolve() : (p.on('exit', () => resolve()), p.kill('SIGTERM'))))));
    },
  };
}

interface HourResult {
  wallMs: number;
  runs: number;
  failed: number;
  seen: number;
  changed: number;
  readMs: number;
  computeMs: number;
  writeMs: number;
  /** Part of read: the plan, its keywords with their states and plan-hours (the rest is facts and corrections). */
  planReadMs: number;
  /** CPU seconds used during the hour by the worker processes and by Postgres, and the machine's idle share (Linux only). */
  cpu: ReturnType<typeof cpuBetween>;
}

/** Waits until every plan's run of hour `asOfMs` has finished. */
async function hourDone(db: Client, asOfMs: number, plans: number): Promise<void> {
  for (;;) {
    const [r] = (await db.query(`SELECT count(*) FILTER (WHERE status IN ('succeeded', 'skipped', 'failed'))::int AS done FROM optimization_runs WHERE as_of = $1`, [iso(asOfMs)])).rows;
    if (r.done >= plans) return;
    await new Promise((res) => setTimeout(res, 200));
  }
}

/**
 * Fans out hour `asOfMs` with `workers` processes and waits for every plan's run. With `warm`,
 * the same processes first run hour `warm.asOfMs` untimed (as long-running workers have run the
 * hours before), then `warm.prepare` writes what the timed hour needs.
 */
async function scheduledHour(db: Client, asOfMs: number, workers: number, plans: number, warm?: { asOfMs: number; prepare: () => Promise<unknown> }): Promise<HourResult> {
  const { Queue } = await import('bullmq');
  const prefix = `bench-optimize-${process.pid}-${asOfMs}`;
  const queue = new Queue('bid-optimization', { connection: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', maxRetriesPerRequest: null }, prefix });
  // Untimed: the writes before the hour (the facts, the bids set back) flushed by a checkpoint
  // first, so that no hour pays for the previous one's dirty pages and each starts from the same
  // point of the checkpoint cycle (CHECKPOINT needs a superuser or pg_checkpoint; skipped if not).
  const checkpoint = () => db.query('CHECKPOINT').catch((err: Error) => console.log(`(no CHECKPOINT before the hour: ${err.message})`));
  const w = startWorkers(workers, prefix);
  try {
    // Workers up (each answers a ping) before the clock starts.
    await Promise.all(w.procs.map(() => queue.add('worker.ping', {})));
    while ((await queue.getJobCounts('completed')).completed < workers) await new Promise((r) => setTimeout(r, 100));
    if (warm) {
      await queue.add('optimize.fanout', { asOf: iso(warm.asOfMs) });
      await hourDone(db, warm.asOfMs, plans);
      await warm.prepare();
    }
    await checkpoint();
    const cpu0 = cpuSnapshot();
    const t0 = Date.now();
    await queue.add('optimize.fanout', { asOf: iso(asOfMs) });
    await hourDone(db, asOfMs, plans);
    const cpu = cpuBetween(cpu0, cpuSnapshot(), w.procs.map((p) => p.pid!));
    const [s] = (
      await db.query(
        `SELECT (extract(epoch FROM max(finished_at)) * 1000)::float8 AS last, count(*)::int AS runs, count(*) FILTER (WHERE status = 'failed')::int AS failed,
                sum(keywords_seen)::int AS seen, sum(keywords_changed)::int AS changed,
                sum((summary->'timings'->>'readMs')::float8) AS read, sum((summary->'timings'->>'computeMs')::float8) AS compute,
                sum((summary->'timings'->>'writeMs')::float8) AS write, sum((summary->'timings'->>'planReadMs')::float8) AS plan_read
         FROM optimization_runs WHERE as_of = $1`,
        [iso(asOfMs)],
      )
    ).rows;
    return {
      wallMs: s.last - t0, runs: s.runs, failed: s.failed, seen: s.seen, changed: s.changed, readMs: s.read, computeMs: s.compute, writeMs: s.write,
      planReadMs: s.plan_read, cpu,
    };
  } finally {
    await w.stop();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

function printHour(label: string, r: HourResult): void {
  const parts = r.readMs + r.computeMs + r.writeMs;
  const pct = (x: number) => `${((x / parts) * 100).toFixed(0)}%`;
  console.log(
    `${label}: ${r.runs} runs (${r.failed} failed), ${fmtInt(r.seen)} keywords, ${fmtInt(r.changed)} bids changed in ${secs(r.wallMs)} s = ${fmtInt(r.seen / (r.wallMs / 1000))} keywords/s; ` +
      `run time read ${secs(r.readMs)} s (${pct(r.readMs)}) / compute ${secs(r.computeMs)} s (${pct(r.computeMs)}) / write ${secs(r.writeMs)} s (${pct(r.writeMs)})`,
  );
  console.log(
    `          read: plan, keywords + states, plan-hours ${secs(r.planReadMs)} s, facts + corrections ${secs(r.readMs - r.planReadMs)} s; ` +
      `write: bids, audit rows and states in one statement (the events and the run's row follow in one more)`,
  );
  if (r.cpu) console.log(`          cpu: worker processes ${r.cpu.workerSecs.toFixed(1)} s, Postgres ${r.cpu.postgresSecs.toFixed(1)} s, machine idle ${r.cpu.idlePct.toFixed(0)}%; workers sent ${r.cpu.workerWroteMB.toFixed(0)} MB, received ${r.cpu.workerReadMB.toFixed(0)} MB`);
}

async function floor(db: Client, reasonBytes: number): Promise<number> {
  const reason = JSON.stringify({ summary: 'x'.repeat(Math.max(0, reasonBytes - 20)) });
  const ids = (await db.query(`SELECT id, bid_fen FROM keywords`)).rows as { id: string; bid_fen: number }[];
  await db.query('BEGIN');
  const t0 = performance.now();
  await db.query(`UPDATE keywords k SET bid_fen = c.bid FROM unnest($1::uuid[], $2::bigint[]) AS c(id, bid) WHERE k.id = c.id`, [ids.map((r) => r.id), ids.map((r) => Math.max(30, Number(r.bid_fen) - 1))]);
  await db.query(`CREATE TEMP TABLE floor_audit (LIKE bid_changes INCLUDING ALL)`);
  const CHUNK = 100_000;
  for (let i = 0; i < ids.length; i += CHUNK) {
    const part = ids.slice(i, i + CHUNK);
    await db.query(
      `INSERT INTO floor_audit (id, advertiser_id, plan_id, keyword_id, hour, old_bid_fen, new_bid_fen, source, reason)
       SELECT gen_random_uuid(), '${NIL}', '${NIL}', id, now(), 100, 99, 'optimizer', $2::jsonb FROM unnest($1::uuid[]) AS id`,
      [part.map((r) => r.id), reason],
    );
  }
  const ms = performance.now() - t0;
  await db.query('ROLLBACK');
  return ms;
}

async function main(): Promise<void> {
  console.log('# Kuaiche Pilot optimization benchmark (one scheduled hour)');
  console.log(machineLine());
  console.log(`settings: ${ADVERTISERS} advertisers x ${PLANS} plans x ${fmtInt(PER_PLAN)} keywords = ${fmtInt(KEYWORDS)} keywords, ${DAYS} days of facts, activity ${ACTIVITY}`);
  const admin = new Client({ connectionString: BASE_URL });
  await admin.connect();
  if (!REUSE_DB) await admin.query(`CREATE DATABASE ${DB_NAME}`);
  let api: { close: () => Promise<void> } | undefined;
  try {
    execFileSync(process.execPath, [MIGRATE, 'up'], { env: { ...process.env, DATABASE_URL: dbUrl(DB_NAME) }, stdio: 'ignore' });
    const db = new Client({ connectionString: dbUrl(DB_NAME) });
    await db.connect();
    try {
      let planIds: string[];
      let apiKey: string;
      let advertiserId: string;
      let cold: HourResult | null = null;
      let first = START + HOUR_MS;
      if (REUSE_DB) {
        // A kept database: a fresh API key for its first advertiser, and the hours after its latest run.
        apiKey = `kp_${randomBytes(24).toString('base64url')}`;
        const [adv] = (await db.query(`UPDATE advertisers SET api_key_hash = $1 WHERE id = (SELECT min(id::text)::uuid FROM advertisers) RETURNING id`, [createHash('sha256').update(apiKey).digest()])).rows;
        advertiserId = adv.id;
        planIds = (await db.query(`SELECT id FROM plans ORDER BY id`)).rows.map((r) => r.id);
        const [{ last }] = (await db.query(`SELECT (extract(epoch FROM max(as_of)) * 1000)::float8 AS last FROM optimization_runs`)).rows;
        first = last + HOUR_MS;
        await db.query(`DELETE FROM keyword_stats_hourly WHERE hour >= $1`, [iso(first - HOUR_MS)]);
        await db.query(`DELETE FROM plan_stats_hourly WHERE hour >= $1`, [iso(first - HOUR_MS)]);
        console.log(`reusing:  database ${DB_NAME}, steady hours from ${iso(first)}`);
      } else {
        ({ planIds, apiKey, advertiserId } = await seed(db));
        cold = await scheduledHour(db, START, 2, planIds.length);
        printHour('cold hour  (2 workers, states built from the week)', cold);
      }
      const plans = planIds.length;
      // Before each timed hour the bids go back to a seed-like spread far from value (untimed), so
      // that each hour changes nearly every bid: the hours compare like with like (the runs before
      // would otherwise have moved the bids closer, and fewer would change), and a kept database
      // whose bids have converged over its earlier hours measures the same work.
      const resetBids = () => db.query(`UPDATE keywords SET bid_fen = 50 + abs(hashtext(id::text)) % 250, version = version + 1`);
      // The steady hours: each new hour's facts arrive, then the hour after is optimized.
      // Each worker count first runs an untimed hour in the same processes (unless BENCH_WARM=0):
      // deployed workers run continuously, and a fresh process spends part of its first hour
      // compiling (two processes, twice).
      const timedHour = async (h: number, workers: number): Promise<HourResult> => {
        await writeFacts(db, h - HOUR_MS, h);
        if (!WARM) {
          await resetBids();
          return scheduledHour(db, h, workers, plans);
        }
        await writeFacts(db, h, h + HOUR_MS);
        return scheduledHour(db, h + HOUR_MS, workers, plans, { asOfMs: h, prepare: resetBids });
      };
      const step = WARM ? 2 : 1;
      const one = await timedHour(first, 1);
      printHour('steady hour, 1 worker ', one);
      const two = await timedHour(first + step * HOUR_MS, 2);
      printHour('steady hour, 2 workers', two);

      const [{ bytes }] = (await db.query(`SELECT avg(octet_length(reason::text))::int AS bytes FROM bid_changes`)).rows;
      const floorMs = await floor(db, bytes ?? 400);
      console.log(`floor:    UPDATE of ${fmtInt(KEYWORDS)} bids from unnest + INSERT of ${fmtInt(KEYWORDS)} audit rows (${bytes} B explanations) in ${secs(floorMs)} s`);

      // Interactive: one plan of the API key's advertiser, hour after hour.
      process.env.DATABASE_URL = dbUrl(DB_NAME);
      process.env.QUEUE_PREFIX = `bench-optimize-${process.pid}-api`;
      process.env.SCHEDULER_ENABLED = 'false';
      const { startApi } = await import('./stats-kit');
      const running = await startApi();
      api = { close: () => running.app.close() };
      const [plan] = (await db.query(`SELECT id FROM plans WHERE advertiser_id = $1 ORDER BY id LIMIT 1`, [advertiserId])).rows;
      const latencies: number[] = [];
      for (let i = 0; i < CALLS; i++) {
        const h = first + (2 * step + i) * HOUR_MS;
        await writeFacts(db, h - HOUR_MS, h, `k.plan_id = '${plan.id}'`);
        const t = performance.now();
        const res = await http<{ run: { status: string } }>(running.base, 'POST', `/v1/plans/${plan.id}/optimize?wait=true`, apiKey, { asOf: iso(h) });
        latencies.push(performance.now() - t);
        if (res.status !== 200 || res.json.run.status !== 'succeeded') throw new Error(`optimize answered ${res.status}: ${res.text.slice(0, 300)}`);
      }
      const p50 = percentile(latencies, 50);
      const p95 = percentile(latencies, 95);
      console.log(`interactive: POST /v1/plans/{id}/optimize?wait=true, ${PER_PLAN} keywords, ${CALLS} consecutive hours: p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms`);

      console.log('\n## Result');
      const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
      console.log(`${verdict(two.wallMs < 30_000 && one.wallMs < 30_000)}  steady hour under 30 s (1 worker ${secs(one.wallMs)} s, 2 workers ${secs(two.wallMs)} s)`);
      console.log(`${verdict(Math.min(one.wallMs, two.wallMs) <= 3 * floorMs)}  within 3x of the floor (${secs(Math.min(one.wallMs, two.wallMs))} s vs ${secs(floorMs)} s = ${(Math.min(one.wallMs, two.wallMs) / floorMs).toFixed(2)}x)`);
      console.log(`${verdict(two.seen / two.wallMs > one.seen / one.wallMs)}  more throughput with 2 workers (${fmtInt(two.seen / (two.wallMs / 1000))} vs ${fmtInt(one.seen / (one.wallMs / 1000))} keywords/s)`);
      console.log(`${verdict(p95 < 300)}  interactive p95 under 300 ms (${p95.toFixed(0)} ms)`);
      console.log('\n| hour | workers | wall s | keywords/s | read s | compute s | write s |');
      console.log('|---|---:|---:|---:|---:|---:|---:|');
      const rows: [string, number, HourResult][] = [['steady', 1, one], ['steady', 2, two]];
      if (cold) rows.unshift(['cold (states built)', 2, cold]);
      for (const [label, w, r] of rows) {
        console.log(`| ${label} | ${w} | ${secs(r.wallMs)} | ${fmtInt(r.seen / (r.wallMs / 1000))} | ${secs(r.readMs)} | ${secs(r.computeMs)} | ${secs(r.writeMs)} |`);
      }
      console.log(`| floor (bare UPDATE + audit INSERT) | - | ${secs(floorMs)} | | | | |`);
      console.log(`\n_${machineLine()}_`);
    } finally {
      await db.end();
    }
  } finally {
    if (api) await api.close();
    if (REUSE_DB || process.env.BENCH_KEEP_DB === '1') console.log(`kept database ${DB_NAME} (BENCH_KEEP_DB=1)`);
    else await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
