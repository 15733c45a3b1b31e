/**
 * `npm run bench:import`: streams a ~100 MB Kuaiche keyword report (CSV, Chinese headers)
 * through `POST /v1/stats/import` into a real API process and prints lines/s and the API
 * process's peak resident memory before and after, which shows the file is streamed in
 * batches rather than held whole.
 *
 * BENCH_IMPORT_MB (default 100) sets the file size.
 */
import { type ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import { createReadStream, createWriteStream, readFileSync, statSync, unlinkSync } from 'fs';
import { request } from 'http';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { machineLine } from './bench-machine';

const TARGET_MB = Number(process.env.BENCH_IMPORT_MB ?? 100);
const HEAP_MB = Math.max(64, Math.round(TARGET_MB));
const UNITS = 10;
const PER_UNIT = 200;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Peak and current resident set of a process, from /proc (Linux), in MiB. */
function memory(pid: number): { peak: number; now: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { peak: kb('VmHWM') / 1024, now: kb('VmRSS') / 1024 };
}

async function call<T>(base: string, method: string, path: string, token: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

async function main(): Promise<void> {
  console.log('# Kuaiche Pilot report import benchmark');
  console.log(machineLine());
  const port = await freePort();
  const admin = `bench-${randomBytes(12).toString('hex')}`;
  const api: ChildProcess = spawn(process.execPath, [join(__dirname, '..', 'apps', 'api', 'src', 'main.js')], {
    // A V8 heap smaller than the file as a string (2 bytes a character): the import only
    // succeeds if the server streams it.
    env: { ...process.env, PORT: String(port), ADMIN_TOKEN: admin, LOG_LEVEL: 'warn', NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const file = join(tmpdir(), `kuaiche-import-bench-${process.pid}.csv`);
  let advertiserId: string | undefined;
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/health`)).ok) break;
      } catch {
        // not yet listening
      }
      if (i > 150) throw new Error('API did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
    const adv = await call<{ id: string; apiKey: string }>(base, 'POST', '/v1/advertisers', admin, { name: 'import bench', clock: 'external' });
    advertiserId = adv.id;
    const plan = await call<{ id: string; name: string }>(base, 'POST', '/v1/plans', adv.apiKey, { name: '导入测试计划', type: 'core_word', dailyBudget: 500, targetRoi: 3 });
    const keywords: [string, string][] = [];
    for (let u = 0; u < UNITS; u++) {
      const unit = await call<{ id: string; name: string }>(base, 'POST', `/v1/plans/${plan.id}/units`, adv.apiKey, { name: `单元 ${u}`, skuId: `1000${u}`, skuPrice: 199 });
      const items = Array.from({ length: PER_UNIT }, (_, k) => ({ text: `连衣裙 关键词 ${u}-${k}`, matchType: 'exact', bid: 1.5 }));
      await call(base, 'POST', `/v1/units/${unit.id}/keywords`, adv.apiKey, { items });
      for (const it of items) keywords.push([unit.name, it.text]);
    }

    const writeFile = async (mb: number): Promise<{ size: number; lines: number }> => {
      const out = createWriteStream(file);
      out.write('日期,小时,计划名称,单元名称,关键词,展现数,点击数,点击率,总花费,平均点击花费,总订单行,总订单金额,转化率,投产比\n');
      let bytes = 0;
      let lines = 0;
      const start = Date.UTC(2026, 0, 1);
      for (let h = 0; bytes < mb * 1024 * 1024; h++) {
        const t = new Date(start + h * 3_600_000);
        const date = t.toISOString().slice(0, 10);
        let chunk = '';
        for (const [i, [unit, text]] of keywords.entries()) {
          const imp = 100 + ((i * 7 + h * 13) % 900);
          const clicks = imp % 37;
          const orders = clicks % 3;
          chunk += `${date},${t.getUTCHours()},导入测试计划,${unit},${text},"${imp.toLocaleString('en-US')}",${clicks},0%,${(clicks * 1.37).toFixed(2)},0,${orders},${(orders * 189.5).toFixed(2)},0%,0\n`;
          lines += 1;
        }
        bytes += Buffer.byteLength(chunk);
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
      await new Promise<void>((r) => out.end(() => r()));
      return { size: statSync(file).size, lines };
    };

    const importFile = async (size: number, lines: number): Promise<number> => {
      const t0 = process.hrtime.bigint();
      const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(`${base}/v1/stats/import`, { method: 'POST', headers: { Authorization: `Bearer ${adv.apiKey}`, 'Content-Type': 'text/csv', 'Content-Length': size } }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        createReadStream(file).pipe(req);
      });
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (result.status !== 200) throw new Error(`import answered ${result.status}: ${result.body.slice(0, 500)}`);
      const parsed = JSON.parse(result.body) as { rowsApplied: number };
      if (parsed.rowsApplied !== lines) throw new Error(`applied ${parsed.rowsApplied} of ${lines} lines`);
      return seconds;
    };

    // A tenth of the file, then the whole file, both into a server whose heap is smaller than
    // the whole file held as a string would be.
    const baseline = memory(api.pid!);
    console.log(`api RSS at start: ${baseline.now.toFixed(0)} MiB`);
    const rows: string[] = [];
    for (const mb of [TARGET_MB / 10, TARGET_MB]) {
      const { size, lines } = await writeFile(mb);
      const seconds = await importFile(size, lines);
      const peak = memory(api.pid!).peak - baseline.peak;
      const sizeMb = size / 1024 / 1024;
      console.log(`import ${sizeMb.toFixed(0).padStart(4)} MiB: ${lines.toLocaleString('en-US')} lines in ${seconds.toFixed(1)} s = ${Math.round(lines / seconds).toLocaleString('en-US')} lines/s (one transaction); API peak RSS ${peak.toFixed(0)} MiB above start`);
      rows.push(`| ${sizeMb.toFixed(0)} MiB | ${lines.toLocaleString('en-US')} | ${seconds.toFixed(1)} | ${Math.round(lines / seconds).toLocaleString('en-US')} | ${peak.toFixed(0)} MiB |`);
    }
    console.log(`PASS  streamed: the API imported the whole file with a ${HEAP_MB} MiB V8 heap (the file as a string alone would take ${Math.round(TARGET_MB * 2)} MiB)`);
    console.log('');
    console.log('| file | lines | seconds | lines/s | API peak RSS above start |');
    console.log('|---:|---:|---:|---:|---:|');
    for (const r of rows) console.log(r);
  } finally {
    try {
      unlinkSync(file);
    } catch {
      // never written
    }
    if (advertiserId) {
      const { Client } = await import('pg');
      const db = new Client({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/kuaiche' });
      await db.connect();
      for (const t of ['keyword_stats_hourly', 'keyword_stats_daily', 'plan_stats_hourly']) await db.query(`DELETE FROM ${t} WHERE advertiser_id = $1`, [advertiserId]);
      await db.query('DELETE FROM advertisers WHERE id = $1', [advertiserId]);
      await db.end();
    }
    api.kill('SIGTERM');
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
