/**
 * The hidden truth of a Kuaiche-style search market for one keyword, after the seller's model in
 * shared/domain.md: impressions from the auction (rank by bid x quality score), CTR by position,
 * CVR and order value by product. A generalized second-price auction: each shown ad pays the next
 * ad's score over its own quality score, plus 0.01, at least the 0.30 reserve, at most its bid.
 */

export const SLOTS = 4;
/** CTR of slot i relative to slot 1 (position effect of the seller's model). */
export const POSITION_CTR: readonly number[] = [1, 0.62, 0.45, 0.33];
export const RESERVE_FEN = 30;
/** Competitors' per-search bid noise (log sd): audiences, dayparting and budgets vary per search. */
export const COMPETITOR_SIGMA = 0.3;
export const AUCTION_STATES = 16;

export interface Competitor {
  bidFen: number;
  qualityScore: number;
}

export interface KeywordTruth {
  id: string;
  unitId: string;
  text: string;
  tier: 'core' | 'long_tail';
  dailySearches: number;
  /** CTR in slot 1. */
  ctrTop: number;
  cvr: number;
  orderValueFen: number;
  qualityScore: number;
  competitors: Competitor[];
  suggestedBidFen: number;
  initialBidFen: number;
  /** Competitor scores of AUCTION_STATES sampled searches, each state sorted high to low. */
  states: Float64Array;
}

export interface PerSearch {
  show: number;
  clicks: number;
  costFen: number;
  orders: number;
  gmvFen: number;
}

/**
 * Expected outcome of one search for a served bid, averaged over the keyword's sampled auction
 * states. `war` multiplies competitors' bids (a bid war), `cvrFactor` the keyword's CVR.
 */
export function perSearch(kw: KeywordTruth, servedBidFen: number, war = 1, cvrFactor = 1): PerSearch {
  const out: PerSearch = { show: 0, clicks: 0, costFen: 0, orders: 0, gmvFen: 0 };
  if (!(servedBidFen >= RESERVE_FEN)) return out;
  const K = kw.competitors.length;
  const score = servedBidFen * kw.qualityScore;
  const cvr = Math.min(1, kw.cvr * cvrFactor);
  for (let m = 0; m < AUCTION_STATES; m++) {
    const base = m * K;
    let rank = 0;
    while (rank < K && kw.states[base + rank] * war > score) rank++;
    if (rank >= SLOTS) continue;
    const below = rank < K ? kw.states[base + rank] * war : RESERVE_FEN * kw.qualityScore;
    const price = Math.min(servedBidFen, Math.max(RESERVE_FEN, below / kw.qualityScore + 1));
    const ctr = kw.ctrTop * POSITION_CTR[rank];
    out.show += 1;
    out.clicks += ctr;
    out.costFen += ctr * price;
    out.orders += ctr * cvr;
  }
  const inv = 1 / AUCTION_STATES;
  out.show *= inv;
  out.clicks *= inv;
  out.costFen *= inv;
  out.orders *= inv;
  out.gmvFen = out.orders * kw.orderValueFen;
  return out;
}
