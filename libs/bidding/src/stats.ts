import type { DelayCurve, Interval } from './types';

const LN2 = Math.LN2;
/** z of a two-sided 90% interval. */
export const Z90 = 1.6448536269514722;

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Any non-finite or negative count reads as 0: missing data must never poison a sum. */
export function nonNeg(x: number | null | undefined): number {
  return typeof x === 'number' && x > 0 && x < Number.MAX_SAFE_INTEGER ? x : 0;
}

/**
 * Exponential time decay, w = 2^(-age / halfLife): an observation one half-life old counts half.
 * (Exponentially weighted counts, e.g. Agarwal, Chen & Elango 2009, "Spatio-temporal models for
 * estimating click-through rate".)
 */
export function decayWeight(ageHours: number, halfLifeHours: number): number {
  if (!(halfLifeHours > 0) || !Number.isFinite(halfLifeHours)) return 1;
  return Math.exp((-ageHours * LN2) / halfLifeHours);
}

/**
 * Share of a click's eventual orders already reported `ageHours` after the click:
 * F(a) = (1 - sum_i w_i e^(-a/tau_i)) / (1 - sum_i w_i e^(-W/tau_i)), conditioned on the
 * attribution window W (orders later than W are never reported). A mixture of exponential
 * delays as in Chapelle 2014 ("Modeling delayed feedback in display advertising", KDD), which
 * fits one exponential; we use a mixture for the "most within a day, tail to 15 days" shape.
 * Floored at 0.02 so a just-finished hour never divides by ~0.
 */
export function reportedShare(ageHours: number, delay: DelayCurve): number {
  if (!(ageHours > 0)) return 0.02;
  if (ageHours >= delay.windowHours) return 1;
  let pending = 0;
  let pendingAtWindow = 0;
  for (let i = 0; i < delay.weights.length; i++) {
    pending += delay.weights[i] * Math.exp(-ageHours / delay.tauHours[i]);
    pendingAtWindow += delay.weights[i] * Math.exp(-delay.windowHours / delay.tauHours[i]);
  }
  const f = (1 - pending) / (1 - pendingAtWindow);
  return clamp(f, 0.02, 1);
}

/**
 * Beta(alpha, beta) posterior of a rate from a prior mean m and strength s (pseudo-trials) and
 * observed successes/trials: alpha = m s + successes, beta = (1 - m) s + trials - successes.
 * Interval: mean +- z sd of the Beta, clipped to [0, 1] (normal approximation; adequate for the
 * 90% bands the verdicts and explanations use).
 */
export function betaPosterior(priorMean: number, strength: number, successes: number, trials: number): Interval {
  const s = Math.max(0, Math.min(successes, trials));
  const a = priorMean * strength + s;
  const b = (1 - priorMean) * strength + (trials - s);
  const n = a + b;
  if (!(n > 0)) return { mean: priorMean, lo: 0, hi: 1 };
  const mean = a / n;
  const sd = Math.sqrt((a * b) / (n * n * (n + 1)));
  return { mean, lo: clamp(mean - Z90 * sd, 0, 1), hi: clamp(mean + Z90 * sd, 0, 1) };
}

/** `betaPosterior(...).mean` without the interval (same arithmetic, no allocation). */
export function betaMean(priorMean: number, strength: number, successes: number, trials: number): number {
  const s = Math.max(0, Math.min(successes, trials));
  const a = priorMean * strength + s;
  const b = (1 - priorMean) * strength + (trials - s);
  const n = a + b;
  return n > 0 ? a / n : priorMean;
}

export interface RateObs {
  successes: number;
  trials: number;
  /** The prior mean this child is shrunk toward (its parent's posterior mean). */
  parentMean: number;
}

/**
 * Empirical-Bayes strength (alpha + beta) of the Beta prior shared by sibling nodes, by the method
 * of moments of Wang, Chen, et al. 2011 ("Click-through rate estimation for rare events in online
 * advertising"), with trial weights (Kleinman 1973):
 *   r_i = s_i / n_i,  N = sum n_i,  S = sum n_i (r_i - m_i)^2,
 *   sigma^2 = (S - (k - 1) mbar (1 - mbar)) / (N - sum n_i^2 / N),
 *   alpha + beta = mbar (1 - mbar) / sigma^2 - 1.
 * Siblings that differ less than binomial noise explains get a strong prior (shrink hard);
 * siblings that truly differ get a weak one. Falls back when fewer than 2 siblings have trials.
 */
