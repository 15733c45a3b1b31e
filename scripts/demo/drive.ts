/**
 * Drives the demo account hour by hour through the real API, queue and worker: the sandbox
 * market serves each hour at the bids the product set, its report rows (and the late orders
 * re-sent for earlier hours) go in through POST /v1/stats/hourly, the worker optimizes every plan
 * for the next hour (POST /v1/plans/{id}/optimize, then the run is polled), and the new bids are
 * read back through GET /v1/keywords and pushed to the market.
 */
import type { StatRow } from '@kuaiche/bidding';
import { fixedPolicy, MarketSim, rulePolicy, runScenario, type DayResult } from '@kuaiche/simulator';
import type { DemoWorld } from './world';

const HOUR_MS = 3_600_000;
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

export interface DemoResult {
  hours: string[];
  plans: PlanTrack[];
  days: { date: string; perPlan: DayResult[] }[];
  baselines: { name: string; perPlan: { spendFen: number; gmvFen: number; budgetFen: number; darkBefore22: number }[] }[];
  ours: { spendFen: number; gmvFen: number; budgetFen: number; darkBefore22: number; overBudgetDays: number }[];
  seconds: number;
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
          batch.push({ keywordId: tracks[pi].keywordIds[i], hour: toIso(r.hour), impressions: r.impressions, clicks: r.clicks, cost: r.costFen / 100, orders: r.orders, gmv: r.gmvFen / 100 });
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
    seconds: (Date.now() - started) / 1000,
  };
}
