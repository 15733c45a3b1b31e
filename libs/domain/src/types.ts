/** Rows as stored (money in fen, snake_case mapped to camelCase by the repositories). */

export const PLAN_TYPES = ['core_word', 'long_tail', 'test_product', 'promo'] as const;
export type PlanType = (typeof PLAN_TYPES)[number];
export const PLAN_STATUSES = ['active', 'paused', 'archived'] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];
export const BID_STRATEGIES = ['manual', 'target_roi'] as const;
export type BidStrategy = (typeof BID_STRATEGIES)[number];
export const UNIT_STATUSES = ['active', 'paused', 'archived'] as const;
export type UnitStatus = (typeof UNIT_STATUSES)[number];
export const MATCH_TYPES = ['exact', 'phrase', 'broad'] as const;
export type MatchType = (typeof MATCH_TYPES)[number];
export const NEGATIVE_MATCH_TYPES = ['exact', 'phrase'] as const;
export type NegativeMatchType = (typeof NEGATIVE_MATCH_TYPES)[number];
export const KEYWORD_STATUSES = ['active', 'paused', 'deleted'] as const;
export type KeywordStatus = (typeof KEYWORD_STATUSES)[number];
export const CREATIVE_STATUSES = ['active', 'paused', 'deleted'] as const;
export type CreativeStatus = (typeof CREATIVE_STATUSES)[number];
export const CLOCKS = ['wall', 'external'] as const;
export type Clock = (typeof CLOCKS)[number];
/** The ad platform an account runs on (libs/domain/src/platform): a simulated market, or files the seller moves. */
export const PLATFORMS = ['sandbox', 'csv'] as const;
export type Platform = (typeof PLATFORMS)[number];
/** What a new advertiser gets when the operator does not say. */
export const DEFAULT_PLATFORM: Platform = 'sandbox';
export const PROMO_PHASES = ['preheat', 'main', 'tail'] as const;
export type PromoPhaseName = (typeof PROMO_PHASES)[number];

/** Platform limits (JD's ad API, see shared/domain.md). */
export const LIMITS = {
  plansPerAdvertiser: 100,
  unitsPerPlan: 100,
  keywordsPerUnit: 200,
  creativesPerUnit: 100,
  bulkItems: 10_000,
  minDailyBudgetFen: 10_000,
  minBidFen: 30,
  maxBidFen: 99_999,
  titleChars: 30,
} as const;

export interface Advertiser {
  id: string;
  name: string;
  timezone: string;
  clock: Clock;
  platform: Platform;
  version: number;
  createdAt: Date;
}

export interface PromoPhase {
  name: PromoPhaseName;
  startDate: string;
  endDate: string;
  /** The phase's total; null when the phase has none (its days then use the daily budget). */
  budgetFen: number | null;
}

export interface PromoConfig {
  phases: PromoPhase[];
  totalBudgetFen: number | null;
}

export interface Plan {
  id: string;
  advertiserId: string;
  name: string;
  type: PlanType;
  status: PlanStatus;
  dailyBudgetFen: number;
  targetRoi: number;
  bidStrategy: BidStrategy;
  minBidFen: number;
  maxBidFen: number;
  schedule: number[][] | null;
  promo: PromoConfig | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface Unit {
  id: string;
  advertiserId: string;
  planId: string;
  name: string;
  skuId: string;
  skuPriceFen: number;
  status: UnitStatus;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface Keyword {
  id: string;
  advertiserId: string;
  planId: string;
  unitId: string;
  text: string;
  matchType: MatchType;
  bidFen: number;
  status: KeywordStatus;
  locked: boolean;
  suggestedBidFen: number | null;
  qualityScore: number | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface NegativeKeyword {
  id: string;
  advertiserId: string;
  planId: string;
  unitId: string;
  text: string;
  matchType: NegativeMatchType;
  createdAt: Date;
}

export interface Creative {
  id: string;
  advertiserId: string;
  planId: string;
  unitId: string;
  title: string;
  imageUrl: string;
  status: CreativeStatus;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}