export function fitBetaStrength(children: readonly RateObs[], fallback: number, minS: number, maxS: number): number {
  let N = 0;
  let N2 = 0;
  let succ = 0;
  let k = 0;
  for (const c of children) {
    if (c.trials > 0) {
      N += c.trials;
      N2 += c.trials * c.trials;
      succ += c.successes;
      k++;
    }
  }
  if (k < 2 || !(N > 0)) return fallback;
  const mbar = clamp(succ / N, 1e-9, 1 - 1e-9);
  let S = 0;
  for (const c of children) {
    if (c.trials > 0) {
      const r = Math.min(c.successes, c.trials) / c.trials;
      S += c.trials * (r - c.parentMean) * (r - c.parentMean);
    }
  }
  const denom = N - N2 / N;
  if (!(denom > 0)) return fallback;
  const sigma2 = (S - (k - 1) * mbar * (1 - mbar)) / denom;
  if (!(sigma2 > 0)) return maxS;
  const strength = (mbar * (1 - mbar)) / sigma2 - 1;
  return Number.isFinite(strength) ? clamp(strength, minS, maxS) : fallback;
}

/**
 * `fitBetaStrength` over columns (successes, trials, parent mean) of the first n entries; same
 * arithmetic. Two loops, not one calling the other: building the columns from the objects on each
 * call (or the objects from the columns) costs optimizePlan 40% of its decisions/s (measured).
 */
export function fitBetaStrengthColumns(successes: ArrayLike<number>, trials: ArrayLike<number>, parentMean: ArrayLike<number>, n: number, fallback: number, minS: number, maxS: number): number {
  let N = 0;
  let N2 = 0;
  let succ = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const t = trials[i];
    if (t > 0) {
      N += t;
      N2 += t * t;
      succ += successes[i];
      k++;
    }
  }
  if (k < 2 || !(N > 0)) return fallback;
  const mbar = clamp(succ / N, 1e-9, 1 - 1e-9);
  let S = 0;
  for (let i = 0; i < n; i++) {
    const t = trials[i];
    if (t > 0) {
      const r = Math.min(successes[i], t) / t;
      const d = r - parentMean[i];
      S += t * d * d;
    }
  }
  const denom = N - N2 / N;
  if (!(denom > 0)) return fallback;
  const sigma2 = (S - (k - 1) * mbar * (1 - mbar)) / denom;
  if (!(sigma2 > 0)) return maxS;
  const strength = (mbar * (1 - mbar)) / sigma2 - 1;
  return Number.isFinite(strength) ? clamp(strength, minS, maxS) : fallback;
}

/**
 * Order value shrunk toward a prior value by pseudo-orders (normal-normal conjugate update with
 * the prior worth `priorOrders` observations): (k v0 + gmv) / (k + orders). Interval assumes a
 * per-order coefficient of variation of 0.5 (basket sizes), sd = mean 0.5 / sqrt(k + orders).
 */
export function shrinkOrderValue(priorValueFen: number, priorOrders: number, orders: number, gmvFen: number): Interval {
  const k = Math.max(priorOrders, 1e-9);
  const o = nonNeg(orders);
  const mean = (k * nonNeg(priorValueFen) + nonNeg(gmvFen)) / (k + o);
  const sd = (mean * 0.5) / Math.sqrt(k + o);
  return { mean, lo: Math.max(0, mean - Z90 * sd), hi: mean + Z90 * sd };
}

/** `shrinkOrderValue(...).mean` without the interval (same arithmetic, no allocation). */
export function shrinkOrderValueMean(priorValueFen: number, priorOrders: number, orders: number, gmvFen: number): number {
  const k = Math.max(priorOrders, 1e-9);
  return (k * nonNeg(priorValueFen) + nonNeg(gmvFen)) / (k + nonNeg(orders));
}
