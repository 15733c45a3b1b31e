/**
 * `npm run demo`: the whole loop on a sandbox market. Starts the API and the worker, creates a
 * demo advertiser (sandbox, external clock) with four plans (core-word, long-tail, test-product
 * with 3 new SKUs, promo with a 618-style calendar) through the public API, runs the warm-up week
 * at the seller's bids, then drives the simulated days hour by hour through the API, the queue and
 * the worker (explicit asOf: minutes, not days), prints a table per plan beside the same market
 * with fixed bids and with the practitioner's rule, and writes demo-report/index.html.
 *
 *   npm run demo                                   14 days, seed 7, about 1,000 keywords
 *   npm run demo -- --days 28 --seed 7 --keywords 5000
 *   npm run demo -- --serve                        keep the API running afterwards (Ctrl-C)
 *
 * PORT (default 3000), ADMIN_TOKEN (default: random for this run) and DEMO_REPORT_DIR (default
 * demo-report) are honoured.
 */
import { type ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import { join, resolve } from 'path';
import { API_NODE_FLAGS, WORKER_NODE_FLAGS } from '../libs/domain/src/config/node-flags';
import { drive } from './demo/drive';
import { WebhookReceiver } from './demo/receiver';
import { printTable, tableRows, writeReport, type ReportExtras } from './demo/report';
import { buildWorld } from './demo/world';

const args = process.argv.slice(2);
function flag(name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v <= 0) {
    console.error(`[demo] --${name} needs a positive whole number, got ${args[i + 1]}`);
    process.exit(2);
  }
  return v;
}
const days = flag('days', 14);
const seedArg = flag('seed', 7);
const keywordCount = flag('keywords', 1000);
const serve = args.includes('--serve');
const port = Number(process.env.PORT ?? 3000);
const adminToken = process.env.ADMIN_TOKEN ?? `demo-${randomBytes(16).toString('hex')}`;
const base = `http://127.0.0.1:${port}`;
const distApps = join(__dirname, '..', 'apps');
const reportDir = resolve(process.env.DEMO_REPORT_DIR ?? 'demo-report');

function start(name: string, file: string, nodeFlags: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeFlags, file], {
    // The demo's webhook receiver listens on 127.0.0.1, which the SSRF guard refuses unless allowed.
    env: { ...process.env, PORT: String(port), ADMIN_TOKEN: adminToken, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', WEBHOOK_ALLOW_PRIVATE: 'true' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[demo] ${name} exited (${signal ?? code})`);
      shutdown(1);
    }
  });
  return child;
}

