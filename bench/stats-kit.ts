/**
 * Shared by bench/ingest.bench.ts and bench/report.bench.ts: starting the real API in-process,
 * seeding an advertiser's keywords through the public API, generating realistic hourly rows,
 * and removing everything the run wrote.
 *
 * Nothing here imports the app's modules statically: the benches must set ADMIN_TOKEN and
 * LOG_LEVEL before `env()` is first read and cached, so the app is loaded by `startApi`.
 */
import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'crypto';
import { request as httpRequest } from 'http';
import type { AddressInfo } from 'net';
import { cpus, totalmem } from 'os';
import type { Client } from 'pg';
import { HOUR_MS } from '../libs/domain/src/time';
import { machineLine } from './bench-machine';

export const KEYWORDS_PER_UNIT = 200;
/** The API's bulk ceilings: POST /v1/keywords takes 10,000 items, POST /v1/stats/hourly 50,000 rows. */
export const KEYWORD_BULK = 10_000;
export const STAT_ROWS_PER_REQUEST = 50_000;
export { HOUR_MS };
/** Asia/Shanghai has no DST, so a fixed offset formats every hour the way a JD report does. */
export const TIMEZONE = 'Asia/Shanghai';
const OFFSET_MS = 8 * HOUR_MS;

export function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`${name} must be a positive integer (got ${JSON.stringify(raw)})`);
  return Number(raw);
}

export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const fmtMs = (n: number): string => (n >= 10 ? Math.round(n).toString() : n.toFixed(1));

/** Nearest-rank percentile of an unsorted sample. */
export function percentile(sample: number[], p: number): number {
  const s = [...sample].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export interface HttpResult<T> {
  status: number;
  text: string;
  json: T;
}

export async function http<T>(base: string, method: string, path: string, token: string, body?: unknown): Promise<HttpResult<T>> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
  return { status: res.status, text, json: JSON.parse(text) as T };
}

/**
 * POSTs an already serialized body, so the caller can keep serialization out of its timing.
 * A fresh connection each time (node:http, no agent): the bench pauses between passes longer
 * than the server's 5 s keep-alive, and a pooled socket the server has just closed makes a
 * 7 MB POST fail with "fetch failed". One TCP handshake on loopback is noise next to a
 * 50,000-row request.
 */
