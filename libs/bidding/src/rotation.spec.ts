import fc from 'fast-check';
import {
  type ArmHour,
  betaCdf,
  betaInterval,
  bestArm,
  cusumFatigue,
  expectedShortfallExact,
  lgamma,
  msprtLambda,
  mulberry32,
  pairAlpha,
  pairTest,
  posteriors,
  probGreaterExact,
  type Random,
  rotateExperiment,
  type RotationMode,
  rotationConfig,
  ROTATION_DEFAULTS,
  thompsonWeights,
} from './rotation';

// Module bindings: a global lookup of `Math` is slow inside Jest's vm context (see rotation.ts).
const { PI, abs, cos, log, max, min, round, sqrt } = Math;
const cfg = rotationConfig();
const totals = (impressions: number, clicks: number, orders = 0, gmvFen = 0) => ({ impressions, clicks, maturedClicks: clicks, orders, gmvFen });

describe('special functions against hand-computed values', () => {
  it('lgamma(5) = ln 24, lgamma(0.5) = ln sqrt(pi)', () => {
    expect(lgamma(5)).toBeCloseTo(log(24), 12);
    expect(lgamma(0.5)).toBeCloseTo(0.5 * log(PI), 12);
  });

  it('I_0.5(2, 3) = P(Bin(4, 0.5) >= 2) = 11/16', () => {
    expect(betaCdf(0.5, 2, 3)).toBeCloseTo(11 / 16, 12);
  });

  it.each([
    // Beta(1,1) is uniform; Beta(2,1) has CDF x^2, so its quantiles are sqrt(q).
    [1, 1, 0.025, 0.975],
    [2, 1, sqrt(0.025), sqrt(0.975)],
  ])('95%% credible interval of Beta(%p, %p) = [%p, %p]', (a, b, lo, hi) => {
    const [l, h] = betaInterval(a, b);
    expect(l).toBeCloseTo(lo, 9);
    expect(h).toBeCloseTo(hi, 9);
  });
});

describe('posteriors', () => {
  it('CTR Beta(1 + clicks, 1 + non-clicks); CVR on matured clicks; order value shrunk to the pooled one by 3 orders', () => {
    const [a, b] = posteriors([totals(1000, 30, 3, 60_000), totals(1000, 10, 0, 0)], cfg);
    expect([a.ctrA, a.ctrB]).toEqual([31, 971]);
    expect(a.ctrMean).toBeCloseTo(31 / 1002, 12);
    expect([a.cvrA, a.cvrB]).toEqual([4, 28]);
    // pooled order value 20,000 fen; a: (3 x 20,000 + 60,000) / (3 + 3) = 20,000; b: no orders -> 20,000.
    expect(a.aovFen).toBeCloseTo(20_000, 9);
    expect(b.aovFen).toBeCloseTo(20_000, 9);
    expect(a.valueMean).toBeCloseTo((31 / 1002) * (4 / 32) * 20_000, 9);
  });

  it('a clicky creative that does not sell loses on value', () => {
    const clicky = totals(10_000, 400, 2, 40_000);
    const seller = totals(10_000, 300, 12, 240_000);
    const [c, s] = posteriors([clicky, seller], cfg);
    expect(c.ctrMean).toBeGreaterThan(s.ctrMean);
    expect(s.valueMean).toBeGreaterThan(c.valueMean);
  });
});