let stopping = false;
const children: ChildProcess[] = [];
function shutdown(code = 0): void {
  if (stopping) return;
  stopping = true;
  let alive = children.filter((c) => c.exitCode === null && c.signalCode === null).length;
  if (alive === 0) process.exit(code);
  for (const c of children) {
    c.once('exit', () => {
      alive -= 1;
      if (alive === 0) process.exit(code);
    });
    c.kill('SIGTERM');
  }
  setTimeout(() => process.exit(code), 15_000).unref();
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

async function call<T>(method: string, path: string, token: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function waitHealthy(): Promise<void> {
  for (let i = 0; i < 150; i++) {
    try {
      const res = await fetch(`${base}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the API did not become healthy at ${base}`);
}

async function main(): Promise<void> {
  children.push(start('api', join(distApps, 'api', 'src', 'main.js'), [...API_NODE_FLAGS]));
  children.push(start('worker', join(distApps, 'worker', 'src', 'main.js'), [...WORKER_NODE_FLAGS]));
  await waitHealthy();
  const world = buildWorld({ seed: seedArg, days, keywords: keywordCount });
  const total = world.plans.reduce((s, p) => s + p.scenario.keywords.length, 0);
  const advertiser = await call<{ id: string; apiKey: string }>('POST', '/v1/advertisers', adminToken, {
    name: `演示店铺 seed ${seedArg}`, timezone: 'Asia/Shanghai', clock: 'external', platform: 'sandbox',
  });
  const key = advertiser.apiKey;
  console.log(`Kuaiche Pilot demo: ${days} simulated days from ${world.startDate} (after a ${world.warmupDays}-day warm-up at the seller's bids), ${total} keywords, seed ${seedArg}`);
  console.log(`  API key:  ${key}`);
  console.log(`  API docs: ${base}/docs`);
  const api = { call: <T>(method: string, path: string, body?: unknown) => call<T>(method, path, key, body) };
  const receiver = new WebhookReceiver();
  const hook = await api.call<{ id: string; secret: string }>('POST', '/v1/webhook-endpoints', { url: await receiver.start(), eventTypes: ['*'] });
  receiver.useSecret(hook.secret);
  console.log(`  webhooks: ${hook.id} -> the demo's receiver, which verifies each signature`);
  const result = await drive(api, world, {
    afterHour: async (asOf) => {
      if (!process.stdout.isTTY && asOf.endsWith('T15:00:00.000Z')) console.log(`  day ${asOf.slice(0, 10)} done`);
    },
  });
  const alerts: { hour: string; planId: string | null; type: string; severity: string; message: string }[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: typeof alerts; nextCursor: string | null } = await api.call('GET', `/v1/alerts?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
    alerts.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  alerts.sort((a, b) => Date.parse(a.hour) - Date.parse(b.hour));
  // Deliveries run on their own queue: give the last ones a moment to arrive.
  const deadline = Date.now() + 20_000;
  while (receiver.verified.length < alerts.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  await receiver.close();
  const planName = new Map(result.plans.map((p) => [p.planId, p.name]));
  const extras: ReportExtras = {
    experiments: result.experiments.map((e) => ({
      plan: e.plan, unit: e.unit, hours: result.hours,
      series: e.creativeTitles.map((t, c) => ({ label: `${t} (true CTR x${e.ctr[c]})`, weights: e.history.map((w) => w[c]) })),
      winner: e.winnerId ? e.creativeTitles[e.creativeIds.indexOf(e.winnerId)] ?? e.winnerId : null,
    })),
    alerts: alerts.map((a) => ({ hour: a.hour, plan: a.planId ? planName.get(a.planId) ?? '' : '', type: a.type, severity: a.severity, message: a.message })),
    webhooksVerified: receiver.verified.length,
    verdicts: [],
  };
  for (const p of result.plans) {
    const last = [...p.runs].reverse().find((r) => Array.isArray(r.verdicts) && (r.verdicts as unknown[]).length);
    for (const v of (last?.verdicts as { unitId: string; verdict: string }[] | undefined) ?? []) {
      extras.verdicts.push({ plan: p.name, unit: v.unitId, verdict: v.verdict });
    }
  }
  console.log('');
  console.log(printTable(tableRows(result, extras)));
  const path = writeReport(reportDir, result, extras, { seed: seedArg, days, keywords: total });
  const over = result.ours.reduce((s, o) => s + o.overBudgetDays, 0);
  console.log('');
  console.log(`  plan-days over budget: ${over}; simulated ${days * 24} hours in ${result.seconds.toFixed(0)} s`);
  const decided = result.experiments.filter((e) => e.winnerId);
  const right = decided.filter((e) => e.ctr[e.creativeIds.indexOf(e.winnerId!)] === Math.max(...e.ctr));
  console.log(`  creative tests: ${result.experiments.length} running, ${decided.length} decided (${right.length} on the truly best creative)`);
  const kinds = [...new Set(receiver.verified.map((e) => e.type))].sort();
  console.log(`  alerts: ${alerts.length} raised; webhooks verified by the receiver: ${receiver.verified.length} (${kinds.join(', ') || 'none'}), rejected: ${receiver.rejected}`);
  console.log(`  report: ${path}`);
  if (serve) console.log(`  serving ${base} until Ctrl-C`);
  else shutdown(0);
}

main().catch((err) => {
  console.error(`[demo] ${err instanceof Error ? err.stack ?? err.message : err}`);
  shutdown(1);
});
