import { DEFAULT_TRAFFIC_CURVE } from './config';
import { addDays, dayBudgetFen } from './promo';
import { clamp } from './stats';
import type { BiddingConfig, PlanInput } from './types';
import type { PlanAgg } from './estimate';

/**
 * Expected share of the day's traffic per local hour: the plan's own impressions by hour of day
 * over complete past days on which it was still served at 22:00 and 23:00 (a day that ran dry
 * would teach the pacer that evenings are quiet), blended with the default curve by pseudo-
 * impressions: share_h = (own_h + k default_h) / (own + k).
 */
export function trafficCurve(agg: PlanAgg, cfg: BiddingConfig): number[] {
  const own = new Array<number>(24).fill(0);
  let n = 0;
  for (let d = 1; d < agg.lookbackDays; d++) {
    const base = d * 24;
    if (!(agg.dayHourImpressions[base + 22] > 0 && agg.dayHourImpressions[base + 23] > 0)) continue;
    for (let h = 0; h < 24; h++) {
      own[h] += agg.dayHourImpressions[base + h];
      n += agg.dayHourImpressions[base + h];
    }
  }
  const k = cfg.curvePriorImpressions;
  return DEFAULT_TRAFFIC_CURVE.map((def, h) => (own[h] + k * def) / (n + k));
}

/** Curve with the hours the schedule does not serve zeroed: no traffic to pace against there. */
export function servedCurve(curve: readonly number[], schedule: PlanInput['schedule'], dow: number): number[] {
  return curve.map((c, h) => {
    const s = schedule?.[dow]?.[h];
    return typeof s === 'number' && s === 0 ? 0 : c;
  });
}

export interface PacingContext {
  asOf: number;
  hourOfDay: number;
  dayOfWeek: number;
  date: string;
  plan: PlanInput;
  curve: readonly number[];
  cfg: BiddingConfig;
  /** Plan spend per hour over the 48 hours before asOf (index 0 = asOf - 48). */
  hourCostFen: readonly number[];
}

function costAt(ctx: PacingContext, hour: number): number {
  const i = 48 - (ctx.asOf - hour);
  return i >= 0 && i < 48 ? ctx.hourCostFen[i] : 0;
}

/**
 * Spend target of one hour: what is left of the day's budget (times the safety share) spread
 * over the day's remaining expected traffic,
 *   target_h = max(0, floor(s B) - spent_before_h) x share_h / sum_{i >= h} share_i  (whole fen).
 * Re-planning from the remaining budget every hour is what lets an early overspend be absorbed
 * by later hours instead of running dry before the evening peak (Agarwal et al. 2014, "Budget
 * pacing for targeted online advertisements at LinkedIn", KDD: spend follows the forecast
 * traffic curve).
 */
export function hourTargetFen(ctx: PacingContext, hour: number): { targetFen: number; dayBudgetFen: number; spentBeforeFen: number; share: number } {
  const dayStart = ctx.asOf - ctx.hourOfDay;
  const daysBack = Math.floor((dayStart + 23 - hour) / 24);
  const hod = (((hour - dayStart) % 24) + 24) % 24;
  const date = daysBack === 0 ? ctx.date : addDays(ctx.date, -daysBack);
  const dow = (((ctx.dayOfWeek - daysBack) % 7) + 7) % 7;
  const budget = dayBudgetFen(ctx.plan, date);
  const start = dayStart - daysBack * 24;
  let spentBefore = 0;
  for (let h = start; h < hour; h++) spentBefore += costAt(ctx, h);
  const curve = servedCurve(ctx.curve, ctx.plan.schedule, dow);
  let rest = 0;
  for (let h = hod; h < 24; h++) rest += curve[h];
  const remaining = Math.max(0, Math.floor(budget * ctx.cfg.budgetSafety) - spentBefore);
  const share = rest > 0 ? curve[hod] / rest : 0;
  return { targetFen: Math.floor(remaining * share), dayBudgetFen: budget, spentBeforeFen: spentBefore, share };
}

/**
 * Budget multiplier on value per click, a multiplicative (mirror-descent) form of the adaptive
 * pacing dual update of Balseiro & Gur 2019 ("Learning in repeated auctions with budgets: regret
 * minimization and equilibrium", Management Science): their mu_{t+1} = mu_t - eps (rho - z_t)
 * with bid v / (1 + mu) becomes, in log space,
 *   a_budget = a_applied x (target / spend)^(g / (1 + e))
 * over the last `pacingLookbackHours`, where a_applied is the multiplier actually in force then
 * (cost-weighted bid / value), and 1 + e the spend elasticity to the bid (spend ~ bid^(1+e):
 * impressions ~ bid^e times price ~ bid), so g = 1 would be a full Newton step; g = 0.5 halves it
 * so that noise in one hour's spend cannot make the bids oscillate. Step clipped to
 * [1/(1+maxStep), 1+maxStep]. Returns Infinity when the budget gives no reason to hold back.
 */
export function budgetMultiplier(opts: {
  appliedLast: number | null;
  lastTargetFen: number;
  lastSpendFen: number;
  remainingTodayFen: number;
  elasticity: number;
  gain: number;
  maxStep: number;
}): number {
  const { appliedLast, lastTargetFen, lastSpendFen, remainingTodayFen } = opts;
  if (remainingTodayFen <= 0) return 0;
  if (appliedLast === null || !(appliedLast > 0) || !(lastSpendFen > 0)) return Infinity;
  const ratio = (lastTargetFen + 1) / (lastSpendFen + 1);
  const step = Math.pow(ratio, opts.gain / (1 + clamp(opts.elasticity, 0.2, 3)));
  return appliedLast * clamp(step, 1 / (1 + opts.maxStep), 1 + opts.maxStep);
}

/**
 * ROI multiplier on value per click, learned per plan (a dual/feedback update on the decayed,
 * delay-corrected ROI):
 *   a_roi = a_ref x (ROI_hat / R)^k
 * where ROI_hat = sum w gmv / sum w F(age) cost over the ROI window and a_ref the cost-weighted
 * multiplier that produced that spend. Value/R is the break-even bid; since a second-price auction
 * charges less than the bid, the multiplier settles above 1/R wherever that still lands ROI on R.
 * Anchoring on a_ref (not the previous output) is what keeps the update from winding up while a
 * budget binds. k < 1 under-corrects for stability. Without enough matured clicks: 1/R.
 */
export function roiMultiplier(opts: { refApplied: number | null; roiHat: number | null; targetRoi: number; gain: number; maxStep: number }): number {
  const base = 1 / opts.targetRoi;
  if (opts.refApplied === null || opts.roiHat === null || !(opts.refApplied > 0) || !(opts.roiHat >= 0)) return base;
  const ratio = clamp(opts.roiHat / opts.targetRoi, 0.01, 100);
  const step = clamp(Math.pow(ratio, opts.gain), 1 / (1 + opts.maxStep), 1 + opts.maxStep);
  return clamp(opts.refApplied * step, 0.3 * base, 4 * base);
}