describe('P(best) and expected loss', () => {
  it.each([
    // X ~ Beta(2,1) (density 2x) against uniform Y: int 2x * x dx = 2/3.
    [2, 1, 1, 1, 2 / 3],
    // X ~ Beta(3,1) (3x^2) against Y ~ Beta(1,2) (CDF 1 - (1-y)^2): int 3x^2 (2x - x^2) dx = 0.9.
    [3, 1, 1, 2, 0.9],
    [1, 1, 1, 1, 0.5],
  ])('exact P(Beta(%p,%p) > Beta(%p,%p)) = %p', (a1, b1, a2, b2, p) => {
    expect(probGreaterExact(a1, b1, a2, b2)).toBeCloseTo(p, 10);
    expect(probGreaterExact(a2, b2, a1, b1)).toBeCloseTo(1 - p, 10);
  });

  it('two arms on CTR: P(best) and the expected loss exactly; E[max(Y - X, 0)] = B(2, 3) = 1/12', () => {
    const posts = posteriors([totals(1, 1), totals(0, 0)], cfg); // Beta(2,1) and Beta(1,1)
    const r = bestArm(posts, 'ctr', 1000, mulberry32(1));
    expect(r.method).toBe('exact');
    expect(r.probBest[0]).toBeCloseTo(2 / 3, 10);
    // Choosing X loses int 2x (1-x)^2/2 dx = 1/12; choosing Y loses E[X] - E[Y] + 1/12 = 1/4.
    expect(r.expectedLoss[0]).toBeCloseTo(1 / 12, 10);
    expect(r.expectedLoss[1]).toBeCloseTo(1 / 4, 10);
    // X ~ Beta(1,2) (2(1-x)), Y ~ Beta(3,1) (3y^2): E[max(X - Y, 0)] = int 2(1-x) x^4/4 dx = 1/60,
    // E[max(Y - X, 0)] = E[Y] - E[X] + 1/60 = 3/4 - 1/3 + 1/60 = 26/60.
    expect(expectedShortfallExact(3, 1, 1, 2)).toBeCloseTo(1 / 60, 10);
    expect(expectedShortfallExact(1, 2, 3, 1)).toBeCloseTo(26 / 60, 10);
  });

  it('Monte Carlo (3 or more arms) agrees with the exact values', () => {
    // A third arm that is never best leaves the first two as above.
    const posts = posteriors([totals(1, 1), totals(0, 0), totals(10_000, 0)], cfg);
    const r = bestArm(posts, 'ctr', 40_000, mulberry32(2));
    expect(r.method).toBe('monte-carlo');
    expect(abs(r.probBest[0] - 2 / 3)).toBeLessThan(0.01);
    expect(abs(r.expectedLoss[0] - 1 / 12)).toBeLessThan(0.005);
    expect(r.probBest.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    // Beta(2,1) against two uniforms: int 2x * x^2 dx = 1/2.
    const three = bestArm([posts[0], posts[1], posts[1]], 'ctr', 40_000, mulberry32(3));
    expect(abs(three.probBest[0] - 0.5)).toBeLessThan(0.01);
  });

  it('exact P(best) holds for large counts (the recurrence does not drift)', () => {
    // Equal posteriors: exactly one half, whatever the size.
    expect(probGreaterExact(3001, 97001, 3001, 97001)).toBeCloseTo(0.5, 9);
    // Normal approximation of two well-separated large Betas: z = 0.002 / sqrt(2 x 0.03 x 0.97 / 100000) = 2.62.
    const p = probGreaterExact(3201, 96801, 3001, 97001)!;
    expect(p).toBeGreaterThan(0.995);
    expect(p).toBeLessThan(0.9975);
  });

  it('the same seed gives the same draws, another seed others', () => {
    const posts = posteriors([totals(5000, 160), totals(5000, 150), totals(5000, 140)], cfg);
    const a = bestArm(posts, 'ctr', 5000, mulberry32(42));
    const b = bestArm(posts, 'ctr', 5000, mulberry32(42));
    const c = bestArm(posts, 'ctr', 5000, mulberry32(43));
    expect(b).toEqual(a);
    expect(c.probBest).not.toEqual(a.probBest);
  });
});

describe('Thompson serving weights with a floor', () => {
  it.each([
    [[0.97, 0.01, 0.01, 0.01], 0.05, [0.85, 0.05, 0.05, 0.05]],
    [[0.5, 0.3, 0.15, 0.05], 0.05, [0.5, 0.3, 0.15, 0.05]],
    // The third is lifted to 0.05; 0.95 is shared 0.6 : 0.38 by the others.
    [[0.6, 0.38, 0.02], 0.05, [0.95 * (0.6 / 0.98), 0.95 * (0.38 / 0.98), 0.05]],
    [[0, 0], 0.05, [0.5, 0.5]],
    [[1, 0, 0, 0, 0], 0.2, [0.2, 0.2, 0.2, 0.2, 0.2]],
  ])('P(best) %p, floor %p -> %p', (p, floor, w) => {
    const got = thompsonWeights(p, floor);
    got.forEach((x, i) => expect(x).toBeCloseTo(w[i], 12));
  });

  it('sum to 1, respect the floor and keep the order of P(best) (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 5 }), fc.double({ min: 0, max: 0.2, noNaN: true }), (raw, floor) => {
        const sum = raw.reduce((s, x) => s + x, 0);
        const p = sum > 0 ? raw.map((x) => x / sum) : raw;
        const w = thompsonWeights(p, floor);
        const f = min(floor, 1 / p.length);
        expect(w.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
        for (const x of w) expect(x).toBeGreaterThanOrEqual(f - 1e-12);
        for (let i = 0; i < p.length; i++) for (let j = 0; j < p.length; j++) if (p[i] > p[j]) expect(w[i]).toBeGreaterThanOrEqual(w[j] - 1e-12);
      }),
    );
  });
});

