/**
 * Seeded randomness: the simulator never touches Math.random, so a scenario with the same seed
 * replays exactly, and every policy meets the same searches (common random numbers: each
 * keyword-hour draws from its own stream, derived from the scenario seed, keyword and hour).
 */

/** 32-bit mix of several integers (murmur3 finalizer over a running hash). */
export function hashSeed(...parts: number[]): number {
  let h = 0x9e3779b9 | 0;
  for (const p of parts) {
    h = Math.imul(h ^ (p | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    // High bits of large indexes too.
    h = (h + Math.floor(p / 4294967296)) | 0;
  }
  return h >>> 0;
}

/** mulberry32: small, fast, good enough for a market simulation (not for cryptography). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Knuth's product method for small means, a rounded normal for large ones. */
  poisson(lambda: number): number {
    if (!(lambda > 0)) return 0;
    if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()));
    const L = Math.exp(-lambda);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.next();
    } while (p > L);
    return k - 1;
  }

  /** Bernoulli sum for small n, normal approximation when n p (1 - p) is large. */
  binomial(n: number, p: number): number {
    if (!(n > 0) || !(p > 0)) return 0;
    if (p >= 1) return n;
    const v = n * p * (1 - p);
    if (v > 25) return Math.min(n, Math.max(0, Math.round(n * p + Math.sqrt(v) * this.normal())));
    if (n * p < 10 && n > 50) return Math.min(n, this.poisson(n * p));
    let k = 0;
    for (let i = 0; i < n; i++) if (this.next() < p) k++;
    return k;
  }
}
