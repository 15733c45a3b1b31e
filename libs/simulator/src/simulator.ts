import { dayBudgetFen, addDays, type DelayCurve, type PlanInput, type StatRow, type UnitInput } from '@kuaiche/bidding';
import { perSearch, type KeywordTruth } from './market';
import { hashSeed, Rng } from './rng';

/** Market conditions of one simulated day. */
export interface Regime {
  /** Multiplies every keyword's searches (promo days, weekends). */
  traffic: number;
  /** Per keyword: competitors' bid multiplier (bid war) and CVR multiplier. */
  war: Float64Array;
  cvr: Float64Array;
}

export interface Scenario {
  name: string;
  seed: number;
  /** Local date of day 0 (the first warm-up day). */
  startDate: string;
  warmupDays: number;
  days: number;
  plan: PlanInput;
  units: UnitInput[];
  keywords: KeywordTruth[];
  /** True share of a day's searches per hour (sums to 1). */
  curve: number[];
  /** The true report delay of orders (the bid model assumes its own default). */
  delay: DelayCurve;
  regime: (day: number) => Regime;
  /** Which constraint the scenario is built to bind, for the benchmark's goals. */
  binds: 'budget' | 'roi' | 'both';
  description: string;
}

export interface DayResult {
  day: number;
  date: string;
  budgetFen: number;
  spendFen: number;
  /** GMV of the day's clicks, every order within the attribution window (the truth, not the report). */
  gmvFen: number;
  orders: number;
  clicks: number;
  impressions: number;
  /** Local hour (fractional) at which the budget stop took the plan off the market; null if never. */
  darkAt: number | null;
}

interface Pending {
  row: StatRow;
  orders: number;
  gmvFen: number;
}

const DAY_MS = 86_400_000;

export function hourIndexOf(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / 3_600_000);
}

/** 0 = Monday. */
export function dayOfWeekOf(date: string): number {
  return (new Date(Date.parse(`${date}T00:00:00Z`)).getUTCDay() + 6) % 7;
}

function sampleDelayHours(rng: Rng, d: DelayCurve): number {
  let u = rng.next();
  for (let i = 0; i < d.weights.length; i++) {
    if (u < d.weights[i] || i === d.weights.length - 1) return -d.tauHours[i] * Math.log(Math.max(rng.next(), 1e-12));
    u -= d.weights[i];
  }
  return 0;
}

/** What one keyword served in an hour, before or after the budget stop cut it. */
export interface ServedHourOf {
  impressions: number;
  clicks: number;
  costFen: number;
  /** The value of each order of its clicks. */
  orderValues: number[];
}

/**
 * The budget stop: serving ends part-way through the hour once the plan's spend reaches what is
 * left of the day's budget. Returns the share of the hour served (1: the hour fits).
 */
export function budgetStopShare(hourCostFen: number, leftFen: number): number {
  return hourCostFen > leftFen ? Math.max(0, leftFen / hourCostFen) : 1;
}

/**
 * A keyword's hour cut to the share `f` served before the stop. The click that crosses the
 * budget is still charged (the stop follows the spend), so a plan that hits the wall ends a
 * little over.
 */
export function cutAtBudgetStop(s: ServedHourOf, f: number): ServedHourOf {
  if (f >= 1) return s;
  const clicks = Math.min(s.clicks, Math.ceil(s.clicks * f));
  return {
    impressions: Math.max(clicks, Math.round(s.impressions * f)),
    clicks,
    costFen: s.clicks > 0 ? Math.round((s.costFen * clicks) / s.clicks) : 0,
    orderValues: s.orderValues.slice(0, s.clicks > 0 ? Math.round((s.orderValues.length * clicks) / s.clicks) : 0),
  };
}

/**
 * The platform: serves the plan's keywords hour by hour at the bids a policy sets, stops the plan
 * for the day once its spend reaches the day's budget, and reports orders against their click
 * hour as they arrive (re-sent rows grow, as the real report does).
 */
export class MarketSim {
  readonly bids: Int32Array;
  readonly rows: StatRow[][];
  readonly results: DayResult[] = [];
  private pending = new Map<number, Pending[]>();
  private regimeCache = new Map<number, Regime>();
  readonly day0Hour: number;

