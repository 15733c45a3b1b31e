/**
 * `npm run demo`: starts the API and the worker, creates a demo advertiser with one plan of
 * each type (about 200 keywords, 3 creatives per unit) through the public API, prints the API
 * key and the /docs address, and keeps running until Ctrl-C.
 *
 *   npm run demo                 keep running
 *   npm run demo -- --exit       seed, print, stop (used by the demo's own test)
 *
 * PORT (default 3000) and ADMIN_TOKEN (default: a random one for this run) are honoured.
 */
import { type ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import { join } from 'path';

const args = process.argv.slice(2);
const exitAfterSeed = args.includes('--exit');
const port = Number(process.env.PORT ?? 3000);
const adminToken = process.env.ADMIN_TOKEN ?? `demo-${randomBytes(16).toString('hex')}`;
const base = `http://127.0.0.1:${port}`;
const distApps = join(__dirname, '..', 'apps');

function start(name: string, file: string): ChildProcess {
  const child = spawn(process.execPath, [file], {
    env: { ...process.env, PORT: String(port), ADMIN_TOKEN: adminToken, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
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
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${text}`);
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

interface PlanSpec {
  name: string;
  type: 'core_word' | 'long_tail' | 'test_product' | 'promo';
  dailyBudget: number;
  targetRoi: number;
  minBid: number;
  maxBid: number;
  promo?: unknown;
  units: { name: string; skuId: string; skuPrice: number; keywords: string[]; bid: number }[];
}

const MODIFIERS = ['女', '夏季', '新款', '2026', '大码', '显瘦', '纯棉', '碎花', '长款', '韩版', '高腰', '雪纺', '正品', '旗舰店', '包邮', '学生', '妈妈', '气质', '法式', '宽松', '小个子', '中长款', '过膝', '白色', '黑色'];

function keywordsFor(root: string, n: number): string[] {
  const out = [root];
  for (let i = 0; out.length < n; i++) {
    const a = MODIFIERS[i % MODIFIERS.length];
    const b = MODIFIERS[Math.floor(i / MODIFIERS.length) % MODIFIERS.length];
    const text = i < MODIFIERS.length ? `${root} ${a}` : `${b} ${root} ${a}`;
    if (!out.includes(text)) out.push(text);
  }
  return out;
}

function nextJune(): number {
  const now = new Date();
  return now.getUTCMonth() >= 5 ? now.getUTCFullYear() + 1 : now.getUTCFullYear();
}

function demoPlans(): PlanSpec[] {
  const y = nextJune();
  return [
    {
      name: '核心词计划 · 连衣裙',
      type: 'core_word',
      dailyBudget: 800,
      targetRoi: 3,
      minBid: 0.5,
      maxBid: 12,
      units: [
        { name: '碎花连衣裙 A款', skuId: '100012043978', skuPrice: 199, keywords: keywordsFor('连衣裙', 25), bid: 2.8 },
        { name: '雪纺连衣裙 B款', skuId: '100012043979', skuPrice: 259, keywords: keywordsFor('雪纺裙', 25), bid: 2.5 },
      ],
    },
    {
      name: '长尾词计划 · 连衣裙',
      type: 'long_tail',
      dailyBudget: 300,
      targetRoi: 4,
      minBid: 0.3,
      maxBid: 3,
      units: [
        { name: '碎花连衣裙 A款 长尾', skuId: '100012043978', skuPrice: 199, keywords: keywordsFor('碎花连衣裙 法式 收腰', 50), bid: 0.6 },
        { name: '雪纺连衣裙 B款 长尾', skuId: '100012043979', skuPrice: 259, keywords: keywordsFor('雪纺连衣裙 仙女 超仙', 50), bid: 0.55 },
      ],
    },
    {
      name: '测款计划 · 秋季新品',
      type: 'test_product',
      dailyBudget: 150,
      targetRoi: 2,
      minBid: 0.3,
      maxBid: 5,
      units: [
        { name: '新品 针织开衫', skuId: '100055500001', skuPrice: 169, keywords: keywordsFor('针织开衫', 10), bid: 1.2 },
        { name: '新品 风衣', skuId: '100055500002', skuPrice: 399, keywords: keywordsFor('风衣', 10), bid: 1.5 },
        { name: '新品 卫衣', skuId: '100055500003', skuPrice: 129, keywords: keywordsFor('卫衣', 10), bid: 1.0 },
      ],
    },
    {
      name: `活动计划 · ${y} 618`,
      type: 'promo',
      dailyBudget: 500,
      targetRoi: 5,
      minBid: 0.5,
      maxBid: 15,
      promo: {
        totalBudget: 30000,
        phases: [
          { name: 'preheat', startDate: `${y}-05-20`, endDate: `${y}-05-31` },
          { name: 'main', startDate: `${y}-06-01`, endDate: `${y}-06-18` },
          { name: 'tail', startDate: `${y}-06-19`, endDate: `${y}-06-20` },
        ],
      },
      units: [{ name: '618 爆款 连衣裙', skuId: '100012043978', skuPrice: 179, keywords: keywordsFor('618 连衣裙', 20), bid: 3 }],
    },
  ];
}

const CREATIVES = [
  { title: '夏季新款 显瘦碎花连衣裙', imageUrl: 'https://img.example.com/demo/a-800x800.jpg' },
  { title: '限时直降 法式气质连衣裙', imageUrl: 'https://img.example.com/demo/b-800x800.jpg' },
  { title: '旗舰店正品 纯棉宽松款', imageUrl: 'https://img.example.com/demo/c-800x800.jpg' },
];

async function seed(): Promise<{ apiKey: string; keywords: number; plans: { name: string; type: string; units: number }[] }> {
  const advertiser = await call<{ id: string; apiKey: string }>('POST', '/v1/advertisers', adminToken, { name: `演示店铺 ${new Date().toISOString().slice(0, 16)}` });
  const key = advertiser.apiKey;
  let keywords = 0;
  const plans = [];
  for (const spec of demoPlans()) {
    const { units, ...planBody } = spec;
    const plan = await call<{ id: string }>('POST', '/v1/plans', key, planBody);
    for (const u of units) {
      const unit = await call<{ id: string }>('POST', `/v1/plans/${plan.id}/units`, key, { name: u.name, skuId: u.skuId, skuPrice: u.skuPrice });
      const res = await call<{ results: { ok: boolean }[] }>('POST', `/v1/units/${unit.id}/keywords?atomic=true`, key, {
        items: u.keywords.map((text, i) => ({ text, matchType: i === 0 ? 'exact' : i % 3 === 0 ? 'broad' : 'phrase', bid: u.bid })),
      });
      keywords += res.results.length;
      for (const c of CREATIVES) await call('POST', `/v1/units/${unit.id}/creatives`, key, c);
    }
    plans.push({ name: spec.name, type: spec.type, units: units.length });
  }
  return { apiKey: key, keywords, plans };
}

async function main(): Promise<void> {
  children.push(start('api', join(distApps, 'api', 'src', 'main.js')));
  children.push(start('worker', join(distApps, 'worker', 'src', 'main.js')));
  await waitHealthy();
  const result = await seed();
  console.log('');
  console.log('Kuaiche Pilot demo is running');
  for (const p of result.plans) console.log(`  plan  ${p.type.padEnd(12)} ${p.name} (${p.units} units)`);
  console.log(`  ${result.keywords} keywords, ${CREATIVES.length} creatives per unit`);
  console.log('');
  console.log(`  API key:  ${result.apiKey}`);
  console.log(`  API docs: ${base}/docs`);
  console.log(`  Try:      curl -H "Authorization: Bearer ${result.apiKey}" ${base}/v1/plans`);
  console.log('');
  if (exitAfterSeed) shutdown(0);
  else console.log('Ctrl-C to stop.');
}

main().catch((err) => {
  console.error(`[demo] ${err instanceof Error ? err.message : err}`);
  shutdown(1);
});