export function postRaw(base: string, path: string, token: string, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      base + path,
      { method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) reject(new Error(`POST ${path} answered ${res.statusCode}: ${text.slice(0, 500)}`));
          else resolve(text);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface RunningApi {
  app: INestApplication;
  base: string;
  adminToken: string;
  /** DATABASE_URL as configured, for the bench's own connections and psql. */
  databaseUrl: string;
  /** The application_name of the in-process API's pool connections, and only theirs. */
  apiAppName: string;
  poolSize: number;
}

export async function startApi(): Promise<RunningApi> {
  // Before the app's modules load: env() is read once and cached, and AppModule reads
  // LOG_LEVEL when it is imported. Silent, or 50,000-row requests would be logged.
  process.env.ADMIN_TOKEN ||= `bench-admin-${randomBytes(16).toString('hex')}`;
  process.env.LOG_LEVEL = 'silent';
  const adminToken = process.env.ADMIN_TOKEN;
  const { loadEnv, resetEnvCache } = await import('@kuaiche/domain');
  const databaseUrl = loadEnv().DATABASE_URL;
  // Other engineers' APIs and tests share this server under the app's application_name; a
  // name of our own (pg lets the URL's application_name win over the pool's) lets the bench
  // wait for, or cancel, exactly the statements of the API it started.
  const apiAppName = `kuaiche-pilot-bench-api-${process.pid}`;
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', apiAppName);
  process.env.DATABASE_URL = url.toString();
  resetEnvCache();
  const { env } = await import('@kuaiche/domain');
  const { createApiApp } = await import('../apps/api/src/bootstrap');
  const config = env();
  const app = await createApiApp();
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  return { app, base, adminToken, databaseUrl, apiAppName, poolSize: config.DB_POOL_SIZE };
}

/** Number of statements the in-process API has running right now. */
export async function apiActiveStatements(admin: Client, apiAppName: string): Promise<number> {
  const r = await admin.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND state <> 'idle' AND pid <> pg_backend_pid()`,
    [apiAppName],
  );
  return Number(r.rows[0].n);
}

/** Cancels whatever the in-process API is running (a request over its time budget). */
export async function cancelApiStatements(admin: Client, apiAppName: string): Promise<number> {
  // pg_cancel_backend sits in the select list, never in WHERE: the planner may evaluate a WHERE
  // function before the application_name filter, which would cancel every backend on the server.
  const r = await admin.query<{ pid: number; cancelled: boolean }>(
    `SELECT pid, pg_cancel_backend(pid) AS cancelled FROM pg_stat_activity
     WHERE application_name = $1 AND state = 'active' AND pid <> pg_backend_pid()`,
    [apiAppName],
  );
  return r.rows.filter((x) => x.cancelled).length;
}

/** Waits (up to a minute) until the in-process API has no statement or transaction open. */
export async function settleApi(admin: Client, apiAppName: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  // Three quiet polls in a row: a request between two statements shows as idle for a moment.
  for (let quiet = 0; quiet < 3 && Date.now() < deadline; ) {
    quiet = (await apiActiveStatements(admin, apiAppName)) === 0 ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Machine and software, printed first so the figures are never read without them. */
export async function printMachine(admin: Client, databaseUrl: string): Promise<{ pgVersion: string }> {
  const pgVersion = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version.split(' ')[0];
  const settings = await admin.query<{ name: string; value: string }>(
    `SELECT name, current_setting(name) AS value FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'synchronous_commit', 'jit', 'max_wal_size') ORDER BY name`,
  );
  console.log(machineLine());
  console.log(`database: PostgreSQL ${pgVersion} at ${new URL(databaseUrl).host}; ${settings.rows.map((s) => `${s.name}=${s.value}`).join(', ')}`);
  return { pgVersion };
}

/** The same facts as machineLine(), short enough for a table caption. */
export function machineSummary(): string {
  return `${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; Node ${process.version}`;
}

export interface SeededKeyword {
  id: string;
  planId: string;
  unitId: string;
}

export interface SeededAccount {
  advertiserId: string;
  apiKey: string;
  planId: string;
  unitIds: string[];
  keywords: SeededKeyword[];
}

/**
 * One advertiser on the external clock (row hours are not bounded by the wall clock), one
 * plan, `keywordCount / 200` units of 200 keywords, all created through the public API.
 */
export async function seedAccount(base: string, adminToken: string, keywordCount: number, label: string): Promise<SeededAccount> {
  const stamp = new Date().toISOString();
  const created = await http<{ id: string; apiKey: string }>(base, 'POST', '/v1/advertisers', adminToken, {
    name: `bench ${label} ${stamp}`,
    timezone: TIMEZONE,
    clock: 'external',
  });
  const advertiserId = created.json.id;
  const key = created.json.apiKey;
  try {
    const plan = await http<{ id: string }>(base, 'POST', '/v1/plans', key, { name: `bench ${label} ${stamp}`, type: 'core_word', dailyBudget: 5000, targetRoi: 3 });
    const unitCount = Math.ceil(keywordCount / KEYWORDS_PER_UNIT);
    const unitIds: string[] = [];
    for (let u = 0; u < unitCount; u++) {
      const unit = await http<{ id: string }>(base, 'POST', `/v1/plans/${plan.json.id}/units`, key, { name: `bench unit ${u}`, skuId: `10001204${String(u).padStart(4, '0')}`, skuPrice: 199 });
      unitIds.push(unit.json.id);
    }
    // POST /v1/keywords with a unitId per item: 10,000 keywords across 50 units in one request.
    const items = Array.from({ length: keywordCount }, (_, i) => ({
      unitId: unitIds[Math.floor(i / KEYWORDS_PER_UNIT)],
      text: `bench kw ${Math.floor(i / KEYWORDS_PER_UNIT)}-${i % KEYWORDS_PER_UNIT}`,
      matchType: 'exact',
      bid: 1.5,
    }));
    const keywords: SeededKeyword[] = [];
    for (let i = 0; i < items.length; i += KEYWORD_BULK) {
      const chunk = items.slice(i, i + KEYWORD_BULK);
      const made = await http<{ results: { ok: boolean; id?: string }[] }>(base, 'POST', '/v1/keywords', key, { items: chunk });
      if (made.json.results.length !== chunk.length || made.json.results.some((r) => !r.ok)) throw new Error(`keyword seeding failed: ${made.text.slice(0, 500)}`);
      made.json.results.forEach((r, j) => keywords.push({ id: r.id!, planId: plan.json.id, unitId: chunk[j].unitId }));
    }
    return { advertiserId, apiKey: key, planId: plan.json.id, unitIds, keywords };
  } catch (err) {
    (err as Error & { advertiserId?: string }).advertiserId = advertiserId;
    throw err;
  }
}

/**
 * The stats tables have no foreign key to advertisers (the hourly table is partitioned and
 * written in bulk), so deleting the advertiser would leave its facts behind: delete them first.
 */
export async function deleteAccount(admin: Client, advertiserId: string): Promise<void> {
  for (const table of ['keyword_stats_hourly', 'keyword_stats_daily', 'plan_stats_hourly']) {
    await admin.query(`DELETE FROM ${table} WHERE advertiser_id = $1`, [advertiserId]);
  }
  // ON DELETE CASCADE takes the plan, units and keywords with the advertiser.
  await admin.query('DELETE FROM advertisers WHERE id = $1', [advertiserId]);
}

/** An hour as a JD report prints it: ISO 8601 with the +08:00 offset. */
export function shanghaiIso(ms: number): string {
  return `${new Date(ms + OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

/** Midnight Asia/Shanghai on the 1st of the month `monthsBack` months before now (inside the partitions the migration made). */
export function shanghaiMonthStart(monthsBack: number): number {
  const local = new Date(Date.now() + OFFSET_MS);
  return Date.UTC(local.getUTCFullYear(), local.getUTCMonth() - monthsBack, 1) - OFFSET_MS;
}

/** mulberry32: deterministic, so every run sends the same rows. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface StatValues {
  impressions: number;
  clicks: number;
  costFen: number;
  orders: number;
  gmvFen: number;
}

/**
 * One keyword-hour as the platform reports it: impressions long-tailed (most keywords see a few
 * dozen, a few see thousands; some hours none), CTR 0.5-5%, CPC 0.30-4.00 CNY, CVR ~3%, order
 * value 39-599 CNY. Money is generated in fen, so cost and gmv carry at most 2 decimals.
 */
export function statValues(next: () => number): StatValues {
  const impressions = Math.floor(Math.exp(next() * Math.log(3000))) - 1;
  const clicks = Math.min(impressions, Math.floor(impressions * (0.005 + next() * 0.045) + next()));
  const costFen = clicks * (30 + Math.floor(next() * 371));
  let orders = 0;
  for (let c = 0; c < clicks; c++) if (next() < 0.03) orders++;
  const gmvFen = orders * (3900 + Math.floor(next() * 56_000));
  return { impressions, clicks, costFen, orders, gmvFen };
}

export function addValues(into: StatValues, v: StatValues): void {
  into.impressions += v.impressions;
  into.clicks += v.clicks;
  into.costFen += v.costFen;
  into.orders += v.orders;
  into.gmvFen += v.gmvFen;
}

export const zeroValues = (): StatValues => ({ impressions: 0, clicks: 0, costFen: 0, orders: 0, gmvFen: 0 });

/** The JSON row POST /v1/stats/hourly takes (money in CNY). */
export function apiRow(keywordId: string, hourIso: string, v: StatValues): Record<string, string | number> {
  return { keywordId, hour: hourIso, impressions: v.impressions, clicks: v.clicks, cost: v.costFen / 100, orders: v.orders, gmv: v.gmvFen / 100 };
}

/**
 * Sums of the advertiser's hourly facts and of both rollups. Ingestion keeps the three equal;
 * a bench that reports a speed without checking this could be timing a broken write.
 */
export async function storedSums(admin: Client, advertiserId: string): Promise<{ hourlyRows: number; dailyRows: number; hourly: StatValues; daily: StatValues; planHourly: StatValues }> {
  const q = (table: string) =>
    admin.query<{ n: string; impressions: string; clicks: string; cost_fen: string; orders: string; gmv_fen: string }>(
      `SELECT count(*) AS n, coalesce(sum(impressions), 0) AS impressions, coalesce(sum(clicks), 0) AS clicks, coalesce(sum(cost_fen), 0) AS cost_fen,
              coalesce(sum(orders), 0) AS orders, coalesce(sum(gmv_fen), 0) AS gmv_fen
       FROM ${table} WHERE advertiser_id = $1`,
      [advertiserId],
    );
  // One after another: a pg Client runs one query at a time.
  const h = await q('keyword_stats_hourly');
  const d = await q('keyword_stats_daily');
  const p = await q('plan_stats_hourly');
  const values = (r: { impressions: string; clicks: string; cost_fen: string; orders: string; gmv_fen: string }): StatValues => ({
    impressions: Number(r.impressions),
    clicks: Number(r.clicks),
    costFen: Number(r.cost_fen),
    orders: Number(r.orders),
    gmvFen: Number(r.gmv_fen),
  });
  return { hourlyRows: Number(h.rows[0].n), dailyRows: Number(d.rows[0].n), hourly: values(h.rows[0]), daily: values(d.rows[0]), planHourly: values(p.rows[0]) };
}

export const sameValues = (a: StatValues, b: StatValues): boolean =>
  a.impressions === b.impressions && a.clicks === b.clicks && a.costFen === b.costFen && a.orders === b.orders && a.gmvFen === b.gmvFen;