describe('mSPRT (always-valid sequential test)', () => {
  it('Lambda = sqrt(V / (V + tau^2)) exp(tau^2 d^2 / (2 V (V + tau^2))), by hand', () => {
    // V = tau^2 = 1e-4, d = 0.01: sqrt(1/2) e^(1e-8 / 4e-8) = 0.70711 e^0.25.
    expect(msprtLambda(0.01, 1e-4, 1e-4)).toBeCloseTo(Math.SQRT1_2 * Math.exp(0.25), 12);
    expect(msprtLambda(0, 1e-4, 1e-4)).toBeCloseTo(Math.SQRT1_2, 12);
  });

  it('pair test on CTR uses the pooled variance and tau = 0.2 x pooled CTR', () => {
    const t = pairTest(totals(10_000, 330), totals(10_000, 270), 'ctr', cfg);
    const pbar = 0.03;
    expect(t.d).toBeCloseTo(0.006, 12);
    expect(t.V).toBeCloseTo(pbar * (1 - pbar) * (2 / 10_000), 15);
    expect(t.tau2).toBeCloseTo((0.2 * pbar) ** 2, 15);
    expect(t.p).toBeCloseTo(1 / msprtLambda(t.d, t.V, t.tau2), 12);
  });

  it('splits alpha so that "the leader beats every other arm" keeps the family-wise level', () => {
    expect(pairAlpha(0.05, 2)).toBeCloseTo(0.05, 12);
    expect(pairAlpha(0.05, 3)).toBeCloseTo(0.05 / 3, 12);
    expect(pairAlpha(0.05, 4)).toBeCloseTo(0.0125, 12);
    expect(pairAlpha(0.05, 5)).toBeCloseTo(0.01, 12);
  });
});

describe('CUSUM fatigue detector', () => {
  const hours = (n: number, imps: number, clicks: (h: number) => number, from = 0): ArmHour[] =>
    Array.from({ length: n }, (_, h) => ({ hour: from + h, impressions: imps, clicks: clicks(h), orders: 0, gmvFen: 0 }));
  const f = { ...ROTATION_DEFAULTS.fatigue, blockExpectedClicks: 10, h: 5 };

  it('by hand: blocks of 200 impressions at p0 = 5% with 4 clicks each add 1.4467 a block and alarm at the 4th', () => {
    // z = (4 - 10) / sqrt(200 x 0.05 x 0.95) = -1.9467; S grows by 1.9467 - 0.5 per block: 5.787 > 5 at block 4.
    const r = cusumFatigue(hours(10, 200, () => 4), 0.05, 0, 10, f);
    expect(r).toMatchObject({ alarm: true, alarmHour: 3, blocks: 4 });
    expect(r.statistic).toBeCloseTo(4 * (6 / sqrt(9.5) - 0.5), 9);
  });

  it('stays quiet at the baseline, ignores hours before the decision and from asOf on', () => {
    expect(cusumFatigue(hours(100, 200, () => 10), 0.05, 0, 100, f).alarm).toBe(false);
    const before = hours(10, 200, () => 0);
    expect(cusumFatigue([...before, ...hours(10, 200, () => 10, 10)], 0.05, 10, 20, f).alarm).toBe(false);
    expect(cusumFatigue(hours(10, 200, () => 0, 20), 0.05, 0, 20, f).blocks).toBe(0);
  });

  it('with the default thresholds: rare false alarms on a stable CTR, a 30% drop caught within 2 days', () => {
    const rnd = mulberry32(9);
    const binom = binomialSampler(rnd);
    let falseAlarms = 0;
    let caught = 0;
    const runs = 100;
    for (let s = 0; s < runs; s++) {
      // 1,000 impressions an hour at 4% (40 expected clicks), 14 days.
      const stable = hours(14 * 24, 1000, () => binom(1000, 0.04));
      if (cusumFatigue(stable, 0.04, 0, 14 * 24, ROTATION_DEFAULTS.fatigue).alarm) falseAlarms++;
      const drop = hours(14 * 24, 1000, (h) => binom(1000, h < 72 ? 0.04 : 0.028));
      const r = cusumFatigue(drop, 0.04, 0, 14 * 24, ROTATION_DEFAULTS.fatigue);
      if (r.alarm && r.alarmHour! >= 72 && r.alarmHour! < 72 + 48) caught++;
    }
    expect(falseAlarms / runs).toBeLessThanOrEqual(0.03);
    expect(caught / runs).toBeGreaterThanOrEqual(0.95);
  });
});

