import { dayBudgetFen, splitPromoBudget, targetRoiFor } from './promo';
import type { PlanInput } from './types';

const plan: PlanInput = {
  id: 'p', type: 'promo', status: 'active', bidStrategy: 'target_roi', dailyBudgetFen: 50_000, targetRoi: null, minBidFen: 30, maxBidFen: 99_999,
  promo: {
    phases: [
      { name: 'preheat', startDate: '2025-06-01', endDate: '2025-06-03' },
      { name: 'main', startDate: '2025-06-04', endDate: '2025-06-05' },
      { name: 'tail', startDate: '2025-06-06', endDate: '2025-06-06' },
    ],
    totalBudgetFen: 1_000_000,
  },
};

describe('promo budgets', () => {
  it('splits 3:6:1 with the remainder on the main phase', () => {
    expect(splitPromoBudget(1_000_000, ['preheat', 'main', 'tail'])).toEqual({ preheat: 300_000, main: 600_000, tail: 100_000 });
    expect(splitPromoBudget(1001, ['preheat', 'main', 'tail'])).toEqual({ preheat: 300, main: 601, tail: 100 });
    expect(splitPromoBudget(900, ['preheat', 'main'])).toEqual({ preheat: 300, main: 600 });
  });

  it.each([
    ['2025-05-31', 50_000], // outside the phases: the daily budget
    ['2025-06-01', 100_000], // 300,000 over 3 days
    ['2025-06-03', 100_000],
    ['2025-06-04', 300_000],
    ['2025-06-06', 100_000],
  ])('%p -> %p fen', (date, fen) => {
    expect(dayBudgetFen(plan, date)).toBe(fen);
  });

  it('spreads a phase by day weights, whole fen, the last day taking the remainder', () => {
    const p: PlanInput = { ...plan, promo: { ...plan.promo!, dayWeights: { '2025-06-04': 1, '2025-06-05': 2 } } };
    expect(dayBudgetFen(p, '2025-06-04')).toBe(200_000);
    expect(dayBudgetFen(p, '2025-06-05')).toBe(400_000);
    const q: PlanInput = { ...plan, promo: { ...plan.promo!, totalBudgetFen: 1_000_003 } };
    const days = ['2025-06-01', '2025-06-02', '2025-06-03'].map((d) => dayBudgetFen(q, d));
    expect(days.reduce((a, b) => a + b, 0)).toBe(splitPromoBudget(1_000_003, ['preheat', 'main', 'tail']).preheat);
  });

  it('promo ROI bar 5 by default in phases, the plan target when given', () => {
    expect(targetRoiFor(plan, '2025-06-04', 3, 5)).toBe(5);
    expect(targetRoiFor({ ...plan, targetRoi: 6 }, '2025-06-04', 3, 5)).toBe(6);
    expect(targetRoiFor({ ...plan, type: 'core_word' }, '2025-06-04', 3, 5)).toBe(3);
  });
});
