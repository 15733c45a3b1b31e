import type { BiddingConfig } from './types';

/** Platform bid limits: click price from 0.30 CNY, bids up to 999.99 CNY (domain notes, API contract). */
export const PLATFORM_MIN_BID_FEN = 30;
export const PLATFORM_MAX_BID_FEN = 99_999;

/**
 * Chinese e-commerce search traffic by hour (share of the day): a night trough 02-06, a late
 * morning plateau, and the evening peak 20-22 that a plan running dry at 3 pm loses. Used until
 * the plan's own history outweighs it.
 */
export const DEFAULT_TRAFFIC_CURVE: readonly number[] = normalize([
  3.0, 1.8, 1.0, 0.6, 0.5, 0.6, 1.2, 2.4, 3.6, 4.6, 5.3, 5.2, 4.8, 4.8, 5.1, 5.2, 5.0, 4.8, 5.0, 5.8, 6.8, 7.2, 6.6,
  4.9,
]);

export const DEFAULT_CONFIG: Readonly<BiddingConfig> = Object.freeze({
  halfLifeHours: 72,
  roiHalfLifeHours: 24,
  promoHalfLifeHours: 24,
  promoRoiHalfLifeHours: 8,
  lookbackHours: 28 * 24,
  maxChangePerHour: 0.3,
  deadband: 0.02,
  // Most orders within a day, a tail to the 15-day attribution window (domain notes).
  delay: Object.freeze({ weights: Object.freeze([0.55, 0.35, 0.1]), tauHours: Object.freeze([2, 20, 120]), windowHours: 360 }),
  priorCtr: 0.02,
  priorCvr: 0.03,
  defaultCtrStrength: 200,
  defaultCvrStrength: 40,
  minStrength: 2,
  maxStrength: 100_000,
  orderValuePriorOrders: 3,
  defaultPriceRatio: 0.7,
  priceRatioPriorClicks: 10,
  defaultElasticity: 1,
  roiGain: 0.6,
  roiMaxStep: 0.3,
  budgetGain: 0.5,
  budgetMaxStep: 0.4,
  budgetSafety: 0.93,
  pacingLookbackHours: 2,
  minRoiEvidenceClicks: 30,
  coldStartClicks: 5,
  explorationMargin: 0.2,
  explorationShare: 0.1,
  longTailRoiFactor: 1.25,
  defendMargin: 0.1,
  provenClicks: 50,
  testMinClicks: 100,
  promoTargetRoi: 5,
  steadyTargetRoi: 3,
  promoSpeedup: 1.5,
  curvePriorImpressions: 2000,
});

export function normalize(xs: readonly number[]): number[] {
  const s = xs.reduce((a, b) => a + b, 0);
  return s > 0 ? xs.map((x) => x / s) : xs.map(() => 1 / xs.length);
}

export function resolveConfig(partial?: Partial<BiddingConfig>): BiddingConfig {
  return partial ? { ...DEFAULT_CONFIG, ...partial } : DEFAULT_CONFIG;
}
