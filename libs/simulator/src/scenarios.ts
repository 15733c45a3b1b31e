import { normalize, type PlanInput, type UnitInput } from '@kuaiche/bidding';
import { AUCTION_STATES, COMPETITOR_SIGMA, type KeywordTruth } from './market';
import { oracleDay } from './oracle';
import { Rng } from './rng';
import type { Regime, Scenario } from './simulator';

/**
 * The market's true hourly search curve: like the model's default but with a later, higher
 * evening peak and a busier midnight, so a pacer that never learns pays for it.
 */
export const TRUE_CURVE: readonly number[] = normalize([
  3.6, 2.2, 1.2, 0.7, 0.5, 0.6, 1.0, 2.0, 3.2, 4.2, 4.9, 5.0, 4.6, 4.5, 4.8, 4.9, 4.7, 4.6, 4.9, 5.8, 7.0, 7.8, 7.4, 5.9,
]);

/** Reports arrive a little slower than the model's default assumes. */
export const TRUE_DELAY = { weights: [0.5, 0.35, 0.15], tauHours: [1.5, 24, 100], windowHours: 360 };

const UNITS: UnitInput[] = [
  { id: 'unit-a', skuPriceFen: 12_900, status: 'active' },
  { id: 'unit-b', skuPriceFen: 19_900, status: 'active' },
  { id: 'unit-c', skuPriceFen: 29_900, status: 'active' },
];

/**
 * A keyword's hidden truth drawn from `rng` around the market's price level `marketCpcFen`:
 * six competitors and their sampled auction states, searches, CTR, CVR and order value (from the
 * unit's SKU price) by tier, quality score, suggested and starting bid. `makeKeywords` builds its
 * markets with it, and the sandbox platform (libs/domain) each keyword of a sandbox account.
 */
export function drawKeywordTruth(
  rng: Rng,
  k: { id: string; unitId: string; text: string; core: boolean; marketCpcFen: number; skuPriceFen: number },
): KeywordTruth {
  const { core, marketCpcFen } = k;
  const competitors = Array.from({ length: 6 }, () => ({ bidFen: Math.round(rng.lognormal(marketCpcFen, 0.35)), qualityScore: rng.uniform(4, 9) }));
  const states = new Float64Array(AUCTION_STATES * competitors.length);
  for (let m = 0; m < AUCTION_STATES; m++) {
    const s = competitors.map((c) => c.bidFen * c.qualityScore * Math.exp(COMPETITOR_SIGMA * rng.normal() - (COMPETITOR_SIGMA * COMPETITOR_SIGMA) / 2));
    s.sort((a, b) => b - a);
    states.set(s, m * competitors.length);
  }
  const suggested = Math.round(marketCpcFen);
  return {
    id: k.id,
    unitId: k.unitId,
    text: k.text,
    tier: core ? 'core' : 'long_tail',
    dailySearches: core ? rng.lognormal(3000, 0.5) : rng.lognormal(150, 0.7),
    ctrTop: core ? rng.uniform(0.04, 0.07) : rng.uniform(0.05, 0.09),
    cvr: core ? rng.uniform(0.015, 0.035) : rng.uniform(0.03, 0.07),
    orderValueFen: Math.round(k.skuPriceFen * rng.uniform(1, 1.4)),
    qualityScore: rng.uniform(4, 9),
    competitors,
    suggestedBidFen: suggested,
    initialBidFen: Math.max(30, Math.round(suggested * rng.uniform(0.8, 1.2))),
    states,
  };
}

export function makeKeywords(seed: number, corePerUnit: number, tailPerUnit: number): KeywordTruth[] {
  const rng = new Rng(seed);
  const out: KeywordTruth[] = [];
  for (const u of UNITS) {
    for (let j = 0; j < corePerUnit + tailPerUnit; j++) {
      const core = j < corePerUnit;
      const marketCpcFen = core ? rng.lognormal(260, 0.3) : rng.lognormal(90, 0.35);
      out.push(drawKeywordTruth(rng, { id: `${u.id}-kw${j}`, unitId: u.id, text: `${core ? 'core' : 'tail'} ${u.id} ${j}`, core, marketCpcFen, skuPriceFen: u.skuPriceFen }));
    }
  }
  return out;
}

function flat(n: number, v: number): Float64Array {
  return new Float64Array(n).fill(v);
}

function basePlan(id: string, type: PlanInput['type'], targetRoi: number | null, dailyBudgetFen: number): PlanInput {
  return { id, type, status: 'active', bidStrategy: 'target_roi', dailyBudgetFen, targetRoi, minBidFen: 30, maxBidFen: 3000, schedule: null, promo: null };
}

/** Gentle day-to-day traffic variation (weekdays vs weekend), deterministic. */
function weekday(day: number): number {
  return 1 + 0.08 * Math.sin((2 * Math.PI * day) / 7);
}

/** Expected spend of the GMV-maximizing bids at ROI target r with no budget limit. */
function unconstrainedSpend(sc: Scenario, r: number): number {
  return oracleDay(sc, sc.regime(sc.warmupDays), Number.MAX_SAFE_INTEGER / 4, r).expectedSpendFen;
}

function withBudget(sc: Scenario, share: number, r: number): Scenario {
  const spend = unconstrainedSpend(sc, r);
  sc.plan = { ...sc.plan, dailyBudgetFen: Math.max(10_000, Math.round(spend * share)) };
  return sc;
}

