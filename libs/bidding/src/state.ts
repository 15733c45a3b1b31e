import { resolveConfig } from './config';
import { addLandscapePoint, dayOfWeekOf, emptyKeywordAgg, halfLivesOf, hourOfDayOf, scheduleAt, type AggAt } from './estimate';
import { nonNeg } from './stats';
import type { BiddingConfig, KeywordAgg, PlanInput, StatRow } from './types';

/**
 * A keyword's decayed history in a form that rolls forward exactly, hour by hour, without its rows
 * (for the worker to keep per keyword, or to compute the same sums in SQL). Every decayed sum is a
 * sum of exponentials in the row's age, so moving from asOf to asOf + d multiplies it by
 * e^(-d x rate). The delay curve is a mixture of exponentials,
 *   F(age) = (1 - sum_i c_i e^(-age / tau_i)) / Z,  c_i = w_i e^(0.5 / tau_i),  Z = 1 - sum_i w_i e^(-W / tau_i)
 * (the reported share at the middle of the click hour, age - 0.5), so each delay-corrected sum is
 * (plain sum - sum_i c_i x component i) / Z, and component i decays at rate + 1 / tau_i.
 *
 * Sums run over every row with hour < asOf (integer age = asOf - hour >= 1), with
 * w = 2^(-age / H), wr = 2^(-age / H_roi), q_i = e^(-age / tau_i), served as in `KeywordAgg`.
 * Differences from the row path (`keywordAggFromRows`), documented in libs/bidding/README.md:
 * no 28-day lookback cut-off (a row 28 days old weighs 2^(-9.3) = 0.0016 at H = 72 h), F is not
 * clamped to 1 beyond the attribution window (at most 1.005 there, for clicks over 15 days old),
 * F is not floored at 0.02 (the default curve has F >= 0.13 at age 1), rawClicks is all-time, and
 * a row without `bidFen` is priced at the bid given when it was folded in.
 * Plain numbers only: serializable as JSON.
 */
export interface DecayedState {
  /** The hour the sums are as of: rows with hour < asOf are in. */
  asOf: number;
  /** Local hour of day and day of week (0 = Monday) of asOf (a fixed UTC offset: China has no DST). */
  hourOfDay: number;
  dayOfWeek: number;
  /** H and H_roi (the plan type's half-lives), tau_i, w_i and W of the delay curve, pacing window. */
  halfLifeHours: number;
  roiHalfLifeHours: number;
  delayWeights: number[];
  delayTauHours: number[];
  delayWindowHours: number;
  pacingLookbackHours: number;
  /** sum w impressions, w clicks, w orders, w gmv, w cost, w clicks served. */
  impressions: number;
  clicks: number;
  orders: number;
  gmvFen: number;
  costFen: number;
  clickBidFen: number;
  /** sum w q_i clicks, per delay component i. */
  clicksQ: number[];
  /** sum wr gmv, wr cost, wr clicks, wr cost served. */
  roiGmv: number;
  roiCost: number;
  roiClicks: number;
  roiCostBid: number;
  /** sum wr q_i cost, wr q_i clicks, wr q_i cost served, per delay component i. */
  roiCostQ: number[];
  roiClicksQ: number[];
  roiCostBidQ: number[];
  /** Bid-landscape moments (x = ln served, y = ln(impressions / default share of the hour)): sum w, w x, w y, w x^2, w x y. */
  lw: number;
  lx: number;
  ly: number;
  lxx: number;
  lxy: number;
  /** sum clicks (undecayed, all time). */
  rawClicks: number;
  /** sum cost over hours >= asOf - hourOfDay (today, local), integer fen. */
  todayCostFen: number;
  /** The last pacingLookbackHours hours, slot = hour mod P: the hour, its cost and cost x served. */
  recentHour: number[];
  recentCostFen: number[];
  recentCostBid: number[];
}

/** A row entering, leaving or being re-sent: `before` the version already folded in (null for a new row), `after` the new one (null to remove). */
export interface RowChange {
  before: StatRow | null;
  after: StatRow | null;
}

function emptyState(at: AggAt, cfg: BiddingConfig): DecayedState {
  const { halfLife, roiHalfLife } = halfLivesOf(at.plan.type, cfg);
  const m = cfg.delay.weights.length;
  const p = Math.max(0, Math.floor(cfg.pacingLookbackHours));
  const zeros = (k: number): number[] => new Array<number>(k).fill(0);
  return {
    asOf: at.asOf, hourOfDay: at.hourOfDay, dayOfWeek: at.dayOfWeek,
    halfLifeHours: halfLife, roiHalfLifeHours: roiHalfLife,
    delayWeights: [...cfg.delay.weights], delayTauHours: [...cfg.delay.tauHours], delayWindowHours: cfg.delay.windowHours,
    pacingLookbackHours: p,
    impressions: 0, clicks: 0, orders: 0, gmvFen: 0, costFen: 0, clickBidFen: 0, clicksQ: zeros(m),
    roiGmv: 0, roiCost: 0, roiClicks: 0, roiCostBid: 0, roiCostQ: zeros(m), roiClicksQ: zeros(m), roiCostBidQ: zeros(m),
    lw: 0, lx: 0, ly: 0, lxx: 0, lxy: 0, rawClicks: 0, todayCostFen: 0,
    recentHour: new Array<number>(p).fill(-1), recentCostFen: zeros(p), recentCostBid: zeros(p),
  };
}

