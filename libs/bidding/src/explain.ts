import type { Clamp, Explanation, Interval, PlanSummary } from './types';

// The summary's numbers are memoized by value (pure functions of the integer, so caching changes
// no result): most bids and multipliers recur across keywords and hours.
const CACHE_MAX = 100_000;
const moneyCache: (string | undefined)[] = new Array<string | undefined>(CACHE_MAX);
const milliCache: (string | undefined)[] = new Array<string | undefined>(CACHE_MAX);

/** Fen as CNY with 2 decimals (whole fen; half a fen rounds up): 1.00, 12.34. */
export function fmt(fen: number): string {
  const c = Math.round(fen);
  if (c >= 0 && c < CACHE_MAX) return (moneyCache[c] ??= decimals(c, 100));
  if (c >= 0 && c <= 1e15) return decimals(c, 100);
  return (fen / 100).toFixed(2);
}

/** x with 3 decimals (half a thousandth rounds up): 0.333. */
export function fixed3(x: number): string {
  const m = Math.round(x * 1000);
  if (m >= 0 && m < CACHE_MAX) return (milliCache[m] ??= decimals(m, 1000));
  if (m >= 0 && m <= 1e15) return decimals(m, 1000);
  return x.toFixed(3);
}

/** n / scale for a whole n >= 0 and scale 100 or 1000, all decimals written. */
function decimals(n: number, scale: number): string {
  const r = n % scale;
  const frac = String(r);
  return `${(n - r) / scale}.${'0'.repeat(String(scale).length - 1 - frac.length)}${frac}`;
}

export const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/**
 * The explanation of one decided keyword. Every number is a field set when the decision is made;
 * the one-line `summary` is composed from them (and the old and new bid) when first read, since
 * most decisions are stored or shown without anyone reading it. It is an accessor, not an own
 * property: `JSON.stringify` (via `toJSON`) writes it first, as before; a spread copy (`{...e}`)
 * does not carry it.
 */
export class KeywordExplanation implements Explanation {
  readonly #oldBidFen: number;
  readonly #newBidFen: number;
  /** The reason text when the bid did not come from value per click (rare branches), else null. */
  readonly #why: string | null;
  #summary: string | null = null;
  ctr: Interval;
  cvr: Interval;
  orderValueFen: Interval;
  valuePerClickFen: number;
  clicks: number;
  maturedClicks: number;
  priceRatio: number;
  elasticity: number;
  roiMultiplier: number;
  budgetMultiplier: number;
  appliedMultiplier: number;
  binding: PlanSummary['binding'];
  scheduleMultiplier: number;
  coldStart: boolean;
  explorationMargin: number;
  defended: boolean;
  targetServedBidFen: number;
  clamps: readonly Clamp[];

  constructor(
    oldBidFen: number, newBidFen: number, why: string | null,
    ctr: Interval, cvr: Interval, orderValueFen: Interval, valuePerClickFen: number,
    clicks: number, maturedClicks: number, priceRatio: number, elasticity: number,
    roiMultiplier: number, budgetMultiplier: number, appliedMultiplier: number, binding: PlanSummary['binding'],
    scheduleMultiplier: number, coldStart: boolean, explorationMargin: number, defended: boolean,
    targetServedBidFen: number, clamps: readonly Clamp[],
  ) {
    this.#oldBidFen = oldBidFen;
    this.#newBidFen = newBidFen;
    this.#why = why;
    this.ctr = ctr;
    this.cvr = cvr;
    this.orderValueFen = orderValueFen;
    this.valuePerClickFen = valuePerClickFen;
    this.clicks = clicks;
    this.maturedClicks = maturedClicks;
    this.priceRatio = priceRatio;
    this.elasticity = elasticity;
    this.roiMultiplier = roiMultiplier;
    this.budgetMultiplier = budgetMultiplier;
    this.appliedMultiplier = appliedMultiplier;
    this.binding = binding;
    this.scheduleMultiplier = scheduleMultiplier;
    this.coldStart = coldStart;
    this.explorationMargin = explorationMargin;
    this.defended = defended;
    this.targetServedBidFen = targetServedBidFen;
    this.clamps = clamps;
  }

