import { optimizePlan, targetRoiFor, DEFAULT_CONFIG, type BiddingConfig, type KeywordInput, type OptimizeInput } from '@kuaiche/bidding';
import { oracleDay } from './oracle';
import { dayOfWeekOf, MarketSim, type DayResult, type Scenario } from './simulator';

/** Sets `sim.bids` before the hour (day, hourOfDay) is served. */
export interface Policy {
  name: string;
  decide(sim: MarketSim, day: number, hourOfDay: number): void;
}

export function scenarioTargetRoi(sc: Scenario, date: string): number {
  return targetRoiFor(sc.plan, date, DEFAULT_CONFIG.steadyTargetRoi, DEFAULT_CONFIG.promoTargetRoi);
}

/** The seller's bids, never touched. */
export function fixedPolicy(): Policy {
  return { name: 'fixed', decide: () => undefined };
}

/**
 * The practitioner's rule from the training material: once a day, look back 3 days; ROI below
 * target -> bid -10%, above 1.2x target -> bid +10%, per keyword, on the report as it stands.
 */
export function rulePolicy(): Policy {
  return {
    name: 'rule',
    decide(sim, day, hourOfDay) {
      if (hourOfDay !== 0) return;
      const sc = sim.scenario;
      const hour = sim.day0Hour + day * 24;
      const r = scenarioTargetRoi(sc, sim.dateOf(day));
      sc.keywords.forEach((_, i) => {
        let cost = 0;
        let gmv = 0;
        for (const row of sim.rows[i]) {
          if (row.hour >= hour - 72 && row.hour < hour) {
            cost += row.costFen;
            gmv += row.gmvFen;
          }
        }
        if (cost <= 0) return;
        const roi = gmv / cost;
        let b = sim.bids[i];
        if (roi < r) b = b * 0.9;
        else if (roi > 1.2 * r) b = b * 1.1;
        sim.bids[i] = Math.min(Math.max(Math.round(b), Math.max(30, sc.plan.minBidFen)), sc.plan.maxBidFen);
      });
    },
  };
}

/** Perfect knowledge: the day's oracle bids, set at midnight. */
export function oraclePolicy(): Policy {
  return {
    name: 'oracle',
    decide(sim, day, hourOfDay) {
      if (hourOfDay !== 0) return;
      const date = sim.dateOf(day);
      const o = oracleDay(sim.scenario, sim.regime(day), sim.budgetOf(day), scenarioTargetRoi(sim.scenario, date));
      sim.bids.set(o.bidsFen);
    },
  };
}

export function optimizerInput(sim: MarketSim, day: number, hourOfDay: number, config?: Partial<BiddingConfig>): OptimizeInput {
  const sc = sim.scenario;
  const date = sim.dateOf(day);
  const keywords: KeywordInput[] = sc.keywords.map((k, i) => ({
    id: k.id,
    unitId: k.unitId,
    bidFen: sim.bids[i],
    status: 'active',
    locked: false,
    suggestedBidFen: k.suggestedBidFen,
    qualityScore: Math.round(k.qualityScore),
    rows: sim.rows[i],
  }));
  return {
    asOf: sim.day0Hour + day * 24 + hourOfDay,
    hourOfDay,
    dayOfWeek: dayOfWeekOf(date),
    date,
    plan: sc.plan,
    units: sc.units,
    keywords,
    config,
  };
}

/** libs/bidding, every hour. */
export function optimizerPolicy(config?: Partial<BiddingConfig>): Policy {
  return {
    name: 'optimizer',
    decide(sim, day, hourOfDay) {
      const res = optimizePlan(optimizerInput(sim, day, hourOfDay, config));
      res.decisions.forEach((d, i) => {
        sim.bids[i] = d.newBidFen;
      });
    },
  };
}

export interface RunResult {
  scenario: string;
  policy: string;
  /** The evaluated days (warm-up excluded). */
  days: DayResult[];
}

/** Warm-up days run at the seller's fixed bids for every policy, so all start from one history. */
export function runScenario(sc: Scenario, policy: Policy): RunResult {
  const sim = new MarketSim(sc);
  for (let day = 0; day < sc.warmupDays + sc.days; day++) {
    for (let h = 0; h < 24; h++) {
      sim.deliver(sim.day0Hour + day * 24 + h);
      if (day >= sc.warmupDays) policy.decide(sim, day, h);
      sim.serve(day, h);
    }
  }
  return { scenario: sc.name, policy: policy.name, days: sim.results.slice(sc.warmupDays) };
}
