/**
 * `npm run bench:api`: throughput and latency of the keyword hot paths through the real API,
 * next to a bare `http` + `pg` handler that runs the same SQL (bench/bare-server.ts). The ratio
 * API/bare is what the framework stack costs; the goal is that the API keeps at least 60%.
 *
 * BENCH_SECONDS (default 10) and BENCH_CONNECTIONS (default 10) tune each measured run.
 * The data it creates (one advertiser with its plan, units and keywords) is deleted at the end.
 */
import type { INestApplication } from '@nestjs/common';
import autocannon from 'autocannon';
import { randomBytes } from 'crypto';
import type { AddressInfo } from 'net';
import { availableParallelism, cpus, release, totalmem, type as osType } from 'os';
import { join } from 'path';
import { Client } from 'pg';

const GOAL = 0.6;
const WARMUP_SECONDS = 2;
const KEYWORDS_PER_UNIT = 200;

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`${name} must be a positive integer (got ${JSON.stringify(raw)})`);
  return Number(raw);
}

const SECONDS = positiveInt('BENCH_SECONDS', 10);
const CONNECTIONS = positiveInt('BENCH_CONNECTIONS', 10);
// One 1,000-keyword slice per connection (5 units of 200 each), so concurrent PATCH requests
// mostly touch different rows and the figure measures request handling, not row-lock queues.
const PATCH_SLICE = 1000;
const UNITS = (Math.max(1, CONNECTIONS) * PATCH_SLICE) / 200;

interface Endpoint {
  label: string;
  request: autocannon.Request;
  note?: string;
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  bad: number;
}

interface Row {
  endpoint: Endpoint;
  api: Run;
  bare: Run;
  ratio: number;
}

const fmtRps = (n: number): string => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const fmtMs = (n: number): string => (n >= 10 ? Math.round(n).toString() : n.toFixed(1));
const fmtLatency = (r: Run): string => `${fmtMs(r.p50)} / ${fmtMs(r.p99)}`;

async function http<T>(base: string, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; text: string; json: T }> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
  return { status: res.status, text, json: JSON.parse(text) as T };
}

async function load(port: number, endpoint: Endpoint, seconds: number): Promise<Run> {
  const r = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: seconds,
    // One worker thread: the load generator must not share the event loop of the server it
    // measures, or its own CPU time would be billed to whichever server is slower.
    workers: 1,
    // Every PATCH locks the same 1,000 rows, so they queue behind each other and an unlucky one
    // waits several seconds; autocannon's default 10 s would count it as a timeout.
    timeout: 60,
    requests: [endpoint.request],
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, bad: r.errors + r.timeouts + r.non2xx };
}

const SERVER_APP_NAMES = ['kuaiche-pilot', 'kuaiche-pilot-bench-bare'];

/**
 * Waits until neither server has a statement or transaction open. When autocannon stops, the
 * requests it abandoned keep running server-side (a queued PATCH for seconds); left alone they
 * would compete with the next run, or deadlock with the cleanup's cascading delete.
 */
