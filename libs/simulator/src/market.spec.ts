import { AUCTION_STATES, perSearch, POSITION_CTR, type KeywordTruth } from './market';
import { hashSeed, Rng } from './rng';

/** One competitor scoring exactly 1000 (bid 2.00 x quality 5) in every auction state. */
function truth(): KeywordTruth {
  return {
    id: 'k', unitId: 'u', text: 't', tier: 'core', dailySearches: 1000, ctrTop: 0.05, cvr: 0.02, orderValueFen: 10_000, qualityScore: 5,
    competitors: [{ bidFen: 200, qualityScore: 5 }], suggestedBidFen: 200, initialBidFen: 200,
    states: new Float64Array(AUCTION_STATES).fill(1000),
  };
}

describe('perSearch: GSP ranked by bid x quality score', () => {
  it.each([
    // score 1500 beats 1000: slot 1, pays 1000 / 5 + 1 = 201
    [300, 1, 0.05, 0.05 * 201],
    // score 500 loses: slot 2, pays the reserve 0.30 score 150 / 5 + 1 = 31
    [100, 1, 0.05 * POSITION_CTR[1], 0.05 * POSITION_CTR[1] * 31],
    // a bid war doubles the competitor to 2000: 300 x 5 = 1500 loses -> slot 2
    [300, 2, 0.05 * POSITION_CTR[1], 0.05 * POSITION_CTR[1] * 31],
  ])('bid %p (war x%p): clicks/search %p, cost/search %p', (bid, war, clicks, cost) => {
    const e = perSearch(truth(), bid, war);
    expect(e.show).toBe(1);
    expect(e.clicks).toBeCloseTo(clicks, 12);
    expect(e.costFen).toBeCloseTo(cost, 9);
    expect(e.gmvFen).toBeCloseTo(clicks * 0.02 * 10_000, 9);
  });

  it('never charges more than the bid, and nothing under the reserve', () => {
    expect(perSearch(truth(), 201).costFen / perSearch(truth(), 201).clicks).toBeCloseTo(201, 9);
    expect(perSearch(truth(), 29).show).toBe(0);
  });

  it('more bid never means fewer clicks', () => {
    let last = 0;
    for (let b = 30; b < 1000; b += 7) {
      const c = perSearch(truth(), b).clicks;
      expect(c).toBeGreaterThanOrEqual(last);
      last = c;
    }
  });
});

describe('Rng', () => {
  it('same seed, same stream; different seed, different stream', () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const xa = [a.next(), a.next()], xb = [b.next(), b.next()], xc = [c.next(), c.next()];
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
    expect(hashSeed(1, 2, 3)).not.toBe(hashSeed(1, 3, 2));
  });

  it.each([[0.5], [5], [80]])('poisson(%p) has about that mean', (lambda) => {
    const r = new Rng(7);
    let s = 0;
    for (let i = 0; i < 20_000; i++) s += r.poisson(lambda);
    expect(s / 20_000).toBeCloseTo(lambda, lambda > 10 ? 0 : 1);
  });

  it('binomial stays within 0..n with mean n p', () => {
    const r = new Rng(9);
    let s = 0;
    for (let i = 0; i < 5000; i++) {
      const k = r.binomial(200, 0.3);
      expect(k).toBeGreaterThanOrEqual(0);
      expect(k).toBeLessThanOrEqual(200);
      s += k;
    }
    expect(s / 5000).toBeCloseTo(60, 0);
  });
});