function base(name: string, seed: number, plan: PlanInput, warmupDays: number, days: number, binds: Scenario['binds'], description: string): Scenario {
  const keywords = makeKeywords(seed, 5, 25);
  const n = keywords.length;
  return {
    name, seed, startDate: '2025-05-05', warmupDays, days, plan, units: UNITS, keywords,
    curve: [...TRUE_CURVE], delay: TRUE_DELAY,
    regime: (day) => ({ traffic: weekday(day), war: flat(n, 1), cvr: flat(n, 1) }),
    binds, description,
  };
}

export function budgetBoundScenario(seed = 101, days = 14): Scenario {
  const sc = base('budget-bound', seed, basePlan('plan-budget', 'core_word', 3, 0), 7, days, 'budget', 'core_word, ROI 3, budget 45% of what ROI 3 would allow');
  return withBudget(sc, 0.45, 3);
}

export function roiBoundScenario(seed = 202, days = 14): Scenario {
  const sc = base('roi-bound', seed, basePlan('plan-roi', 'core_word', 4, 0), 7, days, 'roi', 'core_word, ROI 4, budget 3x what ROI 4 needs');
  return withBudget(sc, 3, 4);
}

export function coldStartScenario(seed = 303, days = 14): Scenario {
  const sc = base('cold-start', seed, basePlan('plan-cold', 'core_word', 3, 0), 0, days, 'both', 'new plan, no history, bids start at the suggested bid; budget 70% of need');
  return withBudget(sc, 0.7, 3);
}

export function shockScenario(seed = 404, days = 14): Scenario {
  const sc = base('shock', seed, basePlan('plan-shock', 'core_word', 3, 0), 7, days, 'roi', 'ROI 3, ample budget; from day 5 a third of keywords face a bid war (x1.8), a third lose half their CVR');
  const n = sc.keywords.length;
  const shockDay = sc.warmupDays + 5;
  sc.regime = (day) => {
    const war = flat(n, 1);
    const cvr = flat(n, 1);
    if (day >= shockDay) {
      for (let i = 0; i < n; i++) {
        if (i % 3 === 0) war[i] = 1.8;
        if (i % 3 === 1) cvr[i] = 0.5;
      }
    }
    return { traffic: weekday(day), war, cvr };
  };
  return withBudget(sc, 2, 3);
}

/**
 * 618: a week of ordinary days, then pre-heat (more browsing, carts filled, CVR down), the main
 * sale (traffic x1.8, x2.5 on 17 June and x4 on 618 itself, CVR up), a short tail. The promo total
 * is 60% of what ROI 5 would spend, split 3:6:1 by the model's promo rules.
 */
export function promoScenario(seed = 618): Scenario {
  const plan: PlanInput = { ...basePlan('plan-618', 'promo', null, 0) };
  const sc = base('618-promo', seed, plan, 7, 16, 'both', '618: pre-heat 6 days, main 8 days (peak on 18 June), tail 2; total budget 60% of need, 3:6:1');
  sc.startDate = '2025-05-29';
  const n = sc.keywords.length;
  const factors = (date: string): { traffic: number; cvr: number } => {
    if (date >= '2025-06-05' && date <= '2025-06-10') return { traffic: 1.2, cvr: 0.8 };
    if (date === '2025-06-18') return { traffic: 4, cvr: 1.4 };
    if (date === '2025-06-17') return { traffic: 2.5, cvr: 1.3 };
    if (date >= '2025-06-11' && date <= '2025-06-16') return { traffic: 1.8, cvr: 1.3 };
    if (date >= '2025-06-19' && date <= '2025-06-20') return { traffic: 1.3, cvr: 1 };
    return { traffic: 1, cvr: 1 };
  };
  const dateOf = (day: number): string => new Date(Date.parse(`${sc.startDate}T00:00:00Z`) + day * 86_400_000).toISOString().slice(0, 10);
  sc.regime = (day) => {
    const f = factors(dateOf(day));
    return { traffic: f.traffic * weekday(day), war: flat(n, 1), cvr: flat(n, f.cvr) };
  };
  let need = 0;
  for (let d = sc.warmupDays; d < sc.warmupDays + sc.days; d++) need += oracleDay(sc, sc.regime(d), Number.MAX_SAFE_INTEGER / 4, 5).expectedSpendFen;
  const daily = Math.round(unconstrainedSpend(sc, 5) * 0.6);
  const dayWeights: Record<string, number> = {};
  for (let d = sc.warmupDays; d < sc.warmupDays + sc.days; d++) dayWeights[dateOf(d)] = factors(dateOf(d)).traffic;
  sc.plan = {
    ...plan,
    dailyBudgetFen: Math.max(10_000, daily),
    promo: {
      phases: [
        { name: 'preheat', startDate: '2025-06-05', endDate: '2025-06-10' },
        { name: 'main', startDate: '2025-06-11', endDate: '2025-06-18' },
        { name: 'tail', startDate: '2025-06-19', endDate: '2025-06-20' },
      ],
      totalBudgetFen: Math.round(need * 0.6),
      dayWeights,
    },
  };
  return sc;
}

export function allScenarios(): Scenario[] {
  return [budgetBoundScenario(), roiBoundScenario(), coldStartScenario(), promoScenario(), shockScenario()];
}

export type { Regime };
