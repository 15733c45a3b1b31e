/**
 * Inputs and outputs of the bid model. libs/bidding defines its own shapes (it may not import
 * libs/domain): the worker maps its rows onto these. Money is integer fen throughout; hours are
 * integer hour indexes (hours since 1970-01-01T00:00Z) so the model never reads a clock.
 */

export type PlanType = 'core_word' | 'long_tail' | 'test_product' | 'promo';
export type PromoPhaseName = 'preheat' | 'main' | 'tail';

/** One keyword-hour of the platform's report, as re-sent so far (orders keep arriving). */
export interface StatRow {
  /** Hour index of the click hour (hours since the Unix epoch, UTC). */
  hour: number;
  impressions: number;
  clicks: number;
  costFen: number;
  orders: number;
  gmvFen: number;
  /** Base bid in force during that hour; the current bid is assumed when absent. */
  bidFen?: number;
  avgPosition?: number;
}

/**
 * The decayed per-keyword state at `asOf`: everything the model reads of a keyword's history.
 * Built from rows by `keywordAggFromRows` (one pass, the formulas below), or supplied directly as
 * `KeywordInput.agg` (e.g. kept by the worker with `advanceState`, or computed in SQL). With
 * w = 2^(-age / H), wr = 2^(-age / H_roi), F = the reported share at age - 0.5 (README section 1),
 * served = (bidFen of the row, else the keyword's current bid) x the schedule multiplier of the
 * row's hour (1 when 0), over rows with 1 <= age <= lookbackHours (age = asOf - hour, integer):
 */
export interface KeywordAgg {
  /** Sum of w * impressions. */
  impressions: number;
  /** Sum of w * clicks (clicks capped at impressions when impressions > 0). */
  clicks: number;
  /** Sum of w * clicks * F(age): the clicks whose orders should have been reported by now. */
  maturedClicks: number;
  /** Sum of w * orders. */
  orders: number;
  /** Sum of w * gmvFen (gmv rounded to whole fen per row). */
  gmvFen: number;
  /** Sum of w * costFen (cost rounded to whole fen per row). */
  costFen: number;
  /** Sum of w * clicks * served bid: with costFen gives paid price / bid. */
  clickBidFen: number;
  // ROI window (shorter half-life), delay-corrected.
  /** Sum of wr * F * costFen. */
  roiMaturedCost: number;
  /** Sum of wr * gmvFen. */
  roiGmv: number;
  /** Sum of wr * F * clicks. */
  roiMaturedClicks: number;
  /** Sum of wr * F * cost * served bid, divided later by value per click for the applied multiplier. */
  roiCostBid: number;
  // Last pacing hours, undecayed (integer fen).
  /** Sum of costFen over rows with age <= pacingLookbackHours. */
  lastCostFen: number;
  /** Sum of costFen * served over rows with age <= pacingLookbackHours. */
  lastCostBid: number;
  /** Spend since local midnight (rows with hour >= asOf - hourOfDay), integer fen. */
  todayCostFen: number;
  /** Sum of clicks, undecayed. */
  rawClicks: number;
  // Weighted moments of (x = ln served bid, y = ln(impressions / DEFAULT_TRAFFIC_CURVE[hour of day]))
  // over rows with impressions > 0 and served > 0, for the bid landscape.
  /** Sum of w. */
  lw: number;
  /** Sum of w x. */
  lx: number;
  /** Sum of w y. */
  ly: number;
  /** Sum of w x^2. */
  lxx: number;
  /** Sum of w x y. */
  lxy: number;
}

export interface KeywordInput {
  id: string;
  unitId: string;
  bidFen: number;
  status: 'active' | 'paused' | 'deleted';
  locked: boolean;
  suggestedBidFen?: number | null;
  qualityScore?: number | null;
  /** Hourly history, any order. Rows older than the lookback are ignored. Not read when `agg` is given. */
  rows?: readonly StatRow[];
  /**
   * The keyword's decayed state at `asOf` (see `KeywordAgg`), instead of `rows`: built with
   * `keywordAggFromRows`, or `stateAgg` of a `DecayedState` kept with `advanceState`, or the same
   * sums computed in SQL. When given, `rows` is ignored.
   */
  agg?: KeywordAgg;
}

/** One hour of a plan-hour rollup: the plan's total impressions and spend in that hour. */
export interface PlanHourInput {
  hour: number;
  impressions: number;
  costFen: number;
}


export interface UnitInput {
  id: string;
  skuPriceFen: number;
  status: 'active' | 'paused' | 'archived';
}

export interface PromoPhaseInput {
  name: PromoPhaseName;
  /** YYYY-MM-DD inclusive, in the advertiser's timezone. */
  startDate: string;
  endDate: string;
  budgetFen?: number | null;
}

export interface PromoInput {
  phases: readonly PromoPhaseInput[];
  totalBudgetFen?: number | null;
  /** Relative expected traffic per date (e.g. 618 itself heavier); uniform when absent. */
  dayWeights?: Readonly<Record<string, number>>;
}

export interface PlanInput {
  id: string;
  type: PlanType;
  status: 'active' | 'paused' | 'archived';
  bidStrategy: 'manual' | 'target_roi';
  dailyBudgetFen: number;
  /** Target ROI (GMV / spend). Defaults: 3 (steady state), 5 for promo plans (domain notes). */
  targetRoi?: number | null;
  minBidFen: number;
  maxBidFen: number;
  /** [7][24] hour-of-week multipliers in [0, 3], day 0 = Monday; 0 = not served. */
  schedule?: readonly (readonly number[])[] | null;
  promo?: PromoInput | null;
  /** Maximum relative bid change per hour (default 0.3). */
  maxChangePerHour?: number | null;
}