  /** The reason text of the rare branches (not from value per click), else null. */
  get why(): string | null {
    return this.#why;
  }

  /** e.g. `1.00 -> 1.30: value/click 7.12 x 0.333 (ROI binds) [change_cap_up]`. */
  get summary(): string {
    return (this.#summary ??= this.#compose());
  }

  set summary(text: string) {
    this.#summary = text;
  }

  #compose(): string {
    const old = this.#oldBidFen;
    const nb = this.#newBidFen;
    const why =
      this.#why ??
      'value/click ' + fmt(this.valuePerClickFen) + ' x ' + fixed3(this.targetServedBidFen / this.valuePerClickFen) +
        (this.binding === 'budget' ? ' (budget binds)' : ' (ROI binds)') +
        (this.explorationMargin ? ` +${pct(this.explorationMargin)} exploration` : '') +
        (this.defended ? ' +rank defence' : '');
    return (nb !== old ? fmt(old) + ' -> ' + fmt(nb) : 'kept ' + fmt(old)) + ': ' + why + clampSuffix(this.clamps);
  }

  /** The stored form: a plain `Explanation`, summary first. */
  toJSON(): Explanation {
    return {
      summary: this.summary,
      ctr: this.ctr, cvr: this.cvr, orderValueFen: this.orderValueFen, valuePerClickFen: this.valuePerClickFen,
      clicks: this.clicks, maturedClicks: this.maturedClicks, priceRatio: this.priceRatio, elasticity: this.elasticity,
      roiMultiplier: this.roiMultiplier, budgetMultiplier: this.budgetMultiplier, appliedMultiplier: this.appliedMultiplier,
      binding: this.binding, scheduleMultiplier: this.scheduleMultiplier, coldStart: this.coldStart,
      explorationMargin: this.explorationMargin, defended: this.defended, targetServedBidFen: this.targetServedBidFen,
      clamps: this.clamps,
    };
  }
}

const CLAMP_BIT: Readonly<Record<Clamp, number>> = {
  schedule: 1, min_bid: 2, max_bid: 4, platform_min: 8, platform_max: 16, change_cap_up: 32, change_cap_down: 64,
  deadband: 128, long_tail_cap: 256, exploration_budget: 512,
};
export const NO_CLAMPS: readonly Clamp[] = Object.freeze([]);
/** One frozen clamp list (and its summary suffix) per combination: most decisions share a handful. */
const clampLists: (readonly Clamp[] | undefined)[] = [];
const clampSuffixes: string[] = [];

/** The clamps collected in `scratch` as a shared frozen list (same order). */
export function sharedClamps(scratch: readonly Clamp[]): readonly Clamp[] {
  if (scratch.length === 0) return NO_CLAMPS;
  let mask = 0;
  for (let j = 0; j < scratch.length; j++) mask |= CLAMP_BIT[scratch[j]];
  const hit = clampLists[mask];
  if (hit && hit.length === scratch.length) {
    let same = true;
    for (let j = 0; j < scratch.length; j++) if (hit[j] !== scratch[j]) same = false;
    if (same) return hit;
  }
  const list = Object.freeze(scratch.slice());
  if (!hit) {
    clampLists[mask] = list;
    clampSuffixes[mask] = ` [${list.join(', ')}]`;
  }
  return list;
}

function clampSuffix(list: readonly Clamp[]): string {
  if (list.length === 0) return '';
  let mask = 0;
  for (let j = 0; j < list.length; j++) mask |= CLAMP_BIT[list[j]];
  return clampLists[mask] === list ? clampSuffixes[mask] : ` [${list.join(', ')}]`;
}
