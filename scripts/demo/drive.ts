/**
 * Drives the demo account hour by hour through the real API, queue and worker: the sandbox
 * market serves each hour at the bids the product set, its report rows (and the late orders
 * re-sent for earlier hours) go in through POST /v1/stats/hourly, the worker optimizes every plan
 * for the next hour (POST /v1/plans/{id}/optimize, then the run is polled), and the new bids are
 * read back through GET /v1/keywords and pushed to the market.
 */
import type { StatRow } from '@kuaiche/bidding';
import { fixedPolicy, MarketSim, rulePolicy, runScenario, type DayResult } from '@kuaiche/simulator';
import { HOUR_MS } from '../../libs/domain/src/time';
import type { DemoWorld } from './world';

/** Asia/Shanghai: the market's hour indexes are local wall-clock hours. */
const OFFSET_HOURS = 8;

export interface Api {
  call<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export interface PlanTrack {
  name: string;
  type: string;
  planId: string;
  targetRoi: number;
  keywordIds: string[];
  unitIds: string[];
  /** Per demo hour: spend (fen), budget of that day (fen), GMV reported so far is not used (truth comes from the market). */
  hourlySpendFen: number[];
  dayBudgetFen: number[];
  /** Bids (fen) of the plan's top keywords by spend, per hour. */
  topKeywords: { text: string; index: number }[];
  topBids: number[][];
  runs: { asOf: string; status: string; changed: number; verdicts?: unknown }[];
}

/** One running creative test, as the demo keeps it. */
export interface ExperimentTrack {
  id: string;
  plan: string;
  planIndex: number;
  unit: string;
  /** Sim unit id (rows of its keywords are split across the creatives). */
  simUnitId: string;
  creativeIds: string[];
  creativeTitles: string[];
  /** Hidden CTR multiplier of each creative. */
  ctr: number[];
  /** Serving weights in force, by creative index, and their history per demo hour. */
  weights: number[];
  history: number[][];
  status: string;
  winnerId: string | null;
}

export interface DemoResult {
  hours: string[];
  plans: PlanTrack[];
  days: { date: string; perPlan: DayResult[] }[];
  baselines: { name: string; perPlan: { spendFen: number; gmvFen: number; budgetFen: number; darkBefore22: number }[] }[];
  ours: { spendFen: number; gmvFen: number; budgetFen: number; darkBefore22: number; overBudgetDays: number }[];
  experiments: ExperimentTrack[];
  seconds: number;
}

const TITLES = ['夏季新款 显瘦碎花连衣裙', '限时直降 法式气质款', '旗舰店正品 纯棉宽松', '618 预售 第二件半价'];

/** Splits a whole number by shares (largest remainder): the parts sum to `n` exactly. */
function splitInt(n: number, shares: number[]): number[] {
  const total = shares.reduce((a, b) => a + b, 0) || 1;
  const raw = shares.map((w) => (n * w) / total);
  const out = raw.map(Math.floor);
  let left = n - out.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) out[order[k][1]] += 1;
  return out;
}

const toIso = (hourIndex: number): string => new Date((hourIndex - OFFSET_HOURS) * HOUR_MS).toISOString();

function progress(text: string): void {
  if (process.stdout.isTTY) process.stdout.write(`\r${text.padEnd(110)}`);
}