/** Binomial draws: exact for small n p, normal approximation for large variance (test traffic). */
function binomialSampler(rnd: Random): (n: number, p: number) => number {
  return (n, p) => {
    const m = n * p;
    const v = m * (1 - p);
    if (v > 20) {
      const z = sqrt(-2 * log(max(rnd(), 1e-12))) * cos(2 * PI * rnd());
      return max(0, min(n, round(m + sqrt(v) * z)));
    }
    let k = 0;
    for (let i = 0; i < n; i++) if (rnd() < p) k++;
    return k;
  };
}

/**
 * One simulated experiment: `impsPerDay` impressions a day split by the serving weights, looked at
 * (rotated and decided) once a day for `days` days, as a seller peeking at a daily report would.
 */
function simulate(seed: number, ctrs: number[], mode: RotationMode, days: number, impsPerDay: number, draws: number): { winner: string | null; day: number | null } {
  const rnd = mulberry32(seed);
  const binom = binomialSampler(rnd);
  const ids = ctrs.map((_, k) => `c${k}`);
  const rows: ArmHour[][] = ctrs.map(() => []);
  let weights = ids.map(() => 1 / ids.length);
  let minP: Record<string, number> = {};
  for (let d = 0; d < days; d++) {
    let left = impsPerDay;
    let wLeft = 1;
    ctrs.forEach((ctr, k) => {
      const n = k === ctrs.length - 1 ? left : binom(left, min(1, weights[k] / wLeft));
      left -= n;
      wLeft -= weights[k];
      rows[k].push({ hour: d * 24, impressions: n, clicks: binom(n, ctr), orders: 0, gmvFen: 0 });
    });
    const o = rotateExperiment({ mode, metric: 'ctr', armIds: ids, rows, asOf: (d + 1) * 24, startHour: 0, status: 'running', minP, random: rnd, config: { draws } });
    weights = ids.map((id) => o.weights[id]);
    minP = o.minP;
    if (o.decided) return { winner: o.decided.winnerId, day: d + 1 };
  }
  return { winner: null, day: null };
}

describe('decisions under daily peeking (simulated experiments, 14 days, 9,600 impressions a day)', () => {
  it.each([
    // Two arms are exact; with four, P(best) comes from 300 draws (it feeds only the bandit's weights and its Bayesian check).
    ['equal', 2, 500],
    ['bandit', 2, 500],
    ['equal', 4, 200],
    ['bandit', 4, 200],
  ] as const)('A/A, %s mode, %p creatives at 3%%: a winner in at most 5%% of %p experiments', (mode, arms, runs) => {
    let declared = 0;
    for (let s = 0; s < runs; s++) if (simulate(1000 + s, new Array(arms).fill(0.03), mode, 14, 9600, 300).winner) declared++;
    expect(declared / runs).toBeLessThanOrEqual(0.05);
  });

  it.each([
    ['equal', 200],
    ['bandit', 200],
  ] as const)('A/B, %s mode, one of 4 creatives 25%% better: the right winner in at least 95%% of decisive runs', (mode, runs) => {
    let decisive = 0;
    let right = 0;
    for (let s = 0; s < runs; s++) {
      const r = simulate(5000 + s, [0.03, 0.03, 0.0375, 0.03], mode, 14, 9600, 300);
      if (r.winner) decisive++;
      if (r.winner === 'c2') right++;
    }
    expect(decisive / runs).toBeGreaterThanOrEqual(mode === 'equal' ? 0.8 : 0.2);
    expect(right / decisive).toBeGreaterThanOrEqual(0.95);
  });

  it('the Bayesian rule alone would not survive peeking: with 2 equal creatives it declares far more than 5%', () => {
    // Why bandit mode also needs the sequential test (README section 9): alpha = 100 switches it off.
    let declared = 0;
    for (let s = 0; s < 200; s++) {
      const rnd = mulberry32(1000 + s);
      const binom = binomialSampler(rnd);
      const rows: ArmHour[][] = [[], []];
      for (let d = 0; d < 14; d++) {
        for (const r of rows) {
          const clicks = binom(4800, 0.03);
          r.push({ hour: d * 24, impressions: 4800, clicks, orders: 0, gmvFen: 0 });
        }
        const o = rotateExperiment({ mode: 'bandit', metric: 'ctr', armIds: ['a', 'b'], rows, asOf: (d + 1) * 24, startHour: 0, status: 'running', random: rnd, config: { draws: 500, alpha: 100 } });
        if (o.decided) {
          declared++;
          break;
        }
      }
    }
    expect(declared / 200).toBeGreaterThan(0.15);
  });
});

