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

export interface KeywordInput {
  id: string;
  unitId: string;
  bidFen: number;
  status: 'active' | 'paused' | 'deleted';
  locked: boolean;
  suggestedBidFen?: number | null;
  qualityScore?: number | null;
  /** Hourly history, any order. Rows older than the lookback are ignored. */
  rows: readonly StatRow[];
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
  clamps: Clamp[];
}

export interface BidDecision {
  keywordId: string;
  oldBidFen: number;
  newBidFen: number;
  action: DecisionAction;
  reason: Explanation | { summary: string };
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
