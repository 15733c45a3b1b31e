/**
 * Creative A/B rotation: Bayesian posteriors per creative, P(best), Thompson serving weights with
 * a floor, the expected-loss stopping rule (Scott 2010), an always-valid sequential test for
 * peeking (mSPRT, Johari et al. 2017) and a CUSUM fatigue detector. Pure: randomness comes in as
 * a `() => number` (uniform [0, 1)), time as integer hour indexes. Formulas and sources:
 * libs/bidding/README.md, section 9.
 */
import { DEFAULT_CONFIG } from './config';
import { pct } from './explain';
import { reportedShare } from './stats';
import type { DelayCurve } from './types';

// Module bindings of the Math functions: the Monte Carlo and the special functions call them in
// tight loops, and a global lookup of \`Math\` is slow where code runs in a vm context (Jest: ~20x).
const { LN10, PI, abs, ceil, cos, exp, floor, imul, log, max, min, pow, sin, sqrt } = Math;

export type RotationMode = 'equal' | 'bandit';
export type RotationMetric = 'ctr' | 'value';
export type Random = () => number;

/** One creative-hour of stats (summed over the unit's keywords). */
export interface ArmHour {
  /** Hour index (hours since the Unix epoch). */
  hour: number;
  impressions: number;
  clicks: number;
  orders: number;
  gmvFen: number;
}

export interface ArmTotals {
  impressions: number;
  clicks: number;
  /** Clicks weighted by the share of their orders reported by now (README section 1). */
  maturedClicks: number;
  orders: number;
  gmvFen: number;
}

export interface RotationConfig {
  /** Least serving weight of every creative before a decision (Thompson weights are floored). */
  floor: number;
  /** Monte Carlo draws for P(best) and the expected loss. */
  draws: number;
  /** Beta(a0, b0) prior of CTR and of CVR (uniform). */
  priorA: number;
  priorB: number;
  /** Pseudo-orders of the pooled order value each creative's order value is shrunk toward. */
  aovPriorOrders: number;
  /** Decision: P(best) of the leader at least this... */
  probBest: number;
  /** ...and its expected loss under this share of its own rate (Scott 2010). */
  lossShare: number;
  /** Family-wise error of the always-valid sequential test. */
  alpha: number;
  /** mSPRT mixing sd as a share of the pooled rate: tau = mixRelSd x pooled rate. */
  mixRelSd: number;
  /** Coefficient of variation of order values, for the per-impression variance of value. */
  valueCv: number;
  /** Minimum sample per arm before any decision or sequential look. */
  minImpressions: number;
  minClicks: number;
  /** Value metric: clicks per arm (CVR needs clicks to be measured). */
  minClicksValue: number;
  /** Hours since the start before a decision (a full daily cycle). */
  minHours: number;
  fatigue: FatigueConfig;
  delay: DelayCurve;
}

export interface FatigueConfig {
  /** CUSUM reference value and decision interval, in standard deviations of a block's residual. */
  k: number;
  h: number;
  /** Consecutive hours are pooled into one block until its expected clicks reach this. */
  blockExpectedClicks: number;
  /** Residuals are clamped to +-zClamp so one freak hour cannot raise the alarm alone. */
  zClamp: number;
}

export const ROTATION_DEFAULTS: Readonly<RotationConfig> = Object.freeze({
  floor: 0.05,
  draws: 20_000,
  priorA: 1,
  priorB: 1,
  aovPriorOrders: 3,
  probBest: 0.95,
  lossShare: 0.01,
  alpha: 0.05,
  mixRelSd: 0.2,
  valueCv: 0.5,
  minImpressions: 1000,
  minClicks: 30,
  minClicksValue: 100,
  minHours: 24,
  fatigue: Object.freeze({ k: 0.5, h: 8, blockExpectedClicks: 50, zClamp: 4 }),
  delay: DEFAULT_CONFIG.delay,
});

export function rotationConfig(over: Partial<RotationConfig> = {}): RotationConfig {
  return { ...ROTATION_DEFAULTS, ...over, fatigue: { ...ROTATION_DEFAULTS.fatigue, ...(over.fatigue ?? {}) } };
}

// ---------------------------------------------------------------------------------------------
// Randomness and special functions

