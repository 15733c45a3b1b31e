/**
 * The sandbox platform's market, pure: each keyword's hidden truth and one served hour. No I/O and
 * no clock; `SandboxPlatform` reads what it needs and stores what this returns.
 *
 * The market is libs/simulator's (`perSearch`: a GSP auction over sampled competitor states,
 * position CTR, CVR, order value), with the same serving rule as `MarketSim.serve`: searches of
 * the hour from the true traffic curve, impressions and clicks drawn per keyword, and a plan
 * stopped at its daily budget part-way through the hour (the click that crosses it is charged).
 * Randomness comes from one stream per (keyword id, hour), so an hour served twice at the same
 * bids gives the same rows.
 */
import { budgetStopShare, cutAtBudgetStop, drawKeywordTruth, hashSeed, type KeywordTruth, perSearch, RESERVE_FEN, Rng, type ServedHourOf, TRUE_CURVE } from '@kuaiche/simulator';
import type { KeywordStatus } from '../types';

/** The 128 bits of a UUID as four 32-bit numbers (seeds). */
export function uuidWords(id: string): number[] {
  const hex = id.replace(/-/g, '');
  return [0, 8, 16, 24].map((i) => parseInt(hex.slice(i, i + 8), 16) >>> 0);
}

/** Stream tags, so a keyword's truth, its hours and a creative's truth never share draws. */
const TRUTH_STREAM = 0x74727468;
const CREATIVE_STREAM = 0x63726561;
/** Share of a sandbox account's keywords that are core words (high traffic, costly); the rest are long-tail. */
const CORE_SHARE = 0.35;

export interface SandboxKeyword {
  id: string;
  planId: string;
  unitId: string;
  /** What the sandbox was pushed (or took from the account when it first saw the keyword). */
  bidFen: number;
  status: KeywordStatus;
  /** The keyword's price level: its suggested bid, else its bid when the sandbox first heard of it. */
  anchorBidFen: number;
  /** The 质量分 the seller reports (1-10), else null (the market draws its own). */
  qualityScore: number | null;
  skuPriceFen: number;
  /** The keyword's unit is active (paused and archived units do not serve). */
  unitActive: boolean;
}

/**
 * A keyword's hidden truth, a function of its id (and its price level and SKU price): core or
 * long-tail, searches, CTR, CVR, order value around the SKU price, six competitors bidding around
 * the anchor bid.
 */
export function keywordTruth(k: SandboxKeyword): KeywordTruth {
  const rng = new Rng(hashSeed(...uuidWords(k.id), TRUTH_STREAM));
  const core = rng.next() < CORE_SHARE;
  const truth = drawKeywordTruth(rng, {
    id: k.id, unitId: k.unitId, text: k.id, core, marketCpcFen: Math.max(RESERVE_FEN, k.anchorBidFen), skuPriceFen: k.skuPriceFen,
  });
  if (k.qualityScore !== null) truth.qualityScore = k.qualityScore;
  return truth;
}

/** A creative's hidden CTR multiplier, in [0.7, 1.3], a function of its id. */
export function creativeCtrFactor(creativeId: string): number {
  return 0.7 + 0.6 * new Rng(hashSeed(...uuidWords(creativeId), CREATIVE_STREAM)).next();
}

export interface SandboxPlanHour {
  /** The hour's bid multiplier (the plan's schedule); 0 when the plan does not serve (paused, or scheduled off). */
  multiplier: number;
  /** The budget day's budget and what the plan spent in it before this hour. */
  budgetFen: number;
  spentFen: number;
  /** The budget stop already took the plan off the market today. */
  dark: boolean;
}

export interface ServedRow {
  keywordId: string;
  /** null: the unit has no serving weights, the row is the keyword's alone. */
  creativeId: string | null;
  planId: string;
  impressions: number;
  clicks: number;
  costFen: number;
  orders: number;
  gmvFen: number;
}

export interface ServedHour {
  rows: ServedRow[];
  /** Every plan of the input: its spend this hour, and the local hour (fractional) the budget stop hit, if it did. */
  plans: Map<string, { costFen: number; darkAt: number | null }>;
}

/** A row before the budget stop. */
type Draft = Pick<ServedRow, 'keywordId' | 'creativeId'> & ServedHourOf;