describe('rotateExperiment', () => {
  const rowsFor = (ctrs: number[], hours: number, imps: number) => ctrs.map((c) => Array.from({ length: hours }, (_, h) => ({ hour: h, impressions: imps, clicks: round(imps * c), orders: round(imps * c * 0.05), gmvFen: round(imps * c * 0.05) * 19_900 })));

  it('replays exactly from the same seed', () => {
    const input = { mode: 'bandit' as const, metric: 'value' as const, armIds: ['a', 'b', 'c'], rows: rowsFor([0.03, 0.032, 0.029], 30, 300), asOf: 30, startHour: 0, status: 'running' as const, config: { draws: 2000 } };
    const a = rotateExperiment({ ...input, random: mulberry32(5) });
    const b = rotateExperiment({ ...input, random: mulberry32(5) });
    expect(b).toEqual(a);
    expect(Object.values(a.weights).reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    for (const w of Object.values(a.weights)) expect(w).toBeGreaterThanOrEqual(0.05 - 1e-12);
  });

  it('equal mode splits evenly until the sequential test decides; the winner then takes all', () => {
    const early = rotateExperiment({ mode: 'equal', metric: 'ctr', armIds: ['a', 'b'], rows: rowsFor([0.03, 0.05], 10, 300), asOf: 10, startHour: 0, status: 'running', random: mulberry32(1), config: { draws: 1000 } });
    expect(early.status).toBe('running');
    expect(early.weights).toEqual({ a: 0.5, b: 0.5 });
    expect(early.check.pending.join(' ')).toContain('hours needed');
    const later = rotateExperiment({ mode: 'equal', metric: 'ctr', armIds: ['a', 'b'], rows: rowsFor([0.03, 0.05], 48, 300), asOf: 48, startHour: 0, status: 'running', random: mulberry32(1), config: { draws: 1000 } });
    expect(later.status).toBe('decided');
    expect(later.decided).toMatchObject({ winnerId: 'b', rule: 'sequential' });
    expect(later.weights).toEqual({ a: 0, b: 1 });
    expect(later.check.pValues.a).toBeLessThanOrEqual(0.05);
  });

  it('stops at maxDays without a winner when nothing is significant', () => {
    const o = rotateExperiment({ mode: 'equal', metric: 'ctr', armIds: ['a', 'b'], rows: rowsFor([0.03, 0.03], 48, 300), asOf: 48, startHour: 0, status: 'running', maxDays: 2, random: mulberry32(1), config: { draws: 500 } });
    expect(o.status).toBe('stopped');
    expect(o.stopped?.reason).toContain('2 days');
  });

  it('watches a decided winner and reports fatigue once its CTR falls', () => {
    const rows = [Array.from({ length: 96 }, (_, h) => ({ hour: h, impressions: 1000, clicks: h < 48 ? 40 : 24, orders: 0, gmvFen: 0 })), []];
    const o = rotateExperiment({ mode: 'bandit', metric: 'ctr', armIds: ['a', 'b'], rows, asOf: 96, startHour: 0, status: 'decided', winnerId: 'a', decidedHour: 24, baselineCtr: 0.04, random: mulberry32(1), config: { draws: 200 } });
    expect(o.status).toBe('decided');
    expect(o.weights).toEqual({ a: 1, b: 0 });
    expect(o.fatigue).toMatchObject({ alarm: true, creativeId: 'a', baselineCtr: 0.04 });
    expect(o.fatigue!.alarmHour!).toBeGreaterThanOrEqual(48);
    const again = rotateExperiment({ mode: 'bandit', metric: 'ctr', armIds: ['a', 'b'], rows, asOf: 96, startHour: 0, status: 'decided', winnerId: 'a', decidedHour: 24, baselineCtr: 0.04, fatigued: true, random: mulberry32(1), config: { draws: 200 } });
    expect(again.fatigue).toBeNull();
  });
});
