import { DEFAULT_TRAFFIC_CURVE } from './config';
import { betaPosterior, clamp, decayWeight, fitBetaStrength, nonNeg, reportedShare, shrinkOrderValue, type RateObs } from './stats';
import type { BiddingConfig, Interval, KeywordInput, OptimizeInput, ParentCounts, UnitInput } from './types';

/** Decayed sums of one keyword's history, in one pass over its rows. */
export interface KeywordAgg {
  impressions: number;
  clicks: number;
  /** Sum of w * clicks * F(age): the clicks whose orders should have been reported by now. */
  maturedClicks: number;
  orders: number;
  gmvFen: number;
  costFen: number;
  /** Sum of w * clicks * served bid: with costFen gives paid price / bid. */
  clickBidFen: number;
  // ROI window (shorter half-life), delay-corrected.
  roiMaturedCost: number;
  roiGmv: number;
  roiMaturedClicks: number;
  /** Sum of w * F * cost * served bid, divided later by value per click for the applied multiplier. */
  roiCostBid: number;
  // Last pacing hours, undecayed (integer fen).
  lastCostFen: number;
  lastCostBid: number;
  /** Spend since local midnight, integer fen. */
  todayCostFen: number;
  rawClicks: number;
  // Weighted moments of (ln served bid, ln traffic-normalised impressions) for the bid landscape.
  lw: number;
  lx: number;
  ly: number;
  lxx: number;
  lxy: number;
}

export interface PlanAgg {
  keywords: KeywordAgg[];
  /** Plan spend per hour for the 48 hours before asOf, index 0 = asOf - 48. Integer fen. */
  hourCostFen: number[];
  /** Plan impressions by [day back (0 = today)][hour of day], for the traffic curve. */
  dayHourImpressions: Float64Array;
  lookbackDays: number;
}

export function hourOfDayOf(rowHour: number, asOf: number, hourOfDay: number): number {
  return (((hourOfDay - (asOf - rowHour)) % 24) + 24) % 24;
}

/** Day of week (0 = Monday) of a past hour, from the local day of week of asOf. */
export function dayOfWeekOf(rowHour: number, asOf: number, hourOfDay: number, dayOfWeek: number): number {
  const dayStart = asOf - hourOfDay;
  const daysBack = Math.floor((rowHour - dayStart) / 24);
  return (((dayOfWeek + daysBack) % 7) + 7) % 7;
}

export function scheduleAt(schedule: OptimizeInput['plan']['schedule'], dow: number, hod: number): number {
  if (!schedule) return 1;
  const v = schedule[dow]?.[hod];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 1;
}

interface AgeTables {
  key: string;
  f: Float64Array;
  w: Float64Array;
  wr: Float64Array;
}
let tables: AgeTables | null = null;

/**
 * Ages are whole hours, so the decay weights and reported shares are looked up, not recomputed
 * per row (the tables are a pure function of the config: caching them changes no result).
 */
function ageTables(cfg: BiddingConfig, halfLife: number, roiHalfLife: number): AgeTables {
  const key = `${cfg.lookbackHours}|${halfLife}|${roiHalfLife}|${cfg.delay.weights.join(',')}|${cfg.delay.tauHours.join(',')}|${cfg.delay.windowHours}`;
  if (tables && tables.key === key) return tables;
  const n = Math.max(1, Math.floor(cfg.lookbackHours)) + 1;
  const f = new Float64Array(n);
  const w = new Float64Array(n);
  const wr = new Float64Array(n);
  for (let age = 0; age < n; age++) {
    f[age] = reportedShare(age - 0.5, cfg.delay);
    w[age] = decayWeight(age, halfLife);
    wr[age] = decayWeight(age, roiHalfLife);
  }
  return (tables = { key, f, w, wr });
}