/** mulberry32: a small seeded generator, for callers that have a seed rather than a generator. */
export function mulberry32(seed: number): Random {
  let s = seed >>> 0;
  return () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0);
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 32-bit FNV-1a of a string: a seed from an id and an hour, so a rotation replays exactly. */
export function seedFrom(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Standard normals by Box-Muller, both of each pair used. */
export function normalSampler(random: Random): () => number {
  let spare = 0;
  let hasSpare = false;
  return () => {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    const r = sqrt(-2 * log(max(random(), 1e-300)));
    const t = 2 * PI * random();
    spare = r * sin(t);
    hasSpare = true;
    return r * cos(t);
  };
}

/** Gamma(shape, 1) by Marsaglia & Tsang 2000 ("A simple method for generating gamma variables"). */
export function sampleGamma(shape: number, random: Random, normal: () => number = normalSampler(random)): number {
  if (shape < 1) return sampleGamma(shape + 1, random, normal) * pow(max(random(), 1e-300), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (log(max(u, 1e-300)) < 0.5 * x * x + d * (1 - v + log(v))) return d * v;
  }
}

export function sampleBeta(a: number, b: number, random: Random, normal: () => number = normalSampler(random)): number {
  const x = sampleGamma(a, random, normal);
  const y = sampleGamma(b, random, normal);
  return x / (x + y);
}

const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];

