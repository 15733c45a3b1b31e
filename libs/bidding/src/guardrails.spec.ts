import { bidBounds, finalizeBid } from './guardrails';
import type { Clamp } from './types';

describe('bidBounds', () => {
  it.each([
    [30, 99_999, 30, 99_999],
    [10, 200_000, 30, 99_999],
    [50.4, 80.6, 51, 80],
    [500, 100, 500, 500],
  ])('plan %p..%p -> %p..%p', (min, max, lo, hi) => {
    expect(bidBounds(min, max)).toEqual({ lo, hi });
  });
});

describe('finalizeBid', () => {
  const wide = { lo: 30, hi: 99_999 };
  it.each<[number, number, { lo: number; hi: number }, number, Clamp[]]>([
    [100, 200, wide, 130, ['change_cap_up']],
    [100, 50, wide, 70, ['change_cap_down']],
    [100, 101.4, wide, 100, ['deadband']],
    [100, 110.4, wide, 110, []],
    [40, 10, wide, 30, ['change_cap_down', 'platform_min']],
    [100, 200, { lo: 50, hi: 60 }, 60, ['change_cap_up', 'max_bid']],
    [100, NaN, wide, 100, []],
    [100, Infinity, wide, 100, []],
    [33, 42.9, wide, 42, ['change_cap_up']], // floor(33 x 1.3) = 42: the cap holds after rounding
  ])('old %p, desired %p -> %p', (old, desired, bounds, want, clamps) => {
    const got: Clamp[] = [];
    expect(finalizeBid(old, desired, bounds, 0.3, 0.02, got)).toBe(want);
    expect(got).toEqual(clamps);
  });
});