async function settle(admin: Client): Promise<void> {
  const deadline = Date.now() + 60_000;
  // Three quiet polls in a row, because a request between its statements (validating, or
  // serializing the response) shows as idle for a moment.
  for (let quiet = 0; quiet < 3 && Date.now() < deadline; ) {
    const r = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = ANY($1) AND state <> 'idle'`,
      [SERVER_APP_NAMES],
    );
    quiet = r.rows[0].n === 0 ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main(): Promise<void> {
  // Before the app's modules load: env() is read once and cached, and AppModule reads
  // LOG_LEVEL when it is imported. Silent, or autocannon's traffic would flood stdout.
  process.env.ADMIN_TOKEN ||= `bench-admin-${randomBytes(16).toString('hex')}`;
  process.env.LOG_LEVEL = 'silent';
  const adminToken = process.env.ADMIN_TOKEN;
  const { env } = await import('@kuaiche/domain');
  const { createApiApp } = await import('../apps/api/src/bootstrap');
  const { startBareServer } = await import('./bare-server');
  const config = env();

  const admin = new Client({ connectionString: config.DATABASE_URL, application_name: 'kuaiche-pilot-bench' });
  await admin.connect();
  const pgVersion = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
  const dbHost = new URL(config.DATABASE_URL).host;
  const cpuModel = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const cores = availableParallelism();
  const memGiB = (totalmem() / 2 ** 30).toFixed(1);

  console.log('# Kuaiche Pilot API benchmark');
  console.log(`machine:  ${cpuModel}, ${cores} cores, ${memGiB} GiB RAM, ${osType()} ${release()}`);
  console.log(`software: Node ${process.version}, PostgreSQL ${pgVersion} at ${dbHost}`);
  console.log(
    `settings: ${SECONDS} s per run after a ${WARMUP_SECONDS} s warm-up, ${CONNECTIONS} connections, ` +
      `DB pool ${config.DB_POOL_SIZE} for each server, LOG_LEVEL=silent`,
  );
  console.log('load:     autocannon in a worker thread of this process; API and bare server in this process, measured one at a time');
  console.log('auth:     both servers SHA-256 the API key per request and cache the advertiser lookup 30 s (ApiKeyGuard\'s cache)');
  if (cores <= 4) console.log(`note:     load generator, server and PostgreSQL share these ${cores} cores; read the ratio more than the absolute numbers`);

  let app: INestApplication | undefined;
  let bare: Awaited<ReturnType<typeof startBareServer>> | undefined;
  let advertiserId: string | undefined;
  try {
    app = await createApiApp();
    await app.listen(0, '127.0.0.1');
    const api = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;

    const stamp = new Date().toISOString();
    const created = await http<{ id: string; apiKey: string }>(api, 'POST', '/v1/advertisers', adminToken, { name: `bench ${stamp}` });
    advertiserId = created.json.id;
    const key = created.json.apiKey;
    const plan = await http<{ id: string }>(api, 'POST', '/v1/plans', key, { name: `bench ${stamp}`, type: 'core_word', dailyBudget: 500, targetRoi: 3 });
    const unitIds: string[] = [];
    const keywordIds: string[] = [];
    for (let u = 0; u < UNITS; u++) {
      const unit = await http<{ id: string }>(api, 'POST', `/v1/plans/${plan.json.id}/units`, key, { name: `bench unit ${u}`, skuId: `10001204397${u}`, skuPrice: 199 });
      unitIds.push(unit.json.id);
      const items = Array.from({ length: KEYWORDS_PER_UNIT }, (_, i) => ({ text: `bench kw ${u}-${i}`, matchType: 'exact', bid: 1.5 }));
      const made = await http<{ results: { ok: boolean; id?: string }[] }>(api, 'POST', `/v1/units/${unit.json.id}/keywords`, key, { items });
      if (made.json.results.some((r) => !r.ok)) throw new Error(`keyword seeding failed: ${made.text.slice(0, 500)}`);
      keywordIds.push(...made.json.results.map((r) => r.id!));
    }
    console.log(`seed:     advertiser ${advertiserId}, 1 plan, ${UNITS} units x ${KEYWORDS_PER_UNIT} keywords`);

    bare = await startBareServer({ databaseUrl: config.DATABASE_URL, poolSize: config.DB_POOL_SIZE });
    const bareBase = `http://127.0.0.1:${bare.port}`;
    const auth = { authorization: `Bearer ${key}` };
    const listPath = `/v1/keywords?unitId=${unitIds[0]}&limit=${KEYWORDS_PER_UNIT}`;
    const keywordSlices: string[][] = [];
    for (let i = 0; i < keywordIds.length; i += PATCH_SLICE) keywordSlices.push(keywordIds.slice(i, i + PATCH_SLICE));
    const endpoints: Endpoint[] = [
      { label: `GET /v1/keywords?unitId=…&limit=${KEYWORDS_PER_UNIT}`, request: { method: 'GET', path: listPath, headers: auth } },
      {
        label: `PATCH /v1/keywords (${PATCH_SLICE.toLocaleString('en-US')} bids)`,
        request: {
          method: 'PATCH',
          path: '/v1/keywords',
          headers: { ...auth, 'content-type': 'application/json' },
          setupRequest: join(__dirname, 'patch-request.js'),
          keywordSlices,
        },
        note: `each request changes ${PATCH_SLICE.toLocaleString('en-US')} bids; requests rotate over ${keywordSlices.length} disjoint slices so concurrent requests rarely wait on each other's row locks`,
      },
    ];

    // A ratio only means something if both sides do the same work: same rows, same bytes out,
    // and writes that really land.
    const [apiList, bareList] = await Promise.all([http(api, 'GET', listPath, key), http(bareBase, 'GET', listPath, key)]);
    if (apiList.text !== bareList.text) throw new Error('GET bodies differ between the API and the bare handler');
    if ((apiList.json as { items: unknown[] }).items.length !== KEYWORDS_PER_UNIT) throw new Error(`GET returned ${apiList.text.slice(0, 200)}`);
    for (const [base, bid] of [[api, 1.11], [bareBase, 1.22]] as const) {
      const r = await http<{ results: { ok: boolean }[] }>(base, 'PATCH', '/v1/keywords', key, { items: keywordIds.map((id) => ({ id, bid })) });
      if (r.json.results.length !== keywordIds.length || r.json.results.some((x) => !x.ok)) throw new Error(`PATCH via ${base} failed: ${r.text.slice(0, 500)}`);
      const landed = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM keywords WHERE advertiser_id = $1 AND bid_fen = $2', [advertiserId, Math.round(bid * 100)]);
      if (landed.rows[0].n !== keywordIds.length) throw new Error(`PATCH via ${base} changed ${landed.rows[0].n} of ${keywordIds.length} bids`);
    }
    console.log('check:    GET bodies identical byte for byte; a PATCH through each server changed all bids');

    const targets = [
      { name: 'API', port: Number(new URL(api).port) },
      { name: 'bare', port: bare.port },
    ] as const;
    const rows: Row[] = [];
    for (const endpoint of endpoints) {
      console.log(`\n## ${endpoint.label}`);
      const runs: Run[] = [];
      for (const t of targets) {
        await load(t.port, endpoint, WARMUP_SECONDS);
        await settle(admin);
        // The PATCH runs leave a dead row version per keyword per request; vacuuming before
        // every measured run keeps the later runs from paying for the earlier ones.
        await admin.query('VACUUM ANALYZE keywords');
        const run = await load(t.port, endpoint, SECONDS);
        await settle(admin);
        runs.push(run);
        const warn = run.bad ? `  WARNING: ${run.bad} errors/timeouts/non-2xx, the numbers are not valid` : '';
        console.log(`${t.name.padEnd(5)} ${fmtRps(run.rps).padStart(8)} req/s   p50 ${fmtMs(run.p50).padStart(5)} ms   p99 ${fmtMs(run.p99).padStart(5)} ms${warn}`);
      }
      const [apiRun, bareRun] = runs;
      const ratio = apiRun.rps / bareRun.rps;
      rows.push({ endpoint, api: apiRun, bare: bareRun, ratio });
      console.log(`ratio API/bare ${ratio.toFixed(2)}  ${ratio >= GOAL ? 'PASS' : 'MISS'} (goal >= ${GOAL.toFixed(2)})`);
      if (endpoint.note) console.log(`note: ${endpoint.note}`);
    }

    console.log('\n## Summary (markdown)\n');
    console.log('| endpoint | API req/s | API p50/p99 ms | bare req/s | bare p50/p99 ms | ratio |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      console.log(`| \`${r.endpoint.label}\` | ${fmtRps(r.api.rps)} | ${fmtLatency(r.api)} | ${fmtRps(r.bare.rps)} | ${fmtLatency(r.bare)} | ${r.ratio.toFixed(2)} |`);
    }
    console.log(
      `\n_${cpuModel}, ${cores} cores, ${memGiB} GiB; Node ${process.version}; PostgreSQL ${pgVersion.split(' ')[0]}; ` +
        `${CONNECTIONS} connections, ${SECONDS} s per run, DB pool ${config.DB_POOL_SIZE}. Goal: ratio >= ${GOAL.toFixed(2)}._`,
    );
    for (const r of rows) if (r.endpoint.note) console.log(`_${r.endpoint.label}: ${r.endpoint.note}._`);
    const missed = rows.filter((r) => r.ratio < GOAL).length;
    console.log(`\nresult: ${missed ? `MISS on ${missed} of ${rows.length} endpoints` : 'PASS'} (a miss is reported, not a failure)`);
  } finally {
    await settle(admin).catch(() => undefined);
    await bare?.close().catch((err: Error) => console.error(`closing the bare server failed: ${err.message}`));
    await app?.close().catch((err: Error) => console.error(`closing the API failed: ${err.message}`));
    // ON DELETE CASCADE takes the plan, units and keywords with the advertiser.
    if (advertiserId) await admin.query('DELETE FROM advertisers WHERE id = $1', [advertiserId]).catch((err: Error) => console.error(`cleanup failed: ${err.message}`));
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