/** Adds (sign 1) or removes (sign -1) one row at the state's asOf; rows with hour >= asOf are not yet visible. */
function fold(s: DecayedState, r: StatRow, sign: number, bidFen: number, schedule: PlanInput['schedule']): void {
  const age = s.asOf - r.hour;
  if (!(age >= 1) || !Number.isInteger(age)) return;
  // The same per-row reading as the row path (estimate.ts accumulateRows).
  const imps = nonNeg(r.impressions);
  const clicks = Math.min(nonNeg(r.clicks), imps > 0 ? imps : Infinity);
  const cost = Math.round(nonNeg(r.costFen));
  const orders = nonNeg(r.orders);
  const gmv = Math.round(nonNeg(r.gmvFen));
  const hod = hourOfDayOf(r.hour, s.asOf, s.hourOfDay);
  const sch = schedule ? scheduleAt(schedule, dayOfWeekOf(r.hour, s.asOf, s.hourOfDay, s.dayOfWeek), hod) : 1;
  const served = nonNeg(r.bidFen ?? bidFen) * (sch > 0 ? sch : 1);
  const w = sign * Math.exp((-age * Math.LN2) / s.halfLifeHours);
  const wr = sign * Math.exp((-age * Math.LN2) / s.roiHalfLifeHours);
  s.impressions += w * imps;
  s.clicks += w * clicks;
  s.orders += w * orders;
  s.gmvFen += w * gmv;
  s.costFen += w * cost;
  s.clickBidFen += w * clicks * served;
  s.roiGmv += wr * gmv;
  s.roiCost += wr * cost;
  s.roiClicks += wr * clicks;
  s.roiCostBid += wr * cost * served;
  for (let i = 0; i < s.delayTauHours.length; i++) {
    const q = Math.exp(-age / s.delayTauHours[i]);
    s.clicksQ[i] += w * q * clicks;
    s.roiCostQ[i] += wr * q * cost;
    s.roiClicksQ[i] += wr * q * clicks;
    s.roiCostBidQ[i] += wr * q * cost * served;
  }
  s.rawClicks += sign * clicks;
  if (r.hour >= s.asOf - s.hourOfDay) s.todayCostFen += sign * cost;
  const p = s.pacingLookbackHours;
  if (p > 0 && age <= p) {
    const slot = r.hour % p;
    if (s.recentHour[slot] !== r.hour) {
      s.recentHour[slot] = r.hour;
      s.recentCostFen[slot] = 0;
      s.recentCostBid[slot] = 0;
    }
    s.recentCostFen[slot] += sign * cost;
    s.recentCostBid[slot] += sign * cost * served;
  }
  addLandscapePoint(s, w, served, imps, hod);
}

/**
 * The incremental state of one keyword at `at.asOf` from its rows (every row with hour < asOf).
 * `bidFen`: the keyword's current bid, assumed for rows without `bidFen`.
 */
export function decayedStateFromRows(rows: readonly StatRow[], bidFen: number, at: AggAt, config?: Partial<BiddingConfig> | BiddingConfig): DecayedState {
  const s = emptyState(at, resolveConfig(config));
  for (const r of rows) fold(s, r, 1, bidFen, at.plan.schedule);
  return s;
}

function copyState(s: DecayedState): DecayedState {
  return {
    ...s,
    delayWeights: [...s.delayWeights], delayTauHours: [...s.delayTauHours],
    clicksQ: [...s.clicksQ], roiCostQ: [...s.roiCostQ], roiClicksQ: [...s.roiClicksQ], roiCostBidQ: [...s.roiCostBidQ],
    recentHour: [...s.recentHour], recentCostFen: [...s.recentCostFen], recentCostBid: [...s.recentCostBid],
  };
}

/**
 * Rolls a state forward from `state.asOf` to `toAsOf` (>= state.asOf) and folds in the changes,
 * in order:
 *   - every row with state.asOf <= hour < toAsOf (new hours): `{ before: null, after: row }`;
 *   - a re-sent older row (more orders, corrected cost): `{ before: the version folded in, after: the new one }`.
 * `before` must be the version folded in earlier (by decayedStateFromRows, an earlier call, or an
 * earlier change of this call), or null. Rows with hour >= toAsOf are not yet visible: they are
 * ignored (pass them again, as new, once they are). Exact: the result equals
 * `decayedStateFromRows` of the current rows at toAsOf up to floating-point rounding.
 * `bidFen`: the current bid, assumed for rows without `bidFen` (pass the one used when the
 * `before` version was folded in, or record bidFen on every row); `schedule`: the plan's.
 * Pure: returns a new state.
 */
