/**
 * `npm run bench:ingest`: rows per second through POST /v1/stats/hourly, end to end (HTTP,
 * JSON parse, validation, keyword resolution, the upsert with both rollups, the response),
 * next to a raw COPY of the same rows into a scratch table with the hourly table's columns,
 * constraints and indexes: the floor for getting these rows into PostgreSQL at all.
 *
 * Two API passes: the first inserts, the second re-sends the same rows (the replace path: every
 * key conflicts, the old rows are read and the rollups move by a zero delta), since updates cost
 * more than inserts. Goals: >= 100,000 rows/s through the API (first pass) and >= 30% of COPY.
 *
 * The COPY is psql's `\copy` of a CSV file written beforehand (pg-copy-streams is not a
 * dependency, and the pg client alone cannot COPY FROM STDIN); without psql there is no floor.
 *
 * BENCH_KEYWORDS (default 10,000) x BENCH_HOURS (default 100) rows, sent in 50,000-row requests,
 * BENCH_CONCURRENCY (default 2) requests in flight; a pass still running after
 * BENCH_PASS_BUDGET_S (default 120) seconds is cut short and reported as ABORTED. Everything it
 * creates (advertiser, facts, rollups, scratch table, CSV file) is deleted at the end.
 */
import { spawn } from 'child_process';
import { closeSync, openSync, rmSync, writeSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { performance } from 'perf_hooks';
import { Client } from 'pg';
import {
  addValues,
  apiRow,
  cancelApiStatements,
  deleteAccount,
  fmtInt,
  fmtMs,
  HOUR_MS,
  machineSummary,
  percentile,
  positiveInt,
  postRaw,
  printMachine,
  rng,
  type RunningApi,
  sameValues,
  type SeededAccount,
  seedAccount,
  settleApi,
  shanghaiIso,
  shanghaiMonthStart,
  STAT_ROWS_PER_REQUEST,
  startApi,
  statValues,
  storedSums,
  type StatValues,
  zeroValues,
} from './stats-kit';

const GOAL_RPS = 100_000;
const GOAL_COPY_SHARE = 0.3;
const KEYWORDS = positiveInt('BENCH_KEYWORDS', 10_000);
const HOURS = positiveInt('BENCH_HOURS', 100);
// Two requests in flight: the client uploads and the API parses the next batch while Postgres
// writes the current one (one advertiser's writes still commit one at a time).
const CONCURRENCY = positiveInt('BENCH_CONCURRENCY', 2);
// Generous for the expected ~40 s a pass; a pass that needs more is broken, not slow.
const PASS_BUDGET_S = positiveInt('BENCH_PASS_BUDGET_S', 120);
const ROWS = KEYWORDS * HOURS;
const NO_CREATIVE = '00000000-0000-0000-0000-000000000000';
const COPY_COLUMNS = 'advertiser_id, plan_id, unit_id, keyword_id, creative_id, hour, impressions, clicks, cost_fen, orders, gmv_fen, avg_position';

interface Workload {
  /** One serialized `{ rows: [...] }` body per request, UTF-8 encoded before any clock starts. */
  bodies: Buffer[];
  rowsPerBody: number[];
  sums: StatValues;
  csvPath: string;
  bytes: number;
}

/**
 * The rows in hour-major order, as an hourly sync produces them: each request carries every
 * keyword for 50,000 / keywords consecutive hours. The same rows go to a CSV file for COPY.
 */
function buildWorkload(account: SeededAccount, csvPath: string): Workload {
  const next = rng(20_260_601);
  const start = shanghaiMonthStart(3);
  const hours = Array.from({ length: HOURS }, (_, h) => start + h * HOUR_MS);
  const hourIso = hours.map(shanghaiIso);
  const hourUtc = hours.map((ms) => new Date(ms).toISOString());
  const sums = zeroValues();
  const bodies: Buffer[] = [];
  const rowsPerBody: number[] = [];
  const fd = openSync(csvPath, 'w');
  let batch: Record<string, string | number>[] = [];
  let csv: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (!batch.length) return;
    const body = Buffer.from(JSON.stringify({ rows: batch }));
    bodies.push(body);
    rowsPerBody.push(batch.length);
    bytes += body.length;
    writeSync(fd, csv.join(''));
    batch = [];
    csv = [];
  };
  try {
    for (let h = 0; h < HOURS; h++) {
      for (const kw of account.keywords) {
        const v = statValues(next);
        addValues(sums, v);
        batch.push(apiRow(kw.id, hourIso[h], v));
        // avg_position empty = NULL in CSV, as the API stores a row without one.
        csv.push(`${account.advertiserId},${kw.planId},${kw.unitId},${kw.id},${NO_CREATIVE},${hourUtc[h]},${v.impressions},${v.clicks},${v.costFen},${v.orders},${v.gmvFen},\n`);
        if (batch.length === STAT_ROWS_PER_REQUEST) flush();
      }
    }
    flush();
  } finally {
    closeSync(fd);
  }
  return { bodies, rowsPerBody, sums, csvPath, bytes };
}