export async function drive(api: Api, world: DemoWorld, hooks: { afterHour?: (asOf: string, hourIndex: number) => Promise<void> } = {}): Promise<DemoResult> {
  const started = Date.now();
  const sims = world.plans.map((p) => new MarketSim(p.scenario));
  const tracks: PlanTrack[] = [];

  // The account, as a seller would set it up.
  for (const [pi, p] of world.plans.entries()) {
    const sc = p.scenario;
    const promo = sc.plan.promo
      ? { phases: sc.plan.promo.phases.map((ph) => ({ name: ph.name, startDate: ph.startDate, endDate: ph.endDate, budget: (ph.budgetFen ?? 0) / 100 })) }
      : undefined;
    const created = await api.call<{ id: string }>('POST', '/v1/plans', {
      name: p.name, type: p.type, dailyBudget: sc.plan.dailyBudgetFen / 100, targetRoi: sc.plan.targetRoi ?? 5,
      minBid: sc.plan.minBidFen / 100, maxBid: sc.plan.maxBidFen / 100, ...(promo ? { promo } : {}),
    });
    const unitIds: string[] = [];
    const keywordIds: string[] = new Array(sc.keywords.length);
    for (const u of p.units) {
      const unit = await api.call<{ id: string }>('POST', `/v1/plans/${created.id}/units`, { name: u.name, skuId: u.skuId, skuPrice: u.skuPriceFen / 100 });
      unitIds.push(unit.id);
      const idx = sc.keywords.flatMap((k, i) => (k.unitId === u.id ? [i] : []));
      const res = await api.call<{ results: { id: string }[] }>('POST', `/v1/units/${unit.id}/keywords?atomic=true`, {
        items: idx.map((i) => ({ text: p.texts[i], matchType: 'exact', bid: sc.keywords[i].initialBidFen / 100, suggestedBid: sc.keywords[i].suggestedBidFen / 100 })),
      });
      idx.forEach((i, j) => (keywordIds[i] = res.results[j].id));
    }
    tracks.push({
      name: p.name, type: p.type, planId: created.id, targetRoi: sc.plan.targetRoi ?? 5, keywordIds, unitIds,
      hourlySpendFen: [], dayBudgetFen: [], topKeywords: [], topBids: [], runs: [],
    });
    void pi;
  }

  // Creative tests: the core-word plan's first units and every test-product unit run a bandit on
  // CTR over 3-4 creatives whose true CTR multipliers the product does not know.
  const experiments: ExperimentTrack[] = [];
  const firstHour = toIso(sims[0].day0Hour + world.warmupDays * 24);
  for (const [pi, p] of world.plans.entries()) {
    const chosen = p.type === 'core_word' ? p.units.slice(0, 4) : p.type === 'test_product' ? p.units : [];
    for (const [ui, u] of chosen.entries()) {
      const n = 3 + (ui % 2);
      const unitId = tracks[pi].unitIds[p.units.indexOf(u)];
      const creativeIds: string[] = [];
      for (let c = 0; c < n; c++) {
        const cr = await api.call<{ id: string }>('POST', `/v1/units/${unitId}/creatives`, { title: TITLES[c], imageUrl: `https://img.example.com/demo/${u.id}-${c}.jpg` });
        creativeIds.push(cr.id);
      }
      const e = await api.call<{ id: string; servingWeights: Record<string, number> }>('POST', `/v1/units/${unitId}/experiments`, {
        creativeIds, mode: 'bandit', metric: 'ctr', pauseLosers: true, startAt: firstHour,
      });
      experiments.push({
        id: e.id, plan: p.name, planIndex: pi, unit: u.name, simUnitId: u.id, creativeIds, creativeTitles: TITLES.slice(0, n),
        ctr: p.creativeCtr.slice(0, n), weights: creativeIds.map((id) => e.servingWeights[id] ?? 1 / n), history: [], status: 'running', winnerId: null,
      });
    }
  }
  const experimentOf = new Map(experiments.map((e) => [`${e.planIndex}|${e.simUnitId}`, e]));
  /** For rows of a tested unit: the split across creatives fixed when first sent (re-sent rows keep it). */
  const splits = new Map<StatRow, { creativeIds: string[]; impressions: number[]; clicks: number[] }>();

  // What the API has been told of each row, so only new rows and rows with new orders are sent.
  const sent = new Map<StatRow, string>();
  const send = async (): Promise<number> => {
    const batch: Record<string, unknown>[] = [];
    sims.forEach((sim, pi) => {
      sim.rows.forEach((rows, i) => {
        for (const r of rows) {
          const sig = `${r.orders}|${r.gmvFen}|${r.clicks}|${r.costFen}`;
          if (sent.get(r) === sig) continue;
          sent.set(r, sig);
          const keywordId = tracks[pi].keywordIds[i];
          const exp = experimentOf.get(`${pi}|${sim.scenario.keywords[i].unitId}`);
          if (!exp || r.hour < sims[0].day0Hour + world.warmupDays * 24) {
            batch.push({ keywordId, hour: toIso(r.hour), impressions: r.impressions, clicks: r.clicks, cost: r.costFen / 100, orders: r.orders, gmv: r.gmvFen / 100 });
            continue;
          }
          let sp = splits.get(r);
          if (!sp) {
            // Impressions follow the serving weights; clicks also the creatives' true CTR.
            const impressions = splitInt(r.impressions, exp.weights);
            const clicks = splitInt(r.clicks, exp.weights.map((w, c) => w * exp.ctr[c]));
            for (let c = 0; c < clicks.length; c++) {
              while (clicks[c] > impressions[c]) {
                clicks[c] -= 1;
                const j = impressions.findIndex((im, k) => im > clicks[k]);
                clicks[j] += 1;
              }
            }
            splits.set(r, (sp = { creativeIds: exp.creativeIds, impressions, clicks }));
          }
          const cost = splitInt(r.costFen, sp.clicks.map((c) => c + 1e-9));
          const orders = splitInt(r.orders, sp.clicks.map((c) => c + 1e-9));
          const gmv = splitInt(r.gmvFen, sp.clicks.map((c) => c + 1e-9));
          sp.creativeIds.forEach((creativeId, c) => {
            if (sp!.impressions[c] === 0 && orders[c] === 0) return;
            batch.push({ keywordId, creativeId, hour: toIso(r.hour), impressions: sp!.impressions[c], clicks: sp!.clicks[c], cost: cost[c] / 100, orders: orders[c], gmv: gmv[c] / 100 });
          });
        }
      });
    });
    for (let i = 0; i < batch.length; i += 50_000) {
      const res = await api.call<{ results: { ok: boolean; errors?: unknown }[] }>('POST', '/v1/stats/hourly?atomic=true', { rows: batch.slice(i, i + 50_000) });
      if (res.results.some((r) => !r.ok)) throw new Error(`stats refused: ${JSON.stringify(res.results.find((r) => !r.ok))}`);
    }
    return batch.length;
  };

  const day0 = sims[0].day0Hour + world.warmupDays * 24; // the first optimized hour (local index)
  const dayOf = (sim: MarketSim, hour: number) => Math.floor((hour - sim.day0Hour) / 24);

  // Warm-up: the seller's own bids, no optimization, reported in one go at the end.
  for (let h = sims[0].day0Hour; h < day0; h++) {
    sims.forEach((sim) => {
      const d = dayOf(sim, h);
      if (d < 0) return;
      sim.deliver(h);
      sim.serve(d, h - sim.day0Hour - d * 24);
    });
  }
  await send();

  const end = day0 + world.days * 24;
  const hours: string[] = [];
  for (let h = day0; h < end; h++) {
    const asOf = toIso(h);
    hours.push(asOf);
    sims.forEach((sim) => sim.deliver(h));
    await send();
    // The worker optimizes every plan for this hour; the demo waits for the runs.
    for (const t of tracks) await api.call('POST', `/v1/plans/${t.planId}/optimize`, { asOf });
    // Meanwhile (the API process, while the worker optimizes), each creative test re-weighs its
    // creatives for the hour (explicit asOf), from the second hour on (the first has no stats yet).
    await Promise.all(
      experiments.map(async (e) => {
        if (h > day0 && (e.status === 'running' || e.status === 'decided')) {
          const { experiment: r } = await api.call<{ experiment: { status: string; winnerId: string | null; servingWeights: Record<string, number> } }>('POST', `/v1/experiments/${e.id}/rotate`, { asOf });
          e.status = r.status;
          e.winnerId = r.winnerId;
          e.weights = e.creativeIds.map((id) => r.servingWeights[id] ?? 0);
        }
        e.history.push([...e.weights]);
      }),
    );
    for (const t of tracks) {
      for (let tries = 0; ; tries++) {
        const page = await api.call<{ items: { status: string; keywordsChanged: number; summary?: { verdicts?: unknown } }[] }>('GET', `/v1/optimization-runs?planId=${t.planId}&asOf=${encodeURIComponent(asOf)}`);
        const run = page.items[0];
        if (run && (run.status === 'succeeded' || run.status === 'skipped')) {
          t.runs.push({ asOf, status: run.status, changed: run.keywordsChanged, verdicts: run.summary?.verdicts });
          break;
        }
        if (run?.status === 'failed' || tries > 600) throw new Error(`optimization of ${t.name} at ${asOf} did not finish: ${JSON.stringify(run)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    // The bids now in force go to the market.
    for (const [pi, t] of tracks.entries()) {
      const bids = new Map<string, number>();
      let cursor: string | null = null;
      do {
        const page: { items: { id: string; bid: number }[]; nextCursor: string | null } = await api.call('GET', `/v1/keywords?planId=${t.planId}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
        for (const k of page.items) bids.set(k.id, Math.round(k.bid * 100));
        cursor = page.nextCursor;
      } while (cursor);
      t.keywordIds.forEach((id, i) => (sims[pi].bids[i] = bids.get(id) ?? sims[pi].bids[i]));
    }
    // The hour is served.
    sims.forEach((sim, pi) => {
      const d = dayOf(sim, h);
      const hod = h - sim.day0Hour - d * 24;
      const before = sim.results[sim.results.length - 1]?.spendFen ?? 0;
      sim.serve(d, hod);
      const res = sim.results[sim.results.length - 1];
      const t = tracks[pi];
      t.hourlySpendFen.push(res.spendFen - (hod === 0 ? 0 : before));
      t.dayBudgetFen.push(res.budgetFen);
      if (t.topKeywords.length === 0 && h === day0) {
        t.topKeywords = [...sim.scenario.keywords.keys()]
          .sort((a, b) => sim.scenario.keywords[b].dailySearches * sim.scenario.keywords[b].cvr - sim.scenario.keywords[a].dailySearches * sim.scenario.keywords[a].cvr)
          .slice(0, 5)
          .map((i) => ({ text: world.plans[pi].texts[i], index: i }));
      }
      t.topBids.push(t.topKeywords.map((k) => sim.bids[k.index]));
    });
    if (hooks.afterHour) await hooks.afterHour(asOf, h);
    const spend = sims.reduce((s, sim) => s + sim.results.slice(sim.scenario.warmupDays).reduce((x, r) => x + r.spendFen, 0), 0);
    const gmv = sims.reduce((s, sim) => s + sim.results.slice(sim.scenario.warmupDays).reduce((x, r) => x + r.gmvFen, 0), 0);
    const done = h - day0 + 1;
    const bar = '#'.repeat(Math.round((30 * done) / (end - day0))).padEnd(30, '.');
    progress(`[${bar}] day ${Math.floor((h - day0) / 24) + 1}/${world.days} ${String((h - day0) % 24).padStart(2, '0')}:00  spend ¥${(spend / 100).toFixed(0)}  ROI ${spend ? (gmv / spend).toFixed(2) : '-'}`);
  }
  if (process.stdout.isTTY) process.stdout.write('\n');

  const evaluated = (sim: MarketSim) => sim.results.slice(sim.scenario.warmupDays);
  const darkBefore22 = (days: DayResult[]) => days.filter((d) => d.darkAt !== null && d.darkAt < 22).length;
  const summarize = (days: DayResult[]) => ({
    spendFen: days.reduce((s, d) => s + d.spendFen, 0),
    gmvFen: days.reduce((s, d) => s + d.gmvFen, 0),
    budgetFen: days.reduce((s, d) => s + d.budgetFen, 0),
    darkBefore22: darkBefore22(days),
  });
  const ours = sims.map((sim) => {
    const days = evaluated(sim);
    // A plan the platform stops at its budget is charged at most one click past it.
    return { ...summarize(days), overBudgetDays: days.filter((d) => d.spendFen > d.budgetFen * 1.01).length };
  });
  // The same markets (same seeds) with the seller's fixed bids and with the practitioner's rule.
  const baselines = [fixedPolicy(), rulePolicy()].map((policy) => ({
    name: policy.name,
    perPlan: world.plans.map((p) => summarize(runScenario(p.scenario, policy).days)),
  }));
  const dates = evaluated(sims[0]).map((d) => d.date);
  return {
    hours,
    plans: tracks,
    days: dates.map((date) => ({ date, perPlan: sims.map((sim) => evaluated(sim).find((d) => d.date === date)!) })),
    baselines,
    ours,
    experiments,
    seconds: (Date.now() - started) / 1000,
  };
}