export function advanceState(state: DecayedState, toAsOf: number, changes: readonly RowChange[], bidFen = 0, schedule: PlanInput['schedule'] = null): DecayedState {
  const d = toAsOf - state.asOf;
  if (!(d >= 0) || !Number.isInteger(d)) throw new RangeError(`advanceState: toAsOf ${toAsOf} must be an hour index >= ${state.asOf}`);
  const s = copyState(state);
  if (d > 0) {
    const lam = Math.LN2 / s.halfLifeHours;
    const lamR = Math.LN2 / s.roiHalfLifeHours;
    const fw = Math.exp(-d * lam);
    const fr = Math.exp(-d * lamR);
    s.impressions *= fw;
    s.clicks *= fw;
    s.orders *= fw;
    s.gmvFen *= fw;
    s.costFen *= fw;
    s.clickBidFen *= fw;
    s.lw *= fw;
    s.lx *= fw;
    s.ly *= fw;
    s.lxx *= fw;
    s.lxy *= fw;
    s.roiGmv *= fr;
    s.roiCost *= fr;
    s.roiClicks *= fr;
    s.roiCostBid *= fr;
    for (let i = 0; i < s.delayTauHours.length; i++) {
      const fq = Math.exp(-d / s.delayTauHours[i]);
      s.clicksQ[i] *= fw * fq;
      s.roiCostQ[i] *= fr * fq;
      s.roiClicksQ[i] *= fr * fq;
      s.roiCostBidQ[i] *= fr * fq;
    }
    const hod = s.hourOfDay + d;
    s.asOf = toAsOf;
    s.hourOfDay = hod % 24;
    s.dayOfWeek = (s.dayOfWeek + Math.floor(hod / 24)) % 7;
    // A new local day: the rows already in are all before its midnight.
    if (hod >= 24) s.todayCostFen = 0;
    for (let j = 0; j < s.recentHour.length; j++) {
      if (s.recentHour[j] < toAsOf - s.pacingLookbackHours) {
        s.recentHour[j] = -1;
        s.recentCostFen[j] = 0;
        s.recentCostBid[j] = 0;
      }
    }
  }
  for (const c of changes) {
    if (c.before) fold(s, c.before, -1, bidFen, schedule);
    if (c.after) fold(s, c.after, 1, bidFen, schedule);
  }
  return s;
}

/** The `KeywordAgg` (what `optimizePlan` reads, as `KeywordInput.agg`) of a state at its asOf. */
export function stateAgg(s: DecayedState): KeywordAgg {
  let z = 1;
  let mc = s.clicks;
  let rc = s.roiCost;
  let rk = s.roiClicks;
  let rb = s.roiCostBid;
  for (let i = 0; i < s.delayTauHours.length; i++) {
    const tau = s.delayTauHours[i];
    const c = s.delayWeights[i] * Math.exp(0.5 / tau);
    z -= s.delayWeights[i] * Math.exp(-s.delayWindowHours / tau);
    mc -= c * s.clicksQ[i];
    rc -= c * s.roiCostQ[i];
    rk -= c * s.roiClicksQ[i];
    rb -= c * s.roiCostBidQ[i];
  }
  let lastCost = 0;
  let lastCostBid = 0;
  const since = s.asOf - s.pacingLookbackHours;
  for (let j = 0; j < s.recentHour.length; j++) {
    if (s.recentHour[j] >= since && s.recentHour[j] < s.asOf) {
      lastCost += s.recentCostFen[j];
      lastCostBid += s.recentCostBid[j];
    }
  }
  const a = emptyKeywordAgg();
  a.impressions = s.impressions;
  a.clicks = s.clicks;
  a.maturedClicks = Math.max(0, mc / z);
  a.orders = s.orders;
  a.gmvFen = s.gmvFen;
  a.costFen = s.costFen;
  a.clickBidFen = s.clickBidFen;
  a.roiMaturedCost = Math.max(0, rc / z);
  a.roiGmv = s.roiGmv;
  a.roiMaturedClicks = Math.max(0, rk / z);
  a.roiCostBid = Math.max(0, rb / z);
  a.lastCostFen = lastCost;
  a.lastCostBid = lastCostBid;
  a.todayCostFen = s.todayCostFen;
  a.rawClicks = s.rawClicks;
  a.lw = s.lw;
  a.lx = s.lx;
  a.ly = s.ly;
  a.lxx = s.lxx;
  a.lxy = s.lxy;
  return a;
}