interface PassResult {
  seconds: number;
  /** Rows in requests that completed; all of them unless the pass ran out of its budget. */
  rows: number;
  requests: number;
  rowsPerSecond: number;
  latenciesMs: number[];
  /** The pass hit BENCH_PASS_BUDGET_S: requests still running were cancelled, none were started. */
  aborted: boolean;
}

/**
 * Timed: from the first request leaving to the last response fully read. Not timed: building
 * and serializing the bodies (done before), and parsing the responses to check every row was
 * accepted (done after). The client shares this process's event loop with the server.
 *
 * A pass that outlives its budget is stopped rather than waited for, so a pathological plan
 * shows up as a MISS in minutes instead of a bench that never ends: no further request is sent
 * and the API's running statement is cancelled (its transaction rolls back, the rows it would
 * have replaced keep their old, equal, values).
 */
async function sendAll(api: RunningApi, admin: Client, key: string, w: Workload): Promise<PassResult> {
  const texts: string[] = [];
  const latenciesMs: number[] = [];
  let nextBody = 0;
  let aborted = false;
  let completedRows = 0;
  const t0 = performance.now();
  let canceller: NodeJS.Timeout | undefined;
  const cancel = () => void cancelApiStatements(admin, api.apiAppName).catch((err: Error) => console.error(`cancelling the API's statements failed: ${err.message}`));
  const timer = setTimeout(() => {
    aborted = true;
    cancel();
    // Again every half second until the requests in flight have answered: one caught between
    // two statements (validating, say) would otherwise start its SQL after the first cancel.
    canceller = setInterval(cancel, 500);
  }, PASS_BUDGET_S * 1000);
  try {
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, w.bodies.length) }, async () => {
        while (nextBody < w.bodies.length && !aborted) {
          const i = nextBody++;
          const s = performance.now();
          try {
            texts[i] = await postRaw(api.base, '/v1/stats/hourly', key, w.bodies[i]);
          } catch (err) {
            if (aborted) return; // the cancelled request answers 500: expected
            throw err;
          }
          latenciesMs[i] = performance.now() - s;
          completedRows += w.rowsPerBody[i];
        }
      }),
    );
  } finally {
    clearTimeout(timer);
    clearInterval(canceller);
  }
  const seconds = aborted ? PASS_BUDGET_S : (performance.now() - t0) / 1000;
  if (aborted) await settleApi(admin, api.apiAppName);
  texts.forEach((text, i) => {
    if (text === undefined) return;
    const results = (JSON.parse(text) as { results: { ok: boolean }[] }).results;
    const bad = results.filter((r) => !r.ok);
    if (results.length !== w.rowsPerBody[i] || bad.length) throw new Error(`request ${i}: ${results.length} results, ${bad.length} rejected: ${JSON.stringify(bad.slice(0, 3))}`);
  });
  const done = latenciesMs.filter((x) => x !== undefined);
  return { seconds, rows: completedRows, requests: done.length, rowsPerSecond: completedRows / seconds, latenciesMs: done, aborted };
}