export function aggregate(input: OptimizeInput, cfg: BiddingConfig, halfLife: number, roiHalfLife: number): PlanAgg {
  const { asOf, hourOfDay, dayOfWeek } = input;
  const t = ageTables(cfg, halfLife, roiHalfLife);
  const dayStart = asOf - hourOfDay;
  const lookbackDays = Math.ceil(cfg.lookbackHours / 24) + 1;
  const dayHourImpressions = new Float64Array(lookbackDays * 24);
  const hourCostFen = new Array<number>(48).fill(0);
  const keywords: KeywordAgg[] = [];
  const schedule = input.plan.schedule;
  for (const kw of input.keywords) {
    const a: KeywordAgg = {
      impressions: 0, clicks: 0, maturedClicks: 0, orders: 0, gmvFen: 0, costFen: 0, clickBidFen: 0,
      roiMaturedCost: 0, roiGmv: 0, roiMaturedClicks: 0, roiCostBid: 0,
      lastCostFen: 0, lastCostBid: 0, todayCostFen: 0, rawClicks: 0,
      lw: 0, lx: 0, ly: 0, lxx: 0, lxy: 0,
    };
    for (const r of kw.rows) {
      const age = asOf - r.hour;
      if (!(age >= 1) || age > cfg.lookbackHours || !Number.isInteger(age)) continue;
      const imps = nonNeg(r.impressions);
      const clicks = Math.min(nonNeg(r.clicks), imps > 0 ? imps : Infinity);
      const cost = Math.round(nonNeg(r.costFen));
      const orders = nonNeg(r.orders);
      const gmv = Math.round(nonNeg(r.gmvFen));
      const hod = hourOfDayOf(r.hour, asOf, hourOfDay);
      const s = schedule ? scheduleAt(schedule, dayOfWeekOf(r.hour, asOf, hourOfDay, dayOfWeek), hod) : 1;
      const served = nonNeg(r.bidFen ?? kw.bidFen) * (s > 0 ? s : 1);
      // Age of the middle of the click hour: its orders have had (age - 0.5) hours to arrive.
      const f = t.f[age];
      const w = t.w[age];
      a.impressions += w * imps;
      a.clicks += w * clicks;
      a.maturedClicks += w * clicks * f;
      a.orders += w * orders;
      a.gmvFen += w * gmv;
      a.costFen += w * cost;
      a.clickBidFen += w * clicks * served;
      a.rawClicks += clicks;
      const wr = t.wr[age];
      a.roiMaturedCost += wr * f * cost;
      a.roiGmv += wr * gmv;
      a.roiMaturedClicks += wr * f * clicks;
      a.roiCostBid += wr * f * cost * served;
      if (age <= cfg.pacingLookbackHours) {
        a.lastCostFen += cost;
        a.lastCostBid += cost * served;
      }
      if (r.hour >= dayStart) a.todayCostFen += cost;
      if (age <= 48) hourCostFen[48 - age] += cost;
      const daysBack = Math.floor((dayStart + 24 - 1 - r.hour) / 24);
      if (daysBack >= 0 && daysBack < lookbackDays) dayHourImpressions[daysBack * 24 + hod] += imps;
      if (imps > 0 && served > 0) {
        const x = Math.log(served);
        const y = Math.log(imps / DEFAULT_TRAFFIC_CURVE[hod]);
        a.lw += w;
        a.lx += w * x;
        a.ly += w * y;
        a.lxx += w * x * x;
        a.lxy += w * x * y;
      }
    }
    keywords.push(a);
  }
  return { keywords, hourCostFen, dayHourImpressions, lookbackDays };
}

export interface KeywordEstimate {
  ctr: Interval;
  cvr: Interval;
  orderValueFen: Interval;
  valuePerClickFen: number;
  priceRatio: number;
  elasticity: number;
}

export interface UnitEstimate {
  ctr: Interval;
  cvr: Interval;
  orderValueFen: Interval;
  clicks: number;
  rawClicks: number;
}

export interface PlanEstimates {
  keywords: KeywordEstimate[];
  units: Map<string, UnitEstimate>;
  planCtr: Interval;
  planCvr: Interval;
  planPriceRatio: number;
  planElasticity: number;
}

interface Sums {
  impressions: number;
  clicks: number;
  matured: number;
  orders: number;
  gmv: number;
  cost: number;
  clickBid: number;
  rawClicks: number;
}

function emptySums(): Sums {
  return { impressions: 0, clicks: 0, matured: 0, orders: 0, gmv: 0, cost: 0, clickBid: 0, rawClicks: 0 };
}

function addSums(s: Sums, a: KeywordAgg): void {
  s.impressions += a.impressions;
  s.clicks += a.clicks;
  s.matured += a.maturedClicks;
  s.orders += a.orders;
  s.gmv += a.gmvFen;
  s.cost += a.costFen;
  s.clickBid += a.clickBidFen;
  s.rawClicks += a.rawClicks;
}

