import { elasticity, priceRatio } from './estimate';

describe('priceRatio: (cost + k rho0 bbar) / (sum clicks x bid + k bbar)', () => {
  it.each([
    // 10 clicks at bid 100 paid 700: matches the 0.7 prior exactly
    [700, 1000, 10, 100, 0.7, 10, 0.7],
    // paid 500: (500 + 700) / (1000 + 1000)
    [500, 1000, 10, 100, 0.7, 10, 0.6],
    // no clicks: the prior
    [0, 0, 0, 100, 0.7, 10, 0.7],
    // 1000 clicks paid 40%: close to 0.4 = (40000 + 700) / (100000 + 1000)
    [40_000, 100_000, 1000, 100, 0.7, 10, 40_700 / 101_000],
  ])('cost %p, clickBid %p, clicks %p -> %p', (cost, cb, clicks, bid, prior, k, want) => {
    expect(priceRatio(cost, cb, clicks, bid, prior, k)).toBeCloseTo(want, 10);
  });
});

describe('elasticity: WLS slope of ln(impressions) on ln(bid), shrunk toward the prior', () => {
  function moments(points: [number, number][]): [number, number, number, number, number] {
    let w = 0, x = 0, y = 0, xx = 0, xy = 0;
    for (const [b, imps] of points) {
      const lx = Math.log(b), ly = Math.log(imps);
      w += 1; x += lx; y += ly; xx += lx * lx; xy += lx * ly;
    }
    return [w, x, y, xx, xy];
  }

  it('impressions ~ bid^1.5 over a wide bid range: slope 1.5, weight vx / (vx + 0.01)', () => {
    const pts: [number, number][] = [[100, 1000], [200, 1000 * 2 ** 1.5]];
    // vx = (ln 2 / 2)^2 = 0.120113; weight = 0.120113 / 0.130113 = 0.923143
    const w = 0.120113 / 0.130113;
    expect(elasticity(...moments(pts), 1)).toBeCloseTo(w * 1.5 + (1 - w) * 1, 4);
  });

  it('one bid only: the prior', () => {
    expect(elasticity(...moments([[100, 10], [100, 20]]), 0.8)).toBe(0.8);
  });

  it('no rows: the prior', () => {
    expect(elasticity(0, 0, 0, 0, 0, 1)).toBe(1);
  });

  it('clamped to [0.2, 3]', () => {
    expect(elasticity(...moments([[100, 1], [300, 1e9]]), 1)).toBe(3);
  });
});
