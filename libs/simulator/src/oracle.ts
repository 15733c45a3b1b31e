import { perSearch, RESERVE_FEN } from './market';
import type { Regime, Scenario } from './simulator';

export interface OracleDay {
  /** Served bid per keyword (0 = not worth bidding). */
  bidsFen: Int32Array;
  expectedSpendFen: number;
  expectedGmvFen: number;
  /** The shadow price: each keyword's bid maximizes expected GMV - c x cost. */
  c: number;
}

const GRID = 160;

/**
 * The bids that maximize expected GMV for one day under the budget and the ROI target, knowing
 * the truth (searches, competitors, CVR, order value). Lagrangian relaxation: with multipliers
 * for both constraints each keyword independently maximizes GMV - c x cost for one shadow price
 * c; the smallest c whose total satisfies spend <= safety x budget and GMV >= R x spend is found by
 * bisection. Searches differ by hour only in volume, so one bid per keyword per day is optimal.
 * Bids are searched on a geometric grid between the plan's bounds.
 */
export function oracleDay(sc: Scenario, regime: Regime, budgetFen: number, targetRoi: number, safety = 0.99): OracleDay {
  const kws = sc.keywords;
  const lo = Math.max(RESERVE_FEN, sc.plan.minBidFen);
  const hi = Math.max(lo, sc.plan.maxBidFen);
  const grid = new Float64Array(GRID);
  for (let g = 0; g < GRID; g++) grid[g] = Math.round(lo * Math.pow(hi / lo, g / (GRID - 1)));
  const cost = new Float64Array(kws.length * GRID);
  const gmv = new Float64Array(kws.length * GRID);
  kws.forEach((kw, i) => {
    const searches = kw.dailySearches * regime.traffic;
    for (let g = 0; g < GRID; g++) {
      const e = perSearch(kw, grid[g], regime.war[i], regime.cvr[i]);
      cost[i * GRID + g] = e.costFen * searches;
      gmv[i * GRID + g] = e.gmvFen * searches;
    }
  });
  const choose = (c: number): { spend: number; value: number; pick: Int32Array } => {
    const pick = new Int32Array(kws.length).fill(-1);
    let spend = 0;
    let value = 0;
    for (let i = 0; i < kws.length; i++) {
      let best = 0;
      for (let g = 0; g < GRID; g++) {
        const obj = gmv[i * GRID + g] - c * cost[i * GRID + g];
        if (obj > best + 1e-9) {
          best = obj;
          pick[i] = g;
        }
      }
      if (pick[i] >= 0) {
        spend += cost[i * GRID + pick[i]];
        value += gmv[i * GRID + pick[i]];
      }
    }
    return { spend, value, pick };
  };
  const feasible = (r: { spend: number; value: number }): boolean => r.spend <= safety * budgetFen && r.value >= targetRoi * r.spend - 1e-6;
  let a = 0;
  let b = 1;
  while (!feasible(choose(b)) && b < 1e4) b *= 2;
  for (let it = 0; it < 50; it++) {
    const m = (a + b) / 2;
    if (feasible(choose(m))) b = m;
    else a = m;
  }
  const r = choose(b);
  const bidsFen = new Int32Array(kws.length);
  for (let i = 0; i < kws.length; i++) bidsFen[i] = r.pick[i] >= 0 ? grid[r.pick[i]] : lo;
  return { bidsFen, expectedSpendFen: r.spend, expectedGmvFen: r.value, c: b };
}