/** CVR trials: matured clicks, never fewer than the orders already seen. */
function cvrTrials(matured: number, orders: number): number {
  return Math.max(matured, orders);
}

/**
 * Paid price / bid with pseudo-clicks toward a prior ratio:
 *   rho = (cost + k rho0 bbar) / (sum clicks x bid + k bbar), bbar = click-weighted bid.
 * In a generalized second-price auction the price is the next score over one's quality, so
 * rho < 1; it is what turns a value-based bid into an expected ROI.
 */
export function priceRatio(costFen: number, clickBidFen: number, clicks: number, fallbackBidFen: number, prior: number, priorClicks: number): number {
  const bbar = clicks > 0 && clickBidFen > 0 ? clickBidFen / clicks : Math.max(fallbackBidFen, 1);
  const r = (costFen + priorClicks * prior * bbar) / (clickBidFen + priorClicks * bbar);
  return Number.isFinite(r) ? clamp(r, 0.05, 1) : prior;
}

/**
 * Impressions elasticity to the bid from the keyword's own (bid, impressions) history: weighted
 * least squares slope of ln(impressions / hour share) on ln(bid). Needs bid variation (sd of
 * ln bid >= 0.05), else the prior. Clamped to [0.2, 3].
 */
export function elasticity(lw: number, lx: number, ly: number, lxx: number, lxy: number, prior: number): number {
  if (!(lw > 0)) return prior;
  const mx = lx / lw;
  const vx = lxx / lw - mx * mx;
  if (!(vx > 0.0025)) return prior;
  const cov = lxy / lw - mx * (ly / lw);
  const e = cov / vx;
  // Shrink toward the prior by how little bid variation there is (one unit of prior at vx = 0.01).
  const wgt = vx / (vx + 0.01);
  return Number.isFinite(e) ? clamp(wgt * e + (1 - wgt) * prior, 0.2, 3) : prior;
}

/**
 * Hierarchical empirical-Bayes estimates, keyword -> unit -> plan -> advertiser (Wang et al. 2011):
 * each level's Beta prior has its parent's posterior mean and a strength fitted across siblings.
 */