/**
 * One hour of the market. `hourIndex` is the UTC hour (epoch hours) that seeds the draws;
 * `hourOfDay` the advertiser's local hour (the traffic curve). A unit with serving weights splits
 * its keywords' impressions across the weighted creatives, whose hidden CTR multipliers then
 * move the clicks. Orders are reported in the click hour (the real report keeps adding late
 * orders to past hours for days; this market does not), so an hour's rows are final once served.
 */
export function serveHour(input: {
  hourIndex: number;
  hourOfDay: number;
  keywords: SandboxKeyword[];
  plans: Map<string, SandboxPlanHour>;
  weights: Map<string, Record<string, number>>;
}): ServedHour {
  const drafts = new Map<string, Draft[]>();
  for (const k of input.keywords) {
    const plan = input.plans.get(k.planId);
    if (!plan || !(plan.multiplier > 0) || plan.dark || k.status !== 'active' || !k.unitActive) continue;
    const truth = keywordTruth(k);
    const rng = new Rng(hashSeed(...uuidWords(k.id), input.hourIndex));
    const searches = rng.poisson(truth.dailySearches * TRUE_CURVE[input.hourOfDay]);
    const e = perSearch(truth, Math.round(k.bidFen * plan.multiplier));
    if (!(e.show > 0) || searches === 0) continue;
    const impressions = rng.binomial(searches, e.show);
    const ctr = e.clicks / e.show;
    const cpc = e.costFen / e.clicks;
    const cvr = e.orders / e.clicks;
    const parts: { creativeId: string | null; impressions: number; ctrFactor: number }[] = [];
    const weighted = Object.entries(input.weights.get(k.unitId) ?? {})
      .filter(([, w]) => w > 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (weighted.length) {
      // Impressions to creatives by weight: a multinomial draw as a chain of binomials.
      let left = impressions;
      let weightLeft = weighted.reduce((s, [, w]) => s + w, 0);
      weighted.forEach(([creativeId, w], i) => {
        const n = i === weighted.length - 1 ? left : rng.binomial(left, Math.min(1, w / weightLeft));
        left -= n;
        weightLeft -= w;
        parts.push({ creativeId, impressions: n, ctrFactor: creativeCtrFactor(creativeId) });
      });
    } else {
      parts.push({ creativeId: null, impressions, ctrFactor: 1 });
    }
    let list = drafts.get(k.planId);
    if (!list) drafts.set(k.planId, (list = []));
    for (const p of parts) {
      if (p.impressions === 0) continue;
      const clicks = rng.binomial(p.impressions, Math.min(1, ctr * p.ctrFactor));
      const orders = clicks ? rng.binomial(clicks, cvr) : 0;
      const orderValues: number[] = [];
      for (let o = 0; o < orders; o++) orderValues.push(Math.round(truth.orderValueFen * (0.6 + 0.8 * rng.next())));
      list.push({ keywordId: k.id, creativeId: p.creativeId, impressions: p.impressions, clicks, costFen: Math.round(clicks * cpc), orderValues });
    }
  }

  const rows: ServedRow[] = [];
  const plans = new Map<string, { costFen: number; darkAt: number | null }>();
  for (const [planId, plan] of input.plans) {
    const list = drafts.get(planId) ?? [];
    let hourCost = 0;
    for (const d of list) hourCost += d.costFen;
    // The budget stop, as MarketSim.serve applies it.
    const f = budgetStopShare(hourCost, plan.budgetFen - plan.spentFen);
    let costFen = 0;
    for (const d of list) {
      const { impressions, clicks, costFen: cost, orderValues } = cutAtBudgetStop(d, f);
      if (impressions === 0) continue;
      costFen += cost;
      rows.push({ keywordId: d.keywordId, creativeId: d.creativeId, planId, impressions, clicks, costFen: cost, orders: orderValues.length, gmvFen: orderValues.reduce((s, v) => s + v, 0) });
    }
    plans.set(planId, { costFen, darkAt: f < 1 ? input.hourOfDay + f : null });
  }
  rows.sort((a, b) => (a.keywordId < b.keywordId ? -1 : a.keywordId > b.keywordId ? 1 : (a.creativeId ?? '') < (b.creativeId ?? '') ? -1 : 1));
  return { rows, plans };
}