/**
 * The rollups must always equal the hourly facts. The facts must equal the rows sent once the
 * first pass completed; an aborted replace pass leaves them so (rolled back or same values).
 */
async function checkStored(admin: Client, account: SeededAccount, w: Workload, pass: string, complete: boolean): Promise<void> {
  const s = await storedSums(admin, account.advertiserId);
  if (complete && s.hourlyRows !== ROWS) throw new Error(`${pass}: ${s.hourlyRows} hourly rows stored, expected ${ROWS}`);
  if (complete && !sameValues(s.hourly, w.sums)) throw new Error(`${pass}: hourly sums ${JSON.stringify(s.hourly)} differ from the rows sent ${JSON.stringify(w.sums)}`);
  for (const [name, v] of [['keyword_stats_daily', s.daily], ['plan_stats_hourly', s.planHourly]] as const) {
    if (!sameValues(v, s.hourly)) throw new Error(`${pass}: ${name} sums ${JSON.stringify(v)} differ from the hourly facts ${JSON.stringify(s.hourly)}`);
  }
  console.log(
    `check:    ${fmtInt(s.hourlyRows)} hourly rows, ${fmtInt(s.dailyRows)} keyword-day rows; keyword-day and plan-hour sums equal the hourly facts` +
      (complete ? ', which equal the rows sent' : ''),
  );
}

/** The COPY floor: psql's \copy streams the CSV from this machine over the protocol, as a client COPY does. */
function runPsqlCopy(databaseUrl: string, table: string, csvPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('psql', [databaseUrl, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', `\\copy ${table} (${COPY_COLUMNS}) FROM '${csvPath}' WITH (FORMAT csv)`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`psql \\copy exited ${code}: ${stderr.trim()}`))));
  });
}

function psqlAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('psql', ['--version'], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

/**
 * Before each timed phase: a checkpoint, so no phase inherits the previous one's dirty buffers
 * and every phase starts paying full-page writes from the same point.
 */
async function quiesce(admin: Client): Promise<void> {
  await admin.query('CHECKPOINT').catch((err: Error) => console.log(`note:     CHECKPOINT failed (${err.message}); phases may inherit each other's dirty buffers`));
}

function passLine(name: string, r: PassResult, total: number): string {
  const latency = r.requests ? `request p50 ${fmtMs(percentile(r.latenciesMs, 50))} ms, max ${fmtMs(Math.max(...r.latenciesMs))} ms` : 'no request completed';
  const head = `${name.padEnd(18)} ${fmtInt(r.rows)} rows in ${r.seconds.toFixed(2)} s = ${fmtInt(r.rowsPerSecond).padStart(9)} rows/s   ${latency}`;
  return r.aborted
    ? `${head}\n${''.padEnd(18)} ABORTED at the ${PASS_BUDGET_S} s budget (BENCH_PASS_BUDGET_S): ${r.requests} of ${total} requests completed; the running one was cancelled`
    : head;
}

async function main(): Promise<void> {
  const api = await startApi();
  const admin = new Client({ connectionString: api.databaseUrl, application_name: `kuaiche-pilot-bench-${process.pid}` });
  await admin.connect();
  const copyTable = `bench_ingest_copy_${process.pid}`;
  const csvPath = join(tmpdir(), `kuaiche-bench-ingest-${process.pid}.csv`);
  let advertiserId: string | undefined;
  try {
    console.log('# Kuaiche Pilot ingestion benchmark (POST /v1/stats/hourly)');
    const { pgVersion } = await printMachine(admin, api.databaseUrl);
    console.log(
      `settings: ${fmtInt(KEYWORDS)} keywords x ${fmtInt(HOURS)} hours = ${fmtInt(ROWS)} rows, ${fmtInt(STAT_ROWS_PER_REQUEST)} rows per request, ` +
        `concurrency ${CONCURRENCY} (BENCH_CONCURRENCY), API DB pool ${api.poolSize}, LOG_LEVEL=silent`,
    );
    console.log(
      'client:   node:http from this process (the API listens in it too), a fresh connection per request; bodies are serialized and UTF-8 encoded ' +
        'before the clock starts, responses parsed and checked after it stops',
    );
    if (CONCURRENCY > 1) console.log("note:     one advertiser's writes are serialized by an advisory lock; concurrency only overlaps one request's parsing and validation with another's SQL");

    const seedStart = performance.now();
    const account = await seedAccount(api.base, api.adminToken, KEYWORDS, 'ingest').catch((err: Error & { advertiserId?: string }) => {
      advertiserId = err.advertiserId;
      throw err;
    });
    advertiserId = account.advertiserId;
    console.log(`seed:     advertiser ${advertiserId} (clock external), 1 plan, ${account.unitIds.length} units, ${fmtInt(account.keywords.length)} keywords through the API in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

    const genStart = performance.now();
    const w = buildWorkload(account, csvPath);
    console.log(
      `rows:     ${w.bodies.length} request bodies, ${(w.bytes / 2 ** 20).toFixed(1)} MiB of JSON (${Math.round(w.bytes / ROWS)} bytes a row), ` +
        `built in ${((performance.now() - genStart) / 1000).toFixed(1)} s (not timed); hours from ${shanghaiIso(shanghaiMonthStart(3))}`,
    );

    // One small request first: it warms the code paths and the keyword lookups, and creates
    // any partition needed, so the first timed request does not pay for one-time setup.
    const warm = JSON.parse(w.bodies[0].toString()) as { rows: unknown[] };
    await postRaw(api.base, '/v1/stats/hourly', account.apiKey, Buffer.from(JSON.stringify({ rows: warm.rows.slice(0, 1000) })));
    await admin.query('DELETE FROM keyword_stats_hourly WHERE advertiser_id = $1', [advertiserId]);
    await admin.query('DELETE FROM keyword_stats_daily WHERE advertiser_id = $1', [advertiserId]);
    await admin.query('DELETE FROM plan_stats_hourly WHERE advertiser_id = $1', [advertiserId]);
    await admin.query('VACUUM ANALYZE keyword_stats_hourly, keyword_stats_daily, plan_stats_hourly');

    console.log('\n## API');
    await quiesce(admin);
    const insert = await sendAll(api, admin, account.apiKey, w);
    console.log(passLine('pass 1 (insert)', insert, w.bodies.length));
    await checkStored(admin, account, w, 'pass 1', !insert.aborted);

    // Vacuum between passes: the replace pass should meet the table as it would be in
    // production some time after the first load (hint bits set, statistics current).
    await admin.query('VACUUM ANALYZE keyword_stats_hourly, keyword_stats_daily, plan_stats_hourly');
    await quiesce(admin);
    const replace = await sendAll(api, admin, account.apiKey, w);
    console.log(passLine('pass 2 (replace)', replace, w.bodies.length));
    await checkStored(admin, account, w, 'pass 2', !insert.aborted);

    console.log('\n## COPY floor');
    let copySeconds: number | undefined;
    if (await psqlAvailable()) {
      // pg-copy-streams is not a dependency and the pg client cannot COPY FROM STDIN on its
      // own, so the floor is psql's \copy from a CSV file written before the clock starts.
      await admin.query(`CREATE TABLE ${copyTable} (LIKE keyword_stats_hourly INCLUDING ALL)`);
      await quiesce(admin);
      copySeconds = await runPsqlCopy(api.databaseUrl, copyTable, w.csvPath);
      const n = (await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${copyTable}`)).rows[0].n;
      if (Number(n) !== ROWS) throw new Error(`COPY loaded ${n} rows, expected ${ROWS}`);
      console.log(
        `psql \\copy (CSV, money in fen, ids resolved) into a plain table with the hourly table's columns, CHECKs and 3 indexes: ` +
          `${fmtInt(ROWS)} rows in ${copySeconds.toFixed(2)} s = ${fmtInt(ROWS / copySeconds)} rows/s (psql start-up included)`,
      );
    } else {
      console.log('psql not found: no COPY floor (install the PostgreSQL client to get one)');
    }

    console.log('\n## Result');
    const copyRps = copySeconds === undefined ? undefined : ROWS / copySeconds;
    const share = (r: PassResult) => (copyRps === undefined ? undefined : r.rowsPerSecond / copyRps);
    const abortedNote = (r: PassResult) => (r.aborted ? ` (ABORTED at ${PASS_BUDGET_S} s: ${r.requests} of ${w.bodies.length} requests done)` : '');
    const rpsOk = !insert.aborted && insert.rowsPerSecond >= GOAL_RPS;
    const shareOk = share(insert) === undefined ? undefined : !insert.aborted && share(insert)! >= GOAL_COPY_SHARE;
    console.log(`${rpsOk ? 'PASS' : 'MISS'}  API insert ${fmtInt(insert.rowsPerSecond)} rows/s${abortedNote(insert)} (goal >= ${fmtInt(GOAL_RPS)})`);
    if (shareOk !== undefined) console.log(`${shareOk ? 'PASS' : 'MISS'}  API insert / COPY = ${share(insert)!.toFixed(2)} (goal >= ${GOAL_COPY_SHARE.toFixed(2)})`);
    console.log(
      `info  API replace ${fmtInt(replace.rowsPerSecond)} rows/s${abortedNote(replace)}${share(replace) === undefined ? '' : `, ${share(replace)!.toFixed(2)} of COPY`}; ` +
        `replace/insert = ${(replace.rowsPerSecond / insert.rowsPerSecond).toFixed(2)}`,
    );

    console.log('\n## Summary (markdown)\n');
    console.log('| path | rows | concurrency | s | rows/s | share of COPY |');
    console.log('|---|---:|---:|---:|---:|---:|');
    const ratio = (r: PassResult) => (share(r) === undefined ? 'n/a' : share(r)!.toFixed(2));
    const rowsCell = (r: PassResult) => (r.aborted ? `${fmtInt(r.rows)} of ${fmtInt(ROWS)} (aborted at ${PASS_BUDGET_S} s)` : fmtInt(r.rows));
    console.log(`| API, first send (insert) | ${rowsCell(insert)} | ${CONCURRENCY} | ${insert.seconds.toFixed(2)} | ${fmtInt(insert.rowsPerSecond)} | ${ratio(insert)} |`);
    console.log(`| API, same rows again (replace) | ${rowsCell(replace)} | ${CONCURRENCY} | ${replace.seconds.toFixed(2)} | ${fmtInt(replace.rowsPerSecond)} | ${ratio(replace)} |`);
    if (copySeconds !== undefined) console.log(`| \`psql \\copy\` CSV into a scratch table (floor) | ${fmtInt(ROWS)} | 1 | ${copySeconds.toFixed(2)} | ${fmtInt(ROWS / copySeconds)} | 1.00 |`);
    console.log(
      `\n_${machineSummary()}; PostgreSQL ${pgVersion}. ${fmtInt(KEYWORDS)} keywords x ${fmtInt(HOURS)} hours in ${fmtInt(STAT_ROWS_PER_REQUEST)}-row requests; ` +
        `timed from the first request to the last response, bodies serialized beforehand. Goals: >= ${fmtInt(GOAL_RPS)} rows/s and >= ${GOAL_COPY_SHARE * 100}% of COPY._`,
    );
    const misses = [rpsOk, shareOk].filter((x) => x === false).length;
    const replaceNote = replace.aborted ? '; the replace pass did not finish within its budget' : '';
    console.log(`\nresult: ${misses ? `MISS on ${misses} goal${misses > 1 ? 's' : ''}` : 'PASS'}${replaceNote} (a miss is reported, not a failure)`);
  } finally {
    await settleApi(admin, api.apiAppName).catch(() => undefined);
    await admin.query(`DROP TABLE IF EXISTS ${copyTable}`).catch((err: Error) => console.error(`dropping ${copyTable} failed: ${err.message}`));
    rmSync(csvPath, { force: true });
    await api.app.close().catch((err: Error) => console.error(`closing the API failed: ${err.message}`));
    if (advertiserId) await deleteAccount(admin, advertiserId).catch((err: Error) => console.error(`cleanup failed: ${err.message}`));
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
