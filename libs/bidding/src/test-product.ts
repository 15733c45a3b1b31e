import type { KeywordAgg, UnitEstimate } from './estimate';
import type { BiddingConfig, Interval, KeywordInput, UnitVerdict, Verdict } from './types';

type Side = 'above' | 'below' | 'same';

function side(iv: Interval, rest: number | null): Side {
  if (rest === null) return 'same';
  if (iv.lo > rest) return 'above';
  if (iv.hi < rest) return 'below';
  return 'same';
}

/**
 * Verdict per unit (product) of a test plan, once it has `testMinClicks` clicks: its 90% credible
 * intervals of CTR and CVR against the pooled rate of the plan's other units. CVR decides first
 * (it is what sells); CTR decides when CVR is not clearly different.
 *   promote: CVR above, or CTR above and CVR not below
 *   drop:    CVR below, or CTR below and CVR not above
 */
export function unitVerdicts(
  keywords: readonly KeywordInput[],
  aggs: readonly KeywordAgg[],
  units: ReadonlyMap<string, UnitEstimate>,
  cfg: BiddingConfig,
): UnitVerdict[] {
  const sums = new Map<string, { imps: number; clicks: number; matured: number; orders: number }>();
  const total = { imps: 0, clicks: 0, matured: 0, orders: 0 };
  keywords.forEach((k, i) => {
    const a = aggs[i];
    let s = sums.get(k.unitId);
    if (!s) sums.set(k.unitId, (s = { imps: 0, clicks: 0, matured: 0, orders: 0 }));
    s.imps += a.impressions;
    s.clicks += a.clicks;
    s.matured += a.maturedClicks;
    s.orders += a.orders;
    total.imps += a.impressions;
    total.clicks += a.clicks;
    total.matured += a.maturedClicks;
    total.orders += a.orders;
  });
  const out: UnitVerdict[] = [];
  for (const [unitId, u] of units) {
    const s = sums.get(unitId)!;
    const restImps = total.imps - s.imps;
    const restMatured = total.matured - s.matured;
    const restCtr = restImps > 0 ? (total.clicks - s.clicks) / restImps : null;
    const restCvr = restMatured > 0 ? (total.orders - s.orders) / restMatured : null;
    const ctr = side(u.ctr, restCtr);
    const cvr = side(u.cvr, restCvr);
    let verdict: Verdict = 'keep_testing';
    let why: string;
    if (u.rawClicks < cfg.testMinClicks) {
      why = `${Math.round(u.rawClicks)} of ${cfg.testMinClicks} clicks needed for a verdict`;
    } else {
      if (cvr === 'above' || (ctr === 'above' && cvr !== 'below')) verdict = 'promote';
      else if (cvr === 'below' || ctr === 'below') verdict = 'drop'; // cvr is not 'above' here
      why = `CTR ${ctr} and CVR ${cvr} the plan's other units (90% intervals)`;
    }
    out.push({ unitId, clicks: Math.round(u.rawClicks), ctr: u.ctr, cvr: u.cvr, verdict, why });
  }
  return out;
}

/**
 * Bid step of a unit under test: spend its equal share of the learning budget at the pace of the
 * day's traffic curve (cumulative pacing, Agarwal et al. 2014). ratio = expected-so-far / spent;
 * the bid moves by ratio^0.5, within the hourly cap. No value model: the test is what finds value.
 */
export function testBidStep(expectedSoFarFen: number, spentTodayFen: number, remainingFen: number): number {
  if (remainingFen <= 0) return 0;
  if (expectedSoFarFen <= 0) return 1;
  return Math.sqrt((expectedSoFarFen + 100) / (spentTodayFen + 100));
}
