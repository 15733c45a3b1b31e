import { execSync, spawn } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'fs';
import { createServer } from 'net';
import { join } from 'path';
import { dayBudgetFen } from '@kuaiche/bidding';
import { Client } from 'pg';

const DEMO = join(process.cwd(), 'dist', 'scripts', 'demo.js');
const OUT = join(process.cwd(), 'test-output');
const REPORT_DIR = join(OUT, `demo-report-${process.pid}`);
const CHROMIUM = '/usr/bin/chromium';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * Debian's Chromium for the browser check (and a CJK font, so the screenshot shows the plans'
 * Chinese names), installed on first use: the machine can apt-get.
 */
function ensureChromium(): void {
  const fonts = '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc';
  if (existsSync(CHROMIUM) && existsSync(fonts)) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const pkgs = 'chromium fonts-wqy-zenhei';
  try {
    execSync(`apt-get install -y ${pkgs}`, { stdio: 'ignore', env, timeout: 300_000 });
  } catch {
    execSync(`apt-get update && apt-get install -y ${pkgs}`, { stdio: 'ignore', env, timeout: 600_000 });
  }
}

describe('npm run demo (2 simulated days, 100 keywords)', () => {
  let out = '';
  let code: number | null = null;
  let db: Client;

  beforeAll(async () => {
    if (!existsSync(DEMO)) throw new Error(`${DEMO} is missing: run \`npm run build\` first (npm test does)`);
    rmSync(REPORT_DIR, { recursive: true, force: true });
    const port = await freePort();
    const child = spawn(process.execPath, [DEMO, '--days', '2', '--keywords', '100', '--seed', '7'], {
      env: { ...process.env, PORT: String(port), NODE_OPTIONS: '', LOG_LEVEL: 'warn', DEMO_REPORT_DIR: REPORT_DIR },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
  }, 300_000);
  afterAll(async () => {
    await db?.end();
  });

  async function account() {
    const key = /API key:\s+(kp_\S+)/.exec(out)?.[1];
    expect(key).toBeDefined();
    const [adv] = (await db.query(`SELECT id FROM advertisers WHERE api_key_hash = $1`, [createHash('sha256').update(key!).digest()])).rows;
    const plans = (await db.query(`SELECT id, type, bid_strategy FROM plans WHERE advertiser_id = $1 ORDER BY type`, [adv.id])).rows as { id: string; type: string; bid_strategy: string }[];
    return { advertiserId: adv.id as string, plans };
  }

  it('runs to the end and prints a table per plan beside fixed bids and the rule', async () => {
    expect({ code, tail: out.slice(-2000) }).toMatchObject({ code: 0 });
    for (const name of ['核心词计划', '长尾词计划', '测款计划', '活动计划']) expect(out).toMatch(new RegExp(`\\| ${name}[^|]*\\|( [\\d,]+ \\|){2}`));
    expect(out).toContain('fixed bids: GMV');
    expect(out).toContain('plan-days over budget: 0');
  });

  it("delivered budget or ROI alerts by webhook to the demo's receiver, which verified every signature", async () => {
    const m = /alerts: (\d+) raised; webhooks verified by the receiver: (\d+) \(([^)]*)\), rejected: (\d+)/.exec(out);
    expect(m).not.toBeNull();
    const [, raised, verified, kinds, rejected] = m!;
    expect(Number(verified)).toBeGreaterThan(0);
    expect(Number(verified)).toBe(Number(raised));
    expect(Number(rejected)).toBe(0);
    expect(kinds.split(', ').some((k) => k === 'budget.depleting' || k === 'roi.below_target')).toBe(true);
    const { advertiserId } = await account();
    const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE advertiser_id = $1 AND status = 'succeeded'`, [advertiserId])).rows;
    expect(n).toBe(Number(verified));
  });

  it('changed bids every hour in the target-ROI plans, and never let a plan spend over its budget', async () => {
    const { advertiserId, plans } = await account();
    expect(plans.map((p) => p.type)).toEqual(['core_word', 'long_tail', 'promo', 'test_product']);
    for (const p of plans.filter((x) => x.type !== 'test_product')) {
      const runs = (await db.query(`SELECT as_of, status, keywords_changed FROM optimization_runs WHERE plan_id = $1 ORDER BY as_of`, [p.id])).rows;
      expect(runs).toHaveLength(48);
      expect(runs.filter((r) => r.status !== 'succeeded' || r.keywords_changed === 0).map((r) => [p.type, r.as_of, r.status, r.keywords_changed])).toEqual([]);
      const [{ n }] = (await db.query(`SELECT count(DISTINCT hour)::int AS n FROM bid_changes WHERE plan_id = $1 AND source = 'optimizer'`, [p.id])).rows;
      expect(n).toBe(48);
    }
    // The platform stops a plan at its budget; the click that crosses it is still charged (1%).
    const days = (
      await db.query(
        `SELECT p.type, p.daily_budget_fen, p.promo, to_char((s.hour AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD') AS day, sum(s.cost_fen)::bigint AS spent
         FROM plan_stats_hourly s JOIN plans p ON p.id = s.plan_id WHERE s.advertiser_id = $1 AND s.hour >= '2026-06-07T16:00:00Z'
         GROUP BY 1, 2, 3, 4 ORDER BY 1, 4`,
        [advertiserId],
      )
    ).rows;
    expect(days).toHaveLength(8);
    const over = days
      .map((d) => {
        const budget = dayBudgetFen({ id: '', type: d.type, status: 'active', bidStrategy: 'target_roi', dailyBudgetFen: Number(d.daily_budget_fen), minBidFen: 30, maxBidFen: 99_999, promo: d.promo }, d.day);
        return { type: d.type, day: d.day, spent: Number(d.spent), budget };
      })
      .filter((d) => d.spent > d.budget * 1.01);
    expect(over).toEqual([]);
  });

  it("announced each settled change of a test product's verdict, and every run to opt-in subscribers", async () => {
    const { advertiserId, plans } = await account();
    const verdicts = (
      await db.query(
        `SELECT payload->>'unitId' AS unit, payload->>'verdict' AS verdict, (payload->>'heldRuns')::int AS held FROM domain_events
         WHERE advertiser_id = $1 AND type = 'test_product.verdict' ORDER BY id`,
        [advertiserId],
      )
    ).rows as { unit: string; verdict: string; held: number }[];
    expect(verdicts.length).toBeGreaterThan(0);
    // Announced only once it has held for 6 hourly runs.
    expect(verdicts.filter((v) => !(v.held >= 6))).toEqual([]);
    expect(verdicts.every((v) => v.verdict === 'promote' || v.verdict === 'drop')).toBe(true);
    // A verdict is announced when it changes, never twice in a row for a unit.
    const last = new Map<string, string>();
    for (const v of verdicts) {
      expect({ unit: v.unit, repeated: last.get(v.unit) === v.verdict }).toEqual({ unit: v.unit, repeated: false });
      last.set(v.unit, v.verdict);
    }
    const [{ runs }] = (await db.query(`SELECT count(*)::int AS runs FROM optimization_runs WHERE advertiser_id = $1 AND status = 'succeeded'`, [advertiserId])).rows;
    const [{ optimized }] = (await db.query(`SELECT count(*)::int AS optimized FROM domain_events WHERE advertiser_id = $1 AND type = 'plan.optimized'`, [advertiserId])).rows;
    expect(optimized).toBe(runs);
    expect(plans).toHaveLength(4);
  });

  it('ran creative tests that moved their serving weights every hour', async () => {
    const { advertiserId } = await account();
    const rows = (
      await db.query(
        `SELECT e.id, count(r.hour)::int AS hours, count(DISTINCT r.serving_weights::text)::int AS distinct_weights
         FROM experiments e LEFT JOIN experiment_rotations r ON r.experiment_id = e.id WHERE e.advertiser_id = $1 GROUP BY e.id`,
        [advertiserId],
      )
    ).rows;
    expect(rows.length).toBeGreaterThanOrEqual(4);
    // Every hour but the first (which has no stats of its own yet), and the weights moved.
    for (const r of rows) {
      expect(r.hours).toBe(47);
      expect(r.distinct_weights).toBeGreaterThan(1);
    }
    expect(out).toMatch(/creative tests: \d+ running/);
  });

  it('writes demo-report/index.html whose charts all render with data in headless Chromium, without console errors', async () => {
    const file = join(REPORT_DIR, 'index.html');
    expect(existsSync(file)).toBe(true);
    const html = readFileSync(file, 'utf8');
    for (const id of ['summary', 'spend', 'roi', 'bids', 'creatives', 'alerts-section']) expect(html).toContain(`id="${id}"`);
    ensureChromium();
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`file://${file}`);
      await page.waitForFunction('Array.isArray(window.__charts)');
      const charts = (await page.evaluate('window.__charts')) as { title: string; points: number }[];
      // 4 spend charts, 1 ROI chart, a bid chart per plan, the creative weights, the alerts.
      expect(charts.length).toBeGreaterThanOrEqual(14);
      expect(charts.filter((c) => c.points === 0)).toEqual([]);
      expect(await page.locator('canvas').count()).toBe(charts.length);
      expect(errors).toEqual([]);
      mkdirSync(OUT, { recursive: true });
      await page.screenshot({ path: join(OUT, 'demo-report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 600_000);
});
