import { DEFAULT_TRAFFIC_CURVE, resolveConfig } from './config';
import { betaMean, betaPosterior, clamp, decayWeight, fitBetaStrength, fitBetaStrengthColumns, nonNeg, reportedShare, shrinkOrderValue, shrinkOrderValueMean, type RateObs } from './stats';
import type { BiddingConfig, Interval, KeywordAgg, KeywordInput, OptimizeInput, ParentCounts, PlanHourInput, PlanInput, PlanType, StatRow, UnitInput } from './types';

/** Plan-level history: from the keywords' rows, or from a plan-hour rollup (`OptimizeInput.planHours`). */
export interface PlanHistory {
  /** Plan spend per hour for the 48 hours before asOf, index 0 = asOf - 48. Integer fen. */
  hourCostFen: number[];
  /** Plan impressions by [day back (0 = today)][hour of day], for the traffic curve. */
  dayHourImpressions: number[];
  lookbackDays: number;
  /** Plan spend since local midnight, integer fen. */
  todayCostFen: number;
}

export interface PlanAgg extends PlanHistory {
  keywords: KeywordAgg[];
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

/** Half-lives of a plan: the promo ones for promo plans (faster adaptation). */
export function halfLivesOf(planType: PlanType, cfg: BiddingConfig): { halfLife: number; roiHalfLife: number } {
  return planType === 'promo'
    ? { halfLife: cfg.promoHalfLifeHours, roiHalfLife: cfg.promoRoiHalfLifeHours }
    : { halfLife: cfg.halfLifeHours, roiHalfLife: cfg.roiHalfLifeHours };
}

/** A `KeywordAgg` of zeros. */
export function emptyKeywordAgg(): KeywordAgg {
  // Created with fractional values, then zeroed: every field is a double from the start, so V8
  // never has to migrate a million objects whose fields started as small integers (a literal of
  // zeros did, on first use: it made the first pass over a million aggregates 2x slower).
  const a: KeywordAgg = {
    impressions: 0.5, clicks: 0.5, maturedClicks: 0.5, orders: 0.5, gmvFen: 0.5, costFen: 0.5, clickBidFen: 0.5,
    roiMaturedCost: 0.5, roiGmv: 0.5, roiMaturedClicks: 0.5, roiCostBid: 0.5,
    lastCostFen: 0.5, lastCostBid: 0.5, todayCostFen: 0.5, rawClicks: 0.5,
    lw: 0.5, lx: 0.5, ly: 0.5, lxx: 0.5, lxy: 0.5,
  };
  a.impressions = 0; a.clicks = 0; a.maturedClicks = 0; a.orders = 0; a.gmvFen = 0; a.costFen = 0; a.clickBidFen = 0;
  a.roiMaturedCost = 0; a.roiGmv = 0; a.roiMaturedClicks = 0; a.roiCostBid = 0;
  a.lastCostFen = 0; a.lastCostBid = 0; a.todayCostFen = 0; a.rawClicks = 0;
  a.lw = 0; a.lx = 0; a.ly = 0; a.lxx = 0; a.lxy = 0;
  return a;
}

function emptyPlanHistory(cfg: BiddingConfig): PlanHistory {
  const lookbackDays = Math.ceil(cfg.lookbackHours / 24) + 1;
  return { hourCostFen: new Array<number>(48).fill(0), dayHourImpressions: new Array<number>(lookbackDays * 24).fill(0), lookbackDays, todayCostFen: 0 };
}

/** Where and when a keyword's rows are read: `OptimizeInput` satisfies it. */
export interface AggAt {
  /** Hour index planned for; rows with hour < asOf are used. */
  asOf: number;
  hourOfDay: number;
  dayOfWeek: number;
  plan: { type: PlanType; schedule?: PlanInput['schedule'] };
}

/**
 * One pass over a keyword's rows into `a` (and, when given, the plan-level history `ph`).
 * The single definition of the per-row formulas: `aggregate` and `keywordAggFromRows` both use it.
 */
function accumulateRows(a: KeywordAgg, rows: readonly StatRow[], bidFen: number, at: AggAt, cfg: BiddingConfig, t: AgeTables, ph: PlanHistory | null): void {
  const { asOf, hourOfDay, dayOfWeek } = at;
  const schedule = at.plan.schedule;
  const dayStart = asOf - hourOfDay;
  for (const r of rows) {
    const age = asOf - r.hour;
    if (!(age >= 1) || age > cfg.lookbackHours || !Number.isInteger(age)) continue;
    const imps = nonNeg(r.impressions);
    const clicks = Math.min(nonNeg(r.clicks), imps > 0 ? imps : Infinity);
    const cost = Math.round(nonNeg(r.costFen));
    const orders = nonNeg(r.orders);
    const gmv = Math.round(nonNeg(r.gmvFen));
    const hod = hourOfDayOf(r.hour, asOf, hourOfDay);
    const s = schedule ? scheduleAt(schedule, dayOfWeekOf(r.hour, asOf, hourOfDay, dayOfWeek), hod) : 1;
    const served = nonNeg(r.bidFen ?? bidFen) * (s > 0 ? s : 1);
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
    if (ph) {
      if (age <= 48) ph.hourCostFen[48 - age] += cost;
      const daysBack = Math.floor((dayStart + 24 - 1 - r.hour) / 24);
      if (daysBack >= 0 && daysBack < ph.lookbackDays) ph.dayHourImpressions[daysBack * 24 + hod] += imps;
    }
    addLandscapePoint(a, w, served, imps, hod);
  }
}

/**
 * Adds one row to the bid-landscape moments (x = ln served bid, y = ln(impressions / the default
 * share of its hour)) with weight w; rows without impressions or a served bid carry no point.
 * Shared by the row path here and the incremental state (state.ts).
 */
export function addLandscapePoint(m: Pick<KeywordAgg, 'lw' | 'lx' | 'ly' | 'lxx' | 'lxy'>, w: number, served: number, imps: number, hod: number): void {
  if (!(imps > 0 && served > 0)) return;
  const x = Math.log(served);
  const y = Math.log(imps / DEFAULT_TRAFFIC_CURVE[hod]);
  m.lw += w;
  m.lx += w * x;
  m.ly += w * y;
  m.lxx += w * x * x;
  m.lxy += w * x * y;
}

/**
 * The decayed state of one keyword at `at.asOf` from its hourly rows: exactly what `optimizePlan`
 * computes from `KeywordInput.rows`, so `{ ...keyword, agg: keywordAggFromRows(...) }` decides the
 * same. `bidFen` is the keyword's current bid (assumed for rows without `bidFen`).
 */
export function keywordAggFromRows(rows: readonly StatRow[], bidFen: number, at: AggAt, config?: Partial<BiddingConfig> | BiddingConfig): KeywordAgg {
  const cfg = resolveConfig(config);
  const { halfLife, roiHalfLife } = halfLivesOf(at.plan.type, cfg);
  const a = emptyKeywordAgg();
  accumulateRows(a, rows, bidFen, at, cfg, ageTables(cfg, halfLife, roiHalfLife), null);
  return a;
}

/**
 * Plan-level history from a plan-hour rollup (one entry per hour: the plan's total impressions and
 * spend), with the same filters as the row path: 1 <= age <= lookbackHours, integer age.
 *   hourCostFen[48 - age] = cost of the hour asOf - age, age <= 48
 *   dayHourImpressions[d * 24 + h] = impressions of local day d back (0 = today), hour of day h
 *   todayCostFen = sum of cost over hours >= asOf - hourOfDay
 */
function planHistoryOf(hours: readonly PlanHourInput[], asOf: number, hourOfDay: number, cfg: BiddingConfig): PlanHistory {
  const ph = emptyPlanHistory(cfg);
  const dayStart = asOf - hourOfDay;
  for (const r of hours) {
    const age = asOf - r.hour;
    if (!(age >= 1) || age > cfg.lookbackHours || !Number.isInteger(age)) continue;
    const imps = nonNeg(r.impressions);
    const cost = Math.round(nonNeg(r.costFen));
    if (age <= 48) ph.hourCostFen[48 - age] += cost;
    if (r.hour >= dayStart) ph.todayCostFen += cost;
    const daysBack = Math.floor((dayStart + 24 - 1 - r.hour) / 24);
    if (daysBack >= 0 && daysBack < ph.lookbackDays) ph.dayHourImpressions[daysBack * 24 + hourOfDayOf(r.hour, asOf, hourOfDay)] += imps;
  }
  return ph;
}

/**
 * Per-keyword decayed state (the keyword's `agg` when given, else built from its rows) and the
 * plan-level history (from `input.planHours` when given, else summed from the keywords' rows:
 * keywords that carry `agg` then contribute nothing to the plan's hourly spend and traffic curve,
 * so a caller supplying `agg` should supply `planHours` too).
 */
export function aggregate(input: OptimizeInput, cfg: BiddingConfig, halfLife: number, roiHalfLife: number): PlanAgg {
  const fromHours = input.planHours ? planHistoryOf(input.planHours, input.asOf, input.hourOfDay, cfg) : null;
  const ph = fromHours ?? emptyPlanHistory(cfg);
  const kws = input.keywords;
  const n = kws.length;
  const keywords: KeywordAgg[] = new Array<KeywordAgg>(n);
  let t: AgeTables | null = null;
  let today = 0;
  for (let i = 0; i < n; i++) {
    const kw = kws[i];
    let a = kw.agg;
    if (!a) {
      a = emptyKeywordAgg();
      const rows = kw.rows;
      if (rows && rows.length) accumulateRows(a, rows, kw.bidFen, input, cfg, (t ??= ageTables(cfg, halfLife, roiHalfLife)), fromHours ? null : ph);
    }
    today += a.todayCostFen;
    keywords[i] = a;
  }
  if (!fromHours) ph.todayCostFen = today;
  return { keywords, hourCostFen: ph.hourCostFen, dayHourImpressions: ph.dayHourImpressions, lookbackDays: ph.lookbackDays, todayCostFen: ph.todayCostFen };
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
  /** Unit ids in order of first appearance among the keywords, and each keyword's index into it. */
  unitIds: string[];
  unitOf: number[];
  /** The units' estimates, in `unitIds` order. */
  unitList: UnitEstimate[];
  /** Empirical-Bayes strengths of the keyword level (CTR, CVR) and the plan's mean quality score (0: none). */
  keywordCtrStrength: number;
  keywordCvrStrength: number;
  meanQualityScore: number;
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
export function cvrTrials(matured: number, orders: number): number {
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

// Reused work columns (the model is synchronous and they never leave a call): typed arrays are
// allocated off the JS heap, and a handful per plan cost more than the plan's arithmetic.
const columns: Float64Array[] = [];

/** Work column `slot` with room for n values; its contents are garbage until written. */
export function scratchColumn(slot: number, n: number): Float64Array {
  let c = columns[slot];
  if (!c || c.length < n) columns[slot] = c = new Float64Array(Math.max(n, 1024));
  return c;
}

/** Everything of `estimatePlan` above the keywords (units, plan, strengths); `keywords` left empty. */
export function estimateLevels(input: OptimizeInput, agg: PlanAgg, cfg: BiddingConfig): PlanEstimates {
  const kws = input.keywords;
  const n = kws.length;
  const aggs = agg.keywords;
  // Units by first appearance; one Map lookup per keyword, then indexes.
  const unitIndex = new Map<string, number>();
  const unitIds: string[] = [];
  const unitSums: Sums[] = [];
  const unitOf = new Array<number>(n);
  const plan = emptySums();
  for (let i = 0; i < n; i++) {
    const id = kws[i].unitId;
    let j = unitIndex.get(id);
    if (j === undefined) {
      j = unitIds.length;
      unitIndex.set(id, j);
      unitIds.push(id);
      unitSums.push(emptySums());
    }
    unitOf[i] = j;
    const a = aggs[i];
    addSums(unitSums[j], a);
    addSums(plan, a);
  }
  const top: ParentCounts = input.advertiser ?? { impressions: 0, clicks: 0, orders: 0, gmvFen: 0 };
  const advCtr = betaPosterior(cfg.priorCtr, cfg.defaultCtrStrength, nonNeg(top.clicks), nonNeg(top.impressions));
  const advCvr = betaPosterior(cfg.priorCvr, cfg.defaultCvrStrength, nonNeg(top.orders), nonNeg(top.clicks));
  const planCtr = betaPosterior(advCtr.mean, cfg.defaultCtrStrength, plan.clicks, plan.impressions);
  const planCvr = betaPosterior(advCvr.mean, cfg.defaultCvrStrength, plan.orders, cvrTrials(plan.matured, plan.orders));

  const ctrObs: RateObs[] = unitSums.map((s) => ({ successes: s.clicks, trials: s.impressions, parentMean: planCtr.mean }));
  const cvrObs: RateObs[] = unitSums.map((s) => ({ successes: s.orders, trials: cvrTrials(s.matured, s.orders), parentMean: planCvr.mean }));
  const unitCtrK = fitBetaStrength(ctrObs, cfg.defaultCtrStrength, cfg.minStrength, cfg.maxStrength);
  const unitCvrK = fitBetaStrength(cvrObs, cfg.defaultCvrStrength, cfg.minStrength, cfg.maxStrength);
  const skuPrice = new Map<string, number>();
  for (const u of input.units) skuPrice.set(u.id, u.skuPriceFen);
  const units = new Map<string, UnitEstimate>();
  const unitList: UnitEstimate[] = [];
  for (let j = 0; j < unitIds.length; j++) {
    const s = unitSums[j];
    const price = skuPrice.get(unitIds[j]) ?? 0;
    const u: UnitEstimate = {
      ctr: betaPosterior(planCtr.mean, unitCtrK, ctrObs[j].successes, ctrObs[j].trials),
      cvr: betaPosterior(planCvr.mean, unitCvrK, cvrObs[j].successes, cvrObs[j].trials),
      orderValueFen: shrinkOrderValue(nonNeg(price), cfg.orderValuePriorOrders, s.orders, s.gmv),
      clicks: s.clicks,
      rawClicks: s.rawClicks,
    };
    units.set(unitIds[j], u);
    unitList.push(u);
  }

  // Keyword-level strengths over typed columns (no per-keyword observation objects).
  const ctrSucc = scratchColumn(0, n);
  const ctrTrials = scratchColumn(1, n);
  const ctrParent = scratchColumn(2, n);
  const cvrSucc = scratchColumn(3, n);
  const cvrTrialsCol = scratchColumn(4, n);
  const cvrParent = scratchColumn(5, n);
  for (let i = 0; i < n; i++) {
    const a = aggs[i];
    const u = unitList[unitOf[i]];
    ctrSucc[i] = a.clicks;
    ctrTrials[i] = a.impressions;
    ctrParent[i] = u.ctr.mean;
    cvrSucc[i] = a.orders;
    cvrTrialsCol[i] = cvrTrials(a.maturedClicks, a.orders);
    cvrParent[i] = u.cvr.mean;
  }
  const kwCtrK = fitBetaStrengthColumns(ctrSucc, ctrTrials, ctrParent, n, cfg.defaultCtrStrength, cfg.minStrength, cfg.maxStrength);
  const kwCvrK = fitBetaStrengthColumns(cvrSucc, cvrTrialsCol, cvrParent, n, cfg.defaultCvrStrength, cfg.minStrength, cfg.maxStrength);

  let meanQs = 0;
  let nQs = 0;
  let bidSum = 0;
  for (let i = 0; i < n; i++) {
    const k = kws[i];
    if (typeof k.qualityScore === 'number' && k.qualityScore >= 1 && k.qualityScore <= 10) {
      meanQs += k.qualityScore;
      nQs++;
    }
    bidSum += nonNeg(k.bidFen);
  }
  meanQs = nQs ? meanQs / nQs : 0;

  const meanBid = n ? bidSum / n : 100;
  const planRho = priceRatio(plan.cost, plan.clickBid, plan.clicks, meanBid, cfg.defaultPriceRatio, cfg.priceRatioPriorClicks);
  let pw = 0, px = 0, py = 0, pxx = 0, pxy = 0;
  for (let i = 0; i < n; i++) {
    const a = aggs[i];
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

  return {
    keywords: [], units, planCtr, planCvr, planPriceRatio: planRho, planElasticity, unitIds, unitOf, unitList,
    keywordCtrStrength: kwCtrK, keywordCvrStrength: kwCvrK, meanQualityScore: meanQs,
  };
}

/**
 * Hierarchical empirical-Bayes estimates, keyword -> unit -> plan -> advertiser (Wang et al. 2011):
 * each level's Beta prior has its parent's posterior mean and a strength fitted across siblings.
 */
export function estimatePlan(input: OptimizeInput, agg: PlanAgg, cfg: BiddingConfig): PlanEstimates {
  const pe = estimateLevels(input, agg, cfg);
  const n = input.keywords.length;
  const keywords: KeywordEstimate[] = new Array<KeywordEstimate>(n);
  for (let i = 0; i < n; i++) keywords[i] = estimateKeyword(pe, input.keywords[i], agg.keywords[i], pe.unitOf[i], cfg);
  pe.keywords = keywords;
  return pe;
}

/** `estimateKeyword(...).valuePerClickFen` without the intervals (same arithmetic, no allocation). */
export function keywordValuePerClick(pe: PlanEstimates, a: KeywordAgg, unit: number, cfg: BiddingConfig): number {
  const u = pe.unitList[unit];
  return betaMean(u.cvr.mean, pe.keywordCvrStrength, a.orders, cvrTrials(a.maturedClicks, a.orders)) * shrinkOrderValueMean(u.orderValueFen.mean, cfg.orderValuePriorOrders, a.orders, a.gmvFen);
}

/** One keyword's posterior CTR / CVR, order value, value per click, price ratio and elasticity. */
export function estimateKeyword(pe: PlanEstimates, k: KeywordInput, a: KeywordAgg, unit: number, cfg: BiddingConfig): KeywordEstimate {
  const u = pe.unitList[unit];
  const meanQs = pe.meanQualityScore;
  // The platform's quality score is a prior on CTR, not an answer: it tilts the prior mean only.
  const qs = typeof k.qualityScore === 'number' && meanQs > 0 ? clamp(k.qualityScore / meanQs, 0.5, 2) : 1;
  const ctr = betaPosterior(clamp(u.ctr.mean * qs, 1e-6, 0.999), pe.keywordCtrStrength, a.clicks, a.impressions);
  const cvr = betaPosterior(u.cvr.mean, pe.keywordCvrStrength, a.orders, cvrTrials(a.maturedClicks, a.orders));
  const orderValueFen = shrinkOrderValue(u.orderValueFen.mean, cfg.orderValuePriorOrders, a.orders, a.gmvFen);
  const rho = priceRatio(a.costFen, a.clickBidFen, a.clicks, nonNeg(k.bidFen), pe.planPriceRatio, cfg.priceRatioPriorClicks);
  const e = elasticity(a.lw, a.lx, a.ly, a.lxx, a.lxy, pe.planElasticity);
  return { ctr, cvr, orderValueFen, valuePerClickFen: cvr.mean * orderValueFen.mean, priceRatio: rho, elasticity: e };
}

export type { KeywordAgg, KeywordInput };
