import { DEFAULT_CONFIG } from './config';
import { budgetMultiplier, hourTargetFen, roiMultiplier, type PacingContext } from './pacing';
import type { PlanInput } from './types';

const plan: PlanInput = { id: 'p', type: 'core_word', status: 'active', bidStrategy: 'target_roi', dailyBudgetFen: 100_000, targetRoi: 3, minBidFen: 30, maxBidFen: 99_999 };
const flatCurve = new Array(24).fill(1 / 24);

function ctx(hourOfDay: number, hourCostFen: number[], p: PlanInput = plan): PacingContext {
  return { asOf: 1000 * 24 + hourOfDay, hourOfDay, dayOfWeek: 0, date: '2025-06-02', plan: p, curve: flatCurve, cfg: DEFAULT_CONFIG, hourCostFen };
}

describe('hourTargetFen: remaining budget over remaining traffic', () => {
  it('midnight, flat curve: floor(93,000 / 24)', () => {
    const t = hourTargetFen(ctx(0, new Array(48).fill(0)), 1000 * 24);
    expect(t.targetFen).toBe(Math.floor(93_000 / 24));
    expect(t.dayBudgetFen).toBe(100_000);
  });

  it('noon after spending 60,000: (93,000 - 60,000) / 12', () => {
    const costs = new Array(48).fill(0);
    for (let h = 0; h < 12; h++) costs[36 + h] = 5_000;
    const t = hourTargetFen(ctx(12, costs), 1000 * 24 + 12);
    expect(t.spentBeforeFen).toBe(60_000);
    expect(t.targetFen).toBe(Math.floor(33_000 / 12));
  });

  it('budget spent: target 0', () => {
    const costs = new Array(48).fill(0);
    costs[47] = 200_000;
    expect(hourTargetFen(ctx(1, costs), 1000 * 24 + 1).targetFen).toBe(0);
  });

  it('hours the schedule does not serve get no share', () => {
    const schedule = Array.from({ length: 7 }, () => Array.from({ length: 24 }, (_, h) => (h < 12 ? 0 : 1)));
    const t = hourTargetFen(ctx(12, new Array(48).fill(0), { ...plan, schedule }), 1000 * 24 + 12);
    expect(t.targetFen).toBe(Math.floor(93_000 / 12));
  });
});

describe('budgetMultiplier: a_applied x (target / spend)^(g / (1 + e))', () => {
  const base = { appliedLast: 0.3, lastTargetFen: 1000, lastSpendFen: 2000, remainingTodayFen: 5000, elasticity: 1, gain: 0.5, maxStep: 0.4 };
  it('spent twice the target: 0.3 x (1001 / 2001)^0.25 = 0.252300', () => {
    expect(budgetMultiplier(base)).toBeCloseTo(0.25230043652783457, 10);
  });
  it('step clipped to 1 + maxStep when far under target', () => {
    expect(budgetMultiplier({ ...base, lastSpendFen: 1, lastTargetFen: 1e9 })).toBeCloseTo(0.3 * 1.4, 10);
  });
  it('budget exhausted -> 0', () => {
    expect(budgetMultiplier({ ...base, remainingTodayFen: 0 })).toBe(0);
  });
  it('nothing spent -> no reason to hold back', () => {
    expect(budgetMultiplier({ ...base, lastSpendFen: 0 })).toBe(Infinity);
  });
});

describe('roiMultiplier: a_ref x (ROI_hat / R)^k', () => {
  it.each([
    [0.3, 4, 3, 0.35652049159320065], // 0.3 x (4/3)^0.6
    [0.3, 3, 3, 0.3],
    [0.3, 100, 3, 0.39], // step clipped at 1.3
    [0.3, null, 3, 1 / 3], // no evidence: break-even 1/R
    [10, 3, 3, 4 / 3], // clamped to 4/R
  ])('ref %p, ROI %p, target %p -> %p', (ref, roi, r, want) => {
    expect(roiMultiplier({ refApplied: ref, roiHat: roi, targetRoi: r, gain: 0.6, maxStep: 0.3 })).toBeCloseTo(want, 10);
  });
});
