import { DEFAULT_CONFIG } from './config';
import { betaPosterior, decayWeight, fitBetaStrength, reportedShare, shrinkOrderValue } from './stats';

describe('decayWeight: w = 2^(-age / halfLife)', () => {
  it.each([
    [0, 72, 1],
    [72, 72, 0.5],
    [144, 72, 0.25],
    [36, 72, Math.SQRT1_2],
    [10, 0, 1], // no half-life: no decay
  ])('age %p, half-life %p -> %p', (age, hl, w) => {
    expect(decayWeight(age, hl)).toBeCloseTo(w, 12);
  });
});

describe('reportedShare: delay mixture conditioned on the attribution window', () => {
  it.each([
    // (1 - 0.55e^-12 - 0.35e^-1.2 - 0.1e^-0.2) / (1 - 0.1e^-3 - 0.35e^-18 - 0.55e^-180)
    [24, 0.816772044],
    [360, 1],
    [1000, 1],
    [0, 0.02], // floor: a just-finished hour never divides by ~0
  ])('age %p h -> %p', (age, f) => {
    expect(reportedShare(age, DEFAULT_CONFIG.delay)).toBeCloseTo(f, 6);
  });

  it('grows with age (recent hours look incomplete, not worse)', () => {
    for (let a = 1; a < 360; a++) expect(reportedShare(a + 1, DEFAULT_CONFIG.delay)).toBeGreaterThanOrEqual(reportedShare(a, DEFAULT_CONFIG.delay));
  });
});

describe('betaPosterior', () => {
  it('prior 2% with strength 100, 3 of 50: Beta(5, 145)', () => {
    const p = betaPosterior(0.02, 100, 3, 50);
    expect(p.mean).toBeCloseTo(1 / 30, 10);
    expect(p.lo).toBeCloseTo(0.009305394, 8);
    expect(p.hi).toBeCloseTo(0.057361273, 8);
  });

  it('no data returns the prior mean', () => {
    expect(betaPosterior(0.03, 40, 0, 0).mean).toBeCloseTo(0.03, 12);
  });

  it('clips successes to trials and stays in [0, 1]', () => {
    const p = betaPosterior(0.5, 2, 10, 5);
    expect(p.mean).toBeCloseTo(6 / 7, 10);
    expect(p.hi).toBeLessThanOrEqual(1);
  });
});

describe('fitBetaStrength (method of moments, Wang et al. 2011)', () => {
  it('10/100 and 30/100 around 0.2: sigma^2 = (2 - 0.16) / 100, strength = 0.16 / 0.0184 - 1', () => {
    const k = fitBetaStrength(
      [
        { successes: 10, trials: 100, parentMean: 0.2 },
        { successes: 30, trials: 100, parentMean: 0.2 },
      ],
      50, 2, 1e5,
    );
    expect(k).toBeCloseTo(0.16 / 0.0184 - 1, 8);
  });

  it('siblings no more different than noise -> the strongest prior', () => {
    const k = fitBetaStrength(
      [
        { successes: 20, trials: 100, parentMean: 0.2 },
        { successes: 20, trials: 100, parentMean: 0.2 },
      ],
      50, 2, 1e5,
    );
    expect(k).toBe(1e5);
  });

  it('fewer than two siblings with trials -> fallback', () => {
    expect(fitBetaStrength([{ successes: 1, trials: 10, parentMean: 0.1 }, { successes: 0, trials: 0, parentMean: 0.1 }], 50, 2, 1e5)).toBe(50);
  });

  it('wildly different siblings -> clamped to the minimum', () => {
    const k = fitBetaStrength(
      [
        { successes: 0, trials: 1000, parentMean: 0.5 },
        { successes: 1000, trials: 1000, parentMean: 0.5 },
      ],
      50, 2, 1e5,
    );
    expect(k).toBe(2);
  });
});

describe('shrinkOrderValue: (k v0 + gmv) / (k + orders)', () => {
  it.each([
    [10_000, 3, 2, 30_000, 12_000],
    [10_000, 3, 0, 0, 10_000],
    [10_000, 3, 97, 970_000 * 2, (30_000 + 1_940_000) / 100],
  ])('prior %p x %p orders, %p orders worth %p -> %p', (v0, k, o, g, want) => {
    expect(shrinkOrderValue(v0, k, o, g).mean).toBeCloseTo(want, 8);
  });
});