/** Decayed totals of a level above the plan (the advertiser), used as the top prior. */
export interface ParentCounts {
  impressions: number;
  clicks: number;
  orders: number;
  gmvFen: number;
}

export interface OptimizeInput {
  /** Hour index of the hour the bids are for; only rows with hour < asOf are used. */
  asOf: number;
  /** Local hour of day of `asOf` in the advertiser's timezone (0-23). */
  hourOfDay: number;
  /** Local day of week of `asOf`, 0 = Monday. */
  dayOfWeek: number;
  /** Local date of `asOf`, YYYY-MM-DD (promo phases). */
  date: string;
  plan: PlanInput;
  units: readonly UnitInput[];
  keywords: readonly KeywordInput[];
  advertiser?: ParentCounts | null;
  /**
   * Plan-level history from a plan-hour rollup (the last lookbackHours hours): the plan's hourly
   * spend of the last 48 h, today's spend and the impressions by hour for the traffic curve. When
   * absent these are summed from the keywords' `rows` (keywords given as `agg` add nothing).
   */
  planHours?: readonly PlanHourInput[] | null;
  config?: Partial<BiddingConfig>;
}

export interface DelayCurve {
  /** Mixture weights of exponential report delays (sum 1). */
  weights: readonly number[];
  /** Mean delay of each component, hours. */
  tauHours: readonly number[];
  /** Attribution window, hours: orders later than this are never reported. */
  windowHours: number;
}

export interface BiddingConfig {
  halfLifeHours: number;
  roiHalfLifeHours: number;
  promoHalfLifeHours: number;
  promoRoiHalfLifeHours: number;
  lookbackHours: number;
  maxChangePerHour: number;
  /** Relative change below which a bid is left alone. */
  deadband: number;
  delay: DelayCurve;
  priorCtr: number;
  priorCvr: number;
  /** Pseudo-trials of the top-level priors and the fallback when empirical Bayes cannot fit. */
  defaultCtrStrength: number;
  defaultCvrStrength: number;
  minStrength: number;
  maxStrength: number;
  /** Pseudo-orders pulling order value toward the SKU price. */
  orderValuePriorOrders: number;
  /** Paid CPC / bid when nothing is known (second price sits under the bid). */
  defaultPriceRatio: number;
  priceRatioPriorClicks: number;
  defaultElasticity: number;
  /** Exponent of the ROI correction (0 < k <= 1; under 1 damps the step). */
  roiGain: number;
  roiMaxStep: number;
  /** Pacing gain before dividing by the spend elasticity (1 + e). */
  budgetGain: number;
  budgetMaxStep: number;
  /** Share of the day budget the pacer aims to spend (headroom for noise). */
  budgetSafety: number;
  pacingLookbackHours: number;
  minRoiEvidenceClicks: number;
  coldStartClicks: number;
  explorationMargin: number;
  explorationShare: number;
  longTailRoiFactor: number;
  defendMargin: number;
  provenClicks: number;
  testMinClicks: number;
  promoTargetRoi: number;
  steadyTargetRoi: number;
  promoSpeedup: number;
  /** Pseudo-impressions of the default traffic curve against the plan's own. */
  curvePriorImpressions: number;
}

export interface Interval {
  mean: number;
  lo: number;
  hi: number;
}

export type Clamp =
  | 'schedule'
  | 'min_bid'
  | 'max_bid'
  | 'platform_min'
  | 'platform_max'
  | 'change_cap_up'
  | 'change_cap_down'
  | 'deadband'
  | 'long_tail_cap'
  | 'exploration_budget';

export type DecisionAction = 'changed' | 'unchanged' | 'locked' | 'skipped';

export interface Explanation {
  summary: string;
  ctr: Interval;
  cvr: Interval;
  orderValueFen: Interval;
  valuePerClickFen: number;
  /** Decayed clicks (and delay-matured clicks) behind the keyword's own estimate. */
  clicks: number;
  maturedClicks: number;
  priceRatio: number;
  elasticity: number;
  roiMultiplier: number;
  budgetMultiplier: number;
  appliedMultiplier: number;
  binding: 'roi' | 'budget' | 'none';
  scheduleMultiplier: number;
  coldStart: boolean;
  explorationMargin: number;
  defended: boolean;
  targetServedBidFen: number;
  /** Shared and frozen when several decisions have the same list (never mutate). */
  clamps: readonly Clamp[];
}

export interface BidDecision {
  keywordId: string;
  oldBidFen: number;
  newBidFen: number;
  action: DecisionAction;
  /** Skipped and locked decisions share one frozen `{ summary }` per kind. */
  reason: Explanation | Readonly<{ summary: string }>;
}

export type Verdict = 'promote' | 'keep_testing' | 'drop';

export interface UnitVerdict {
  unitId: string;
  clicks: number;
  ctr: Interval;
  cvr: Interval;
  verdict: Verdict;
  why: string;
}

export interface PlanSummary {
  dayBudgetFen: number;
  spentTodayFen: number;
  targetSpendThisHourFen: number;
  targetRoi: number;
  effectiveTargetRoi: number;
  realizedRoi: number | null;
  roiMultiplier: number;
  budgetMultiplier: number;
  binding: 'roi' | 'budget' | 'none';
  trafficShareThisHour: number;
  scheduleMultiplier: number;
  keywordsSeen: number;
  keywordsChanged: number;
  keywordsSkipped: number;
  note: string;
}

export interface OptimizeResult {
  asOf: number;
  decisions: BidDecision[];
  summary: PlanSummary;
  verdicts: UnitVerdict[];
}