  constructor(readonly scenario: Scenario) {
    this.bids = Int32Array.from(scenario.keywords.map((k) => k.initialBidFen));
    this.rows = scenario.keywords.map(() => []);
    this.day0Hour = hourIndexOf(scenario.startDate);
  }

  regime(day: number): Regime {
    let r = this.regimeCache.get(day);
    if (!r) this.regimeCache.set(day, (r = this.scenario.regime(day)));
    return r;
  }

  dateOf(day: number): string {
    return addDays(this.scenario.startDate, day);
  }

  budgetOf(day: number): number {
    return dayBudgetFen(this.scenario.plan, this.dateOf(day));
  }

  /** Makes orders reported by the start of `hour` visible in the rows. */
  deliver(hour: number): void {
    for (const [h, list] of this.pending) {
      if (h > hour) continue;
      for (const p of list) {
        p.row.orders += p.orders;
        p.row.gmvFen += p.gmvFen;
      }
      this.pending.delete(h);
    }
  }

  /** Serves one hour at the current bids. */
  serve(day: number, hourOfDay: number): void {
    const sc = this.scenario;
    const hour = this.day0Hour + day * 24 + hourOfDay;
    if (hourOfDay === 0) {
      this.results.push({ day, date: this.dateOf(day), budgetFen: this.budgetOf(day), spendFen: 0, gmvFen: 0, orders: 0, clicks: 0, impressions: 0, darkAt: null });
    }
    const res = this.results[this.results.length - 1];
    if (res.darkAt !== null) return;
    const reg = this.regime(day);
    const dow = dayOfWeekOf(res.date);
    const sched = sc.plan.schedule?.[dow]?.[hourOfDay] ?? 1;
    if (sched <= 0 || sc.plan.status !== 'active') return;
    const n = sc.keywords.length;
    const imps = new Int32Array(n);
    const clicks = new Int32Array(n);
    const cost = new Float64Array(n);
    const orderValues: number[][] = [];
    const rngs: Rng[] = [];
    let hourCost = 0;
    for (let i = 0; i < n; i++) {
      const kw = sc.keywords[i];
      const rng = new Rng(hashSeed(sc.seed, i, hour));
      rngs.push(rng);
      const searches = rng.poisson(kw.dailySearches * sc.curve[hourOfDay] * reg.traffic);
      const e = perSearch(kw, Math.round(this.bids[i] * sched), reg.war[i], reg.cvr[i]);
      orderValues.push([]);
      if (!(e.show > 0) || searches === 0) continue;
      imps[i] = rng.binomial(searches, e.show);
      clicks[i] = rng.binomial(imps[i], e.clicks / e.show);
      if (clicks[i] === 0) continue;
      cost[i] = Math.round((clicks[i] * e.costFen) / e.clicks);
      const orders = rng.binomial(clicks[i], e.orders / e.clicks);
      for (let o = 0; o < orders; o++) orderValues[i].push(Math.round(kw.orderValueFen * (0.6 + 0.8 * rng.next())));
      hourCost += cost[i];
    }
    const f = budgetStopShare(hourCost, res.budgetFen - res.spendFen);
    if (f < 1) res.darkAt = hourOfDay + f;
    for (let i = 0; i < n; i++) {
      if (imps[i] === 0) continue;
      const { impressions: im, clicks: c, costFen: k, orderValues: ov } = cutAtBudgetStop({ impressions: imps[i], clicks: clicks[i], costFen: cost[i], orderValues: orderValues[i] }, f);
      if (im === 0) continue;
      const row: StatRow = { hour, impressions: im, clicks: c, costFen: k, orders: 0, gmvFen: 0, bidFen: this.bids[i] };
      this.rows[i].push(row);
      res.impressions += im;
      res.clicks += c;
      res.spendFen += k;
      for (const v of ov) {
        const delay = sampleDelayHours(rngs[i], sc.delay);
        if (delay > sc.delay.windowHours) continue;
        res.orders++;
        res.gmvFen += v;
        const at = hour + 1 + Math.floor(delay);
        let list = this.pending.get(at);
        if (!list) this.pending.set(at, (list = []));
        list.push({ row, orders: 1, gmvFen: v });
      }
    }
  }
}

export { DAY_MS };