/** ln Gamma(x) for x > 0 (Lanczos, g = 7). */
export function lgamma(x: number): number {
  if (x < 0.5) return log(PI / abs(sin(PI * x))) - lgamma(1 - x);
  x -= 1;
  let a = LANCZOS[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
  return 0.5 * log(2 * PI) + (x + 0.5) * log(t) - t + log(a);
}

export function lbeta(a: number, b: number): number {
  return lgamma(a) + lgamma(b) - lgamma(a + b);
}

/** Continued fraction of the incomplete beta (modified Lentz; Numerical Recipes 6.4). */
function betacf(a: number, b: number, x: number): number {
  const TINY = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 100_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b): the CDF of Beta(a, b) at x. */
export function betaCdf(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = exp(a * log(x) + b * log(1 - x) - lbeta(a, b));
  return x < (a + 1) / (a + b + 2) ? (front * betacf(a, b, x)) / a : 1 - (front * betacf(b, a, 1 - x)) / b;
}

/** Density of Beta(a, b) at x. */
export function betaPdf(x: number, a: number, b: number): number {
  if (x <= 0 || x >= 1) return 0;
  return exp((a - 1) * log(x) + (b - 1) * log(1 - x) - lbeta(a, b));
}

/**
 * The p-quantile of Beta(a, b): Newton steps on the CDF from the normal approximation, kept
 * inside a bracket that bisection narrows whenever a step would leave it (to 1e-12).
 */
export function betaQuantile(p: number, a: number, b: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  let lo = 0;
  let hi = 1;
  const mean = a / (a + b);
  const sd = sqrt((a * b) / ((a + b) ** 2 * (a + b + 1)));
  let x = min(1 - 1e-9, max(1e-9, mean + sd * normalQuantile(p)));
  for (let i = 0; i < 200; i++) {
    const f = betaCdf(x, a, b) - p;
    if (abs(f) < 1e-13) break;
    if (f < 0) lo = x;
    else hi = x;
    const d = betaPdf(x, a, b);
    let next = d > 0 ? x - f / d : NaN;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (abs(next - x) < 1e-12 * max(1e-6, x)) {
      x = next;
      break;
    }
    x = next;
  }
  return x;
}

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = sqrt(-2 * log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - pl) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/**
 * P(X > Y) for X ~ Beta(a1, b1), Y ~ Beta(a2, b2), exactly, when a1 is a whole number
 * (Evan Miller 2015, "Formulas for Bayesian A/B testing"):
 *   P(X > Y) = sum_{i=0}^{a1-1} B(a2 + i, b1 + b2) / ((b1 + i) B(1 + i, b1) B(a2, b2)),
 * each term from the previous one by the ratio (a2 + i)(b1 + i) / ((a2 + b1 + b2 + i)(1 + i)).
 * The sum runs over the smaller whole first parameter (P(X > Y) = 1 - P(Y > X)); null when
 * neither is whole.
 */
export function probGreaterExact(a1: number, b1: number, a2: number, b2: number): number | null {
  const whole = (x: number) => Number.isInteger(x) && x >= 1 && x <= 1e7;
  const sum = (a1_: number, b1_: number, a2_: number, b2_: number) => {
    // Terms are kept relative to the first (whose log is `offset`) and rescaled before they
    // overflow: with large counts the first term alone underflows a double.
    let offset = lbeta(a2_, b1_ + b2_) - log(b1_) - lbeta(1, b1_) - lbeta(a2_, b2_);
    let term = 1;
    let total = 1;
    for (let i = 0; i < a1_ - 1; i++) {
      term *= ((a2_ + i) * (b1_ + i)) / ((a2_ + b1_ + b2_ + i) * (1 + i));
      total += term;
      if (total > 1e250) {
        term *= 1e-250;
        total *= 1e-250;
        offset += 250 * LN10;
      }
    }
    return min(1, max(0, exp(log(total) + offset)));
  };
  if (whole(a1) && (!whole(a2) || a1 <= a2)) return sum(a1, b1, a2, b2);
  if (whole(a2)) return 1 - sum(a2, b2, a1, b1);
  return null;
}

/**
 * E[max(Y - X, 0)] for X ~ Beta(a1, b1), Y ~ Beta(a2, b2), exactly (whole first parameters):
 * E[Y 1{Y > X}] - E[X 1{Y > X}] = m2 P(Y' > X) - m1 P(Y > X'), with m the means and X', Y' the
 * size-biased Beta(a + 1, b) (E[X g(X)] = E[X] E[g(X')]).
 */
export function expectedShortfallExact(a1: number, b1: number, a2: number, b2: number): number | null {
  const p1 = probGreaterExact(a2 + 1, b2, a1, b1);
  const p2 = probGreaterExact(a2, b2, a1 + 1, b1);
  if (p1 === null || p2 === null) return null;
  return max(0, (a2 / (a2 + b2)) * p1 - (a1 / (a1 + b1)) * p2);
}

// ---------------------------------------------------------------------------------------------
// Posteriors

/** Sums an arm's hours before `asOf` (hour < asOf), with clicks matured by the report delay. */
export function armTotals(rows: readonly ArmHour[], asOf: number, delay: DelayCurve = ROTATION_DEFAULTS.delay): ArmTotals {
  const t: ArmTotals = { impressions: 0, clicks: 0, maturedClicks: 0, orders: 0, gmvFen: 0 };
  for (const r of rows) {
    if (!(r.hour < asOf)) continue;
    const imps = max(0, r.impressions);
    const clicks = min(max(0, r.clicks), imps);
    t.impressions += imps;
    t.clicks += clicks;
    t.maturedClicks += clicks * reportedShare(asOf - r.hour - 0.5, delay);
    t.orders += max(0, r.orders);
    t.gmvFen += max(0, r.gmvFen);
  }
  return t;
}

export interface ArmPosterior {
  /** CTR ~ Beta(ctrA, ctrB). */
  ctrA: number;
  ctrB: number;
  /** CVR (orders per matured click) ~ Beta(cvrA, cvrB). */
  cvrA: number;
  cvrB: number;
  /** Order value (fen), shrunk toward the pooled order value. */
  aovFen: number;
  ctrMean: number;
  cvrMean: number;
  /** E[CTR] x E[CVR] x AOV (fen per impression); independence makes the product of means the mean. */
  valueMean: number;
}

/**
 * Per-arm posteriors. CTR: Beta(a0 + clicks, b0 + impressions - clicks). CVR: Beta(a0 + orders,
 * b0 + max(0, matured clicks - orders)). Order value: (k v0 + gmv) / (k + orders) with v0 the
 * pooled order value of all arms (else `priorOrderValueFen`, e.g. the SKU price) and k pseudo-orders.
 */
export function posteriors(totals: readonly ArmTotals[], cfg: RotationConfig, priorOrderValueFen = 10_000): ArmPosterior[] {
  let orders = 0;
  let gmv = 0;
  for (const t of totals) {
    orders += t.orders;
    gmv += t.gmvFen;
  }
  const v0 = orders > 0 ? gmv / orders : priorOrderValueFen;
  return totals.map((t) => {
    const ctrA = cfg.priorA + t.clicks;
    const ctrB = cfg.priorB + max(0, t.impressions - t.clicks);
    const cvrA = cfg.priorA + t.orders;
    const cvrB = cfg.priorB + max(0, t.maturedClicks - t.orders);
    const aovFen = (cfg.aovPriorOrders * v0 + t.gmvFen) / (cfg.aovPriorOrders + t.orders);
    const ctrMean = ctrA / (ctrA + ctrB);
    const cvrMean = cvrA / (cvrA + cvrB);
    return { ctrA, ctrB, cvrA, cvrB, aovFen, ctrMean, cvrMean, valueMean: ctrMean * cvrMean * aovFen };
  });
}

export function metricMean(p: ArmPosterior, metric: RotationMetric): number {
  return metric === 'ctr' ? p.ctrMean : p.valueMean;
}

/** Equal-tailed credible interval of a Beta posterior. */
export function betaInterval(a: number, b: number, level = 0.95): [number, number] {
  const tail = (1 - level) / 2;
  return [betaQuantile(tail, a, b), betaQuantile(1 - tail, a, b)];
}

export interface BestSummary {
  /** P(arm is best), summing to 1. */
  probBest: number[];
  /** E[max_j theta_j - theta_k]: what choosing arm k is expected to lose (Scott 2010). */
  expectedLoss: number[];
  /** Value metric: 95% credible interval of each arm's value per impression, from the draws (CTR has exact Beta quantiles). */
  interval: [number, number][] | null;
  /** How P(best) was computed. */
  method: 'exact' | 'monte-carlo';
}

/**
 * P(best) and the expected loss of each arm. Two arms on CTR: both exactly (`probGreaterExact`,
 * `expectedShortfallExact`); otherwise from `draws` joint draws of the posteriors.
 */
export function bestArm(posts: readonly ArmPosterior[], metric: RotationMetric, draws: number, random: Random): BestSummary {
  const K = posts.length;
  if (K === 2 && metric === 'ctr') {
    const [x, y] = posts;
    const p = probGreaterExact(x.ctrA, x.ctrB, y.ctrA, y.ctrB);
    const lossX = expectedShortfallExact(x.ctrA, x.ctrB, y.ctrA, y.ctrB);
    const lossY = expectedShortfallExact(y.ctrA, y.ctrB, x.ctrA, x.ctrB);
    if (p !== null && lossX !== null && lossY !== null) return { probBest: [p, 1 - p], expectedLoss: [lossX, lossY], interval: null, method: 'exact' };
  }
  const wins = new Float64Array(K);
  const loss = new Float64Array(K);
  const samples = metric === 'value' ? posts.map(() => new Float64Array(draws)) : null;
  const theta = new Float64Array(K);
  const normal = normalSampler(random);
  for (let d = 0; d < draws; d++) {
    let best = 0;
    for (let k = 0; k < K; k++) {
      const p = posts[k];
      let v = sampleBeta(p.ctrA, p.ctrB, random, normal);
      if (metric === 'value') v *= sampleBeta(p.cvrA, p.cvrB, random, normal) * p.aovFen;
      theta[k] = v;
      if (samples) samples[k][d] = v;
      if (v > theta[best]) best = k;
    }
    wins[best] += 1;
    const top = theta[best];
    for (let k = 0; k < K; k++) loss[k] += top - theta[k];
  }
  const interval = samples
    ? samples.map((s): [number, number] => {
        s.sort();
        return [s[floor(0.025 * (draws - 1))], s[ceil(0.975 * (draws - 1))]];
      })
    : null;
  return { probBest: Array.from(wins, (w) => w / draws), expectedLoss: Array.from(loss, (l) => l / draws), interval, method: 'monte-carlo' };
}

// ---------------------------------------------------------------------------------------------
// Serving weights

/**
 * Thompson sampling's serving weights are the posterior probabilities that each arm is best
 * (probability matching; Thompson 1933, Scott 2010). Every arm keeps at least `floor`: arms below
 * it are lifted to it and the rest is shared among the others in proportion to P(best), repeated
 * until no arm is below (water-filling). The weights sum to 1 and keep the order of P(best).
 */
export function thompsonWeights(probBest: readonly number[], floor: number): number[] {
  const K = probBest.length;
  if (K === 0) return [];
  const f = max(0, min(floor, 1 / K));
  const p = probBest.map((x) => (Number.isFinite(x) && x > 0 ? x : 0));
  const fixed = new Array<boolean>(K).fill(false);
  const w = new Array<number>(K).fill(0);
  for (;;) {
    const nFixed = fixed.filter(Boolean).length;
    const rest = 1 - nFixed * f;
    let free = 0;
    for (let k = 0; k < K; k++) if (!fixed[k]) free += p[k];
    let changed = false;
    for (let k = 0; k < K; k++) {
      if (fixed[k]) w[k] = f;
      else w[k] = free > 0 ? (rest * p[k]) / free : rest / (K - nFixed);
    }
    for (let k = 0; k < K; k++) {
      if (!fixed[k] && w[k] < f) {
        fixed[k] = true;
        changed = true;
      }
    }
    if (!changed) break;
  }
  // Exact sum: put the rounding residue on the largest weight.
  const sum = w.reduce((s, x) => s + x, 0);
  let top = 0;
  for (let k = 1; k < K; k++) if (w[k] > w[top]) top = k;
  w[top] += 1 - sum;
  return w;
}

// ---------------------------------------------------------------------------------------------
// Always-valid sequential test (mSPRT)

/**
 * Mixture likelihood ratio of Johari, Koomen, Pekelis & Walsh 2017 ("Peeking at A/B tests: why it
 * matters, and what to do about it", KDD) for an estimated difference d with variance V, mixing the
 * alternative over N(0, tau^2):
 *   Lambda = sqrt(V / (V + tau^2)) exp(tau^2 d^2 / (2 V (V + tau^2))).
 * (With V = 2 sigma^2 / n it is their two-stream formula.) Under H0 it is a martingale with mean
 * 1, so P(ever Lambda >= 1/alpha) <= alpha however often one looks (Ville's inequality), and
 * p = min over looks of 1 / Lambda is an always-valid p-value.
 */
export function msprtLambda(d: number, V: number, tau2: number): number {
  if (!(V > 0) || !(tau2 > 0)) return 1;
  return sqrt(V / (V + tau2)) * exp((tau2 * d * d) / (2 * V * (V + tau2)));
}

export interface PairTest {
  /** Difference of the metric (row arm minus column arm) per impression. */
  d: number;
  V: number;
  tau2: number;
  /** 1 / Lambda at this look, capped at 1. */
  p: number;
}

/**
 * The pair's test at one look, on per-impression means with a pooled variance under H0:
 * CTR: V = pbar (1 - pbar) (1/n_i + 1/n_j). Value: each impression is worth orders x order value,
 * var = q (1 + cv^2) v^2 - (q v)^2 with q the pooled orders per impression and v the pooled order
 * value (compound Bernoulli). tau = mixRelSd x the pooled mean.
 */
export function pairTest(a: ArmTotals, b: ArmTotals, metric: RotationMetric, cfg: RotationConfig): PairTest {
  const n1 = a.impressions;
  const n2 = b.impressions;
  if (!(n1 > 0 && n2 > 0)) return { d: 0, V: 0, tau2: 0, p: 1 };
  let d: number;
  let s2: number;
  let mean: number;
  if (metric === 'ctr') {
    const pbar = (a.clicks + b.clicks) / (n1 + n2);
    d = a.clicks / n1 - b.clicks / n2;
    s2 = pbar * (1 - pbar);
    mean = pbar;
  } else {
    const orders = a.orders + b.orders;
    const q = orders / (n1 + n2);
    const v = orders > 0 ? (a.gmvFen + b.gmvFen) / orders : 0;
    d = a.gmvFen / n1 - b.gmvFen / n2;
    s2 = max(0, q * (1 + cfg.valueCv * cfg.valueCv) * v * v - q * q * v * v);
    mean = q * v;
  }
  const V = s2 * (1 / n1 + 1 / n2);
  const tau2 = (cfg.mixRelSd * mean) ** 2;
  const lambda = msprtLambda(d, V, tau2);
  return { d, V, tau2, p: min(1, 1 / lambda) };
}

/**
 * Per-pair level that keeps the family-wise error at alpha for "the leader beats every other arm":
 * a declaration needs the leader's test against a fixed other arm to have rejected, so
 * P(declare | all equal) <= sum over K possible leaders of alpha_pair; with 2 arms there is one pair.
 */
export function pairAlpha(alpha: number, K: number): number {
  return alpha / min(K, (K * (K - 1)) / 2);
}

export function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

// ---------------------------------------------------------------------------------------------
// Fatigue

export interface FatigueResult {
  alarm: boolean;
  /** Hour index of the block that raised it. */
  alarmHour: number | null;
  /** CUSUM statistic at the end (or at the alarm). */
  statistic: number;
  blocks: number;
  /** Observed CTR over the watched hours. */
  observedCtr: number | null;
}

/**
 * One-sided lower CUSUM (Page 1954) of the winner's CTR against its own baseline p0 (its posterior
 * mean at the decision). Hours are pooled into blocks of at least `blockExpectedClicks` expected
 * clicks; each block's residual z = (clicks - n p0) / sqrt(n p0 (1 - p0)), clamped to +-zClamp,
 * feeds S = max(0, S - z - k); the alarm is S > h. With k = 0.5 and h = 8 the in-control average
 * run length is about 19,000 blocks (Siegmund's approximation), and a 20% CTR drop (1.4 sd of a
 * 50-click block) is caught in about 9 blocks (README section 9).
 */
export function cusumFatigue(rows: readonly ArmHour[], baselineCtr: number, fromHour: number, asOf: number, cfg: FatigueConfig): FatigueResult {
  const p0 = baselineCtr;
  const out: FatigueResult = { alarm: false, alarmHour: null, statistic: 0, blocks: 0, observedCtr: null };
  if (!(p0 > 0 && p0 < 1)) return out;
  const sorted = rows.filter((r) => r.hour >= fromHour && r.hour < asOf).sort((x, y) => x.hour - y.hour);
  let S = 0;
  let n = 0;
  let c = 0;
  let totalN = 0;
  let totalC = 0;
  for (const r of sorted) {
    const imps = max(0, r.impressions);
    const clicks = min(max(0, r.clicks), imps);
    n += imps;
    c += clicks;
    totalN += imps;
    totalC += clicks;
    if (n * p0 < cfg.blockExpectedClicks) continue;
    const z = max(-cfg.zClamp, min(cfg.zClamp, (c - n * p0) / sqrt(n * p0 * (1 - p0))));
    S = max(0, S - z - cfg.k);
    out.blocks++;
    n = 0;
    c = 0;
    if (S > cfg.h) {
      out.alarm = true;
      out.alarmHour = r.hour;
      break;
    }
  }
  out.statistic = S;
  out.observedCtr = totalN > 0 ? totalC / totalN : null;
  return out;
}

// ---------------------------------------------------------------------------------------------
// One rotation

export interface RotationInput {
  mode: RotationMode;
  metric: RotationMetric;
  /** Creative ids, in the experiment's order. */
  armIds: readonly string[];
  /** Hourly stats per arm (same order); hours before `startHour` and from `asOf` on are ignored. */
  rows: readonly (readonly ArmHour[])[];
  /** The hour the weights are for; stats of the hours before it are used. */
  asOf: number;
  /** First hour whose stats count. */
  startHour: number;
  status: 'running' | 'decided';
  /** For a decided experiment: the winner, the hour of the decision and its CTR then. */
  winnerId?: string | null;
  decidedHour?: number | null;
  baselineCtr?: number | null;
  /** The fatigue alarm already raised for this decision (no second one). */
  fatigued?: boolean;
  /** Running minimum always-valid p-value per pair (`pairKey`), from earlier looks. */
  minP?: Readonly<Record<string, number>>;
  /** Stop undecided after this many days (null: no limit). */
  maxDays?: number | null;
  /** Order value assumed before any order (fen), e.g. the SKU price. */
  priorOrderValueFen?: number;
  random: Random;
  config?: Partial<RotationConfig>;
}

export interface ArmResult {
  id: string;
  impressions: number;
  clicks: number;
  orders: number;
  gmvFen: number;
  ctr: number | null;
  ctrMean: number;
  ctrInterval: [number, number];
  cvrMean: number;
  valuePerImpressionFen: number;
  /** Value metric only: 95% credible interval of the value per impression (fen). */
  valueInterval: [number, number] | null;
  probBest: number;
  expectedLoss: number;
  weight: number;
}

export interface DecisionCheck {
  leaderId: string;
  probBest: number;
  /** Expected loss of choosing the leader as a share of its own mean. */
  lossShare: number;
  sampleOk: boolean;
  /** Always-valid p (running minimum) of the leader against each other arm. */
  pValues: Record<string, number>;
  alphaPair: number;
  sequentialOk: boolean;
  bayesOk: boolean;
  /** Why there is no decision yet (empty when decided). */
  pending: string[];
}

export interface RotationOutcome {
  status: 'running' | 'decided' | 'stopped';
  /** Serving weights by creative id, summing to 1. */
  weights: Record<string, number>;
  results: ArmResult[];
  method: BestSummary['method'];
  check: DecisionCheck;
  /** Set when this rotation decided: the winner and the rule that fired. */
  decided: { winnerId: string; rule: 'bayes+sequential' | 'sequential'; baselineCtr: number } | null;
  /** Set when this rotation stopped the experiment at its maximum duration. */
  stopped: { reason: string } | null;
  /** Set when the decided winner's CTR fell (raise `creative.fatigued`). */
  fatigue: (FatigueResult & { creativeId: string; baselineCtr: number }) | null;
  minP: Record<string, number>;
}

/**
 * One rotation of an experiment at hour `asOf`: posteriors from the stats of [startHour, asOf),
 * P(best), weights, the decision check, and for a decided experiment the fatigue watch.
 * Deterministic given the inputs and the random stream.
 *
 * Decision: `equal` mode when the always-valid test finds the leader better than every other arm
 * at the family-wise level alpha; `bandit` mode when in addition P(best) >= 0.95 and the expected
 * loss of the leader is under 1% of its rate (Scott 2010). Both need the minimum sample per arm and
 * a full day. Adaptive (Thompson) allocation keeps the mSPRT valid: the allocation of each hour
 * depends only on earlier hours, so the mixture likelihood ratio stays a martingale under H0.
 */
export function rotateExperiment(input: RotationInput): RotationOutcome {
  const cfg = rotationConfig(input.config);
  const K = input.armIds.length;
  const ids = input.armIds;
  const metric = input.metric;
  const windowRows = input.rows.map((rs) => rs.filter((r) => r.hour >= input.startHour));
  const totals = windowRows.map((rs) => armTotals(rs, input.asOf, cfg.delay));
  const posts = posteriors(totals, cfg, input.priorOrderValueFen);
  const best = bestArm(posts, metric, cfg.draws, input.random);

  let leader = 0;
  for (let k = 1; k < K; k++) {
    if (best.probBest[k] > best.probBest[leader] || (best.probBest[k] === best.probBest[leader] && metricMean(posts[k], metric) > metricMean(posts[leader], metric))) leader = k;
  }
  const leaderMean = metricMean(posts[leader], metric);
  const lossShare = leaderMean > 0 ? best.expectedLoss[leader] / leaderMean : Infinity;
  const hours = input.asOf - input.startHour;
  const minClicks = metric === 'ctr' ? cfg.minClicks : cfg.minClicksValue;
  const pending: string[] = [];
  for (let k = 0; k < K; k++) {
    if (totals[k].impressions < cfg.minImpressions) pending.push(`creative ${ids[k]} has ${totals[k].impressions} of the ${cfg.minImpressions} impressions needed`);
    if (totals[k].clicks < minClicks) pending.push(`creative ${ids[k]} has ${totals[k].clicks} of the ${minClicks} clicks needed`);
  }
  if (hours < cfg.minHours) pending.push(`${hours} of the ${cfg.minHours} hours needed`);
  const sampleOk = pending.length === 0;

  // Sequential looks count only once the sample is large enough for the normal approximation.
  const minP: Record<string, number> = { ...(input.minP ?? {}) };
  if (sampleOk) {
    for (let i = 0; i < K; i++) {
      for (let j = i + 1; j < K; j++) {
        const key = pairKey(ids[i], ids[j]);
        const t = pairTest(totals[i], totals[j], metric, cfg);
        minP[key] = min(minP[key] ?? 1, t.p);
      }
    }
  }
  const alphaPair = pairAlpha(cfg.alpha, K);
  const pValues: Record<string, number> = {};
  let sequentialOk = sampleOk;
  for (let j = 0; j < K; j++) {
    if (j === leader) continue;
    const p = minP[pairKey(ids[leader], ids[j])] ?? 1;
    pValues[ids[j]] = p;
    const ahead = metricMean(posts[leader], metric) > metricMean(posts[j], metric);
    if (!(p <= alphaPair && ahead)) {
      sequentialOk = false;
      if (sampleOk) pending.push(`always-valid p ${p.toPrecision(3)} against ${ids[j]} is above ${alphaPair.toPrecision(3)}`);
    }
  }
  const bayesOk = best.probBest[leader] >= cfg.probBest && lossShare < cfg.lossShare;
  if (input.mode === 'bandit') {
    if (best.probBest[leader] < cfg.probBest) pending.push(`P(best) of the leader ${pct(best.probBest[leader])} is under ${pct(cfg.probBest)}`);
    if (!(lossShare < cfg.lossShare)) pending.push(`expected loss ${pct(lossShare)} of the leader's rate is not under ${pct(cfg.lossShare)}`);
  }
  const check: DecisionCheck = { leaderId: ids[leader], probBest: best.probBest[leader], lossShare, sampleOk, pValues, alphaPair, sequentialOk, bayesOk, pending };

  const results = (weights: number[]): ArmResult[] =>
    posts.map((p, k) => ({
      id: ids[k],
      impressions: totals[k].impressions,
      clicks: totals[k].clicks,
      orders: totals[k].orders,
      gmvFen: totals[k].gmvFen,
      ctr: totals[k].impressions > 0 ? totals[k].clicks / totals[k].impressions : null,
      ctrMean: p.ctrMean,
      ctrInterval: betaInterval(p.ctrA, p.ctrB),
      cvrMean: p.cvrMean,
      valuePerImpressionFen: p.valueMean,
      valueInterval: best.interval ? best.interval[k] : null,
      probBest: best.probBest[k],
      expectedLoss: best.expectedLoss[k],
      weight: weights[k],
    }));
  const byId = (w: number[]) => Object.fromEntries(ids.map((id, k) => [id, w[k]]));
  const base = { method: best.method, check, minP };

  if (input.status === 'decided' && input.winnerId) {
    const w = ids.map((id) => (id === input.winnerId ? 1 : 0));
    const wi = ids.indexOf(input.winnerId);
    let fatigue: RotationOutcome['fatigue'] = null;
    if (!input.fatigued && wi >= 0 && input.baselineCtr && input.decidedHour !== null && input.decidedHour !== undefined) {
      const f = cusumFatigue(input.rows[wi], input.baselineCtr, input.decidedHour, input.asOf, cfg.fatigue);
      if (f.alarm) fatigue = { ...f, creativeId: input.winnerId, baselineCtr: input.baselineCtr };
    }
    return { ...base, status: 'decided', weights: byId(w), results: results(w), decided: null, stopped: null, fatigue };
  }

  const decides = sampleOk && sequentialOk && (input.mode === 'equal' || bayesOk);
  if (decides) {
    const w = ids.map((_, k) => (k === leader ? 1 : 0));
    check.pending = [];
    return {
      ...base,
      status: 'decided',
      weights: byId(w),
      results: results(w),
      decided: { winnerId: ids[leader], rule: input.mode === 'equal' ? 'sequential' : 'bayes+sequential', baselineCtr: posts[leader].ctrMean },
      stopped: null,
      fatigue: null,
    };
  }
  if (input.maxDays && hours >= input.maxDays * 24) {
    const w = ids.map(() => 1 / K);
    return { ...base, status: 'stopped', weights: byId(w), results: results(w), decided: null, stopped: { reason: `no significant difference within ${input.maxDays} days` }, fatigue: null };
  }
  const w = input.mode === 'equal' ? ids.map(() => 1 / K) : thompsonWeights(best.probBest, cfg.floor);
  return { ...base, status: 'running', weights: byId(w), results: results(w), decided: null, stopped: null, fatigue: null };
}