export function estimatePlan(input: OptimizeInput, agg: PlanAgg, cfg: BiddingConfig): PlanEstimates {
  const kws = input.keywords;
  const unitById = new Map<string, UnitInput>();
  for (const u of input.units) unitById.set(u.id, u);
  const unitSums = new Map<string, Sums>();
  const plan = emptySums();
  for (let i = 0; i < kws.length; i++) {
    const a = agg.keywords[i];
    let s = unitSums.get(kws[i].unitId);
    if (!s) unitSums.set(kws[i].unitId, (s = emptySums()));
    addSums(s, a);
    addSums(plan, a);
  }
  const top: ParentCounts = input.advertiser ?? { impressions: 0, clicks: 0, orders: 0, gmvFen: 0 };
  const advCtr = betaPosterior(cfg.priorCtr, cfg.defaultCtrStrength, nonNeg(top.clicks), nonNeg(top.impressions));
  const advCvr = betaPosterior(cfg.priorCvr, cfg.defaultCvrStrength, nonNeg(top.orders), nonNeg(top.clicks));
  const planCtr = betaPosterior(advCtr.mean, cfg.defaultCtrStrength, plan.clicks, plan.impressions);
  const planCvr = betaPosterior(advCvr.mean, cfg.defaultCvrStrength, plan.orders, cvrTrials(plan.matured, plan.orders));

  const unitIds = [...unitSums.keys()];
  const ctrObs: RateObs[] = unitIds.map((id) => {
    const s = unitSums.get(id)!;
    return { successes: s.clicks, trials: s.impressions, parentMean: planCtr.mean };
  });
  const cvrObs: RateObs[] = unitIds.map((id) => {
    const s = unitSums.get(id)!;
    return { successes: s.orders, trials: cvrTrials(s.matured, s.orders), parentMean: planCvr.mean };
  });
  const unitCtrK = fitBetaStrength(ctrObs, cfg.defaultCtrStrength, cfg.minStrength, cfg.maxStrength);
  const unitCvrK = fitBetaStrength(cvrObs, cfg.defaultCvrStrength, cfg.minStrength, cfg.maxStrength);
  const units = new Map<string, UnitEstimate>();
  unitIds.forEach((id, j) => {
    const s = unitSums.get(id)!;
    const price = unitById.get(id)?.skuPriceFen ?? 0;
    units.set(id, {
      ctr: betaPosterior(planCtr.mean, unitCtrK, ctrObs[j].successes, ctrObs[j].trials),
      cvr: betaPosterior(planCvr.mean, unitCvrK, cvrObs[j].successes, cvrObs[j].trials),
      orderValueFen: shrinkOrderValue(nonNeg(price), cfg.orderValuePriorOrders, s.orders, s.gmv),
      clicks: s.clicks,
      rawClicks: s.rawClicks,
    });
  });

  const kwCtrObs: RateObs[] = [];
  const kwCvrObs: RateObs[] = [];
  for (let i = 0; i < kws.length; i++) {
    const a = agg.keywords[i];
    const u = units.get(kws[i].unitId)!;
    kwCtrObs.push({ successes: a.clicks, trials: a.impressions, parentMean: u.ctr.mean });
    kwCvrObs.push({ successes: a.orders, trials: cvrTrials(a.maturedClicks, a.orders), parentMean: u.cvr.mean });
  }
  const kwCtrK = fitBetaStrength(kwCtrObs, cfg.defaultCtrStrength, cfg.minStrength, cfg.maxStrength);
  const kwCvrK = fitBetaStrength(kwCvrObs, cfg.defaultCvrStrength, cfg.minStrength, cfg.maxStrength);

  let meanQs = 0;
  let nQs = 0;
  for (const k of kws) {
    if (typeof k.qualityScore === 'number' && k.qualityScore >= 1 && k.qualityScore <= 10) {
      meanQs += k.qualityScore;
      nQs++;
    }
  }
  meanQs = nQs ? meanQs / nQs : 0;

  const meanBid = kws.length ? kws.reduce((s, k) => s + nonNeg(k.bidFen), 0) / kws.length : 100;
  const planRho = priceRatio(plan.cost, plan.clickBid, plan.clicks, meanBid, cfg.defaultPriceRatio, cfg.priceRatioPriorClicks);
  let pw = 0, px = 0, py = 0, pxx = 0, pxy = 0;
  for (const a of agg.keywords) {
    // Pool within-keyword moments so keywords' different levels do not masquerade as elasticity.
    if (a.lw > 0) {
      const mx = a.lx / a.lw;
      const my = a.ly / a.lw;
      pw += a.lw;
      pxx += a.lxx - a.lw * mx * mx;
      pxy += a.lxy - a.lw * mx * my;
    }
  }
  const planElasticity = elasticity(pw, px, py, pxx, pxy, cfg.defaultElasticity);

  const keywords: KeywordEstimate[] = kws.map((k, i) => {
    const a = agg.keywords[i];
    const u = units.get(k.unitId)!;
    // The platform's quality score is a prior on CTR, not an answer: it tilts the prior mean only.
    const qs = typeof k.qualityScore === 'number' && meanQs > 0 ? clamp(k.qualityScore / meanQs, 0.5, 2) : 1;
    const ctr = betaPosterior(clamp(u.ctr.mean * qs, 1e-6, 0.999), kwCtrK, kwCtrObs[i].successes, kwCtrObs[i].trials);
    const cvr = betaPosterior(u.cvr.mean, kwCvrK, kwCvrObs[i].successes, kwCvrObs[i].trials);
    const orderValueFen = shrinkOrderValue(u.orderValueFen.mean, cfg.orderValuePriorOrders, a.orders, a.gmvFen);
    const rho = priceRatio(a.costFen, a.clickBidFen, a.clicks, nonNeg(k.bidFen), planRho, cfg.priceRatioPriorClicks);
    const e = elasticity(a.lw, a.lx, a.ly, a.lxx, a.lxy, planElasticity);
    return { ctr, cvr, orderValueFen, valuePerClickFen: cvr.mean * orderValueFen.mean, priceRatio: rho, elasticity: e };
  });
  return { keywords, units, planCtr, planCvr, planPriceRatio: planRho, planElasticity };
}

export type { KeywordInput };
