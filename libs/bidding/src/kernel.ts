import type { BidBounds } from './guardrails';

/**
 * The hot path of `optimizePlan` in struct-of-arrays form, for scoring millions of keywords from
 * already-aggregated decayed counts: Beta posterior CVR toward the unit, order value toward the
 * unit, value x multiplier, exploration margin, schedule, change cap, bounds, dead band. The same
 * formulas as the object path (see README), without the explanation objects.
 */
export interface ColumnarBatch {
  n: number;
  /** Decayed delay-matured clicks and decayed orders / GMV (fen) per keyword. */
  maturedClicks: Float64Array;
  clicks: Float64Array;
  orders: Float64Array;
  gmvFen: Float64Array;
  /** Index of the keyword's unit in the unit arrays. */
  unit: Int32Array;
  unitCvr: Float64Array;
  unitOrderValueFen: Float64Array;
  oldBidFen: Int32Array;
  /** Bit 1: locked, bit 2: not active. */
  flags: Uint8Array;
  newBidFen: Int32Array;
}

export interface ColumnarParams {
  cvrStrength: number;
  orderValuePriorOrders: number;
  multiplier: number;
  schedule: number;
  bounds: BidBounds;
  cap: number;
  deadband: number;
  coldStartClicks: number;
  explorationMargin: number;
}

export function decideColumnar(b: ColumnarBatch, p: ColumnarParams): number {
  const { cvrStrength: k, orderValuePriorOrders: ko, multiplier, schedule, cap, deadband, coldStartClicks, explorationMargin } = p;
  const lo = p.bounds.lo;
  const hi = p.bounds.hi;
  let changed = 0;
  for (let i = 0; i < b.n; i++) {
    const old = b.oldBidFen[i];
    if (b.flags[i] !== 0 || schedule <= 0) {
      b.newBidFen[i] = old;
      continue;
    }
    const u = b.unit[i];
    const orders = b.orders[i];
    const trials = b.maturedClicks[i] > orders ? b.maturedClicks[i] : orders;
    const cvr = (b.unitCvr[u] * k + orders) / (k + trials);
    const aov = (ko * b.unitOrderValueFen[u] + b.gmvFen[i]) / (ko + orders);
    let want = (cvr * aov * multiplier) / schedule;
    if (b.clicks[i] < coldStartClicks) want *= 1 + explorationMargin;
    const capLo = Math.ceil(old * (1 - cap));
    const capHi = Math.floor(old * (1 + cap));
    if (want > capHi) want = capHi;
    else if (want < capLo) want = capLo;
    let nb = Math.round(want);
    if (nb < lo) nb = lo;
    else if (nb > hi) nb = hi;
    if (nb !== old && old >= lo && old <= hi && Math.abs(nb - old) < deadband * old) nb = old;
    if (nb !== nb) nb = old;
    b.newBidFen[i] = nb;
    if (nb !== old) changed++;
  }
  return changed;
}
