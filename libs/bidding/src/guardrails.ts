import { PLATFORM_MAX_BID_FEN, PLATFORM_MIN_BID_FEN } from './config';
import type { Clamp } from './types';

export interface BidBounds {
  lo: number;
  hi: number;
}

/** Plan min/max intersected with the platform's 0.30-999.99 CNY, whole fen. */
export function bidBounds(minBidFen: number, maxBidFen: number): BidBounds {
  const lo = Math.max(PLATFORM_MIN_BID_FEN, Number.isFinite(minBidFen) ? Math.ceil(minBidFen) : PLATFORM_MIN_BID_FEN);
  let hi = Math.min(PLATFORM_MAX_BID_FEN, Number.isFinite(maxBidFen) ? Math.floor(maxBidFen) : PLATFORM_MAX_BID_FEN);
  if (hi < lo) hi = lo;
  return { lo, hi };
}

/**
 * Turns a desired base bid into the bid to set: at most `cap` relative change from the current
 * bid (rounded inward so the cap holds after rounding), then whole fen, then the plan's and the
 * platform's bounds (hard limits win over the cap), then a dead band: changes under `deadband`
 * are not worth an API write or a line in the audit trail. A non-finite desire keeps the bid.
 */
export function finalizeBid(oldBidFen: number, desiredFen: number, bounds: BidBounds, cap: number, deadband: number, clamps: Clamp[]): number {
  const old = Number.isFinite(oldBidFen) ? Math.round(oldBidFen) : bounds.lo;
  let b = Number.isFinite(desiredFen) ? desiredFen : old;
  if (old > 0 && cap >= 0) {
    const capLo = Math.ceil(old * (1 - cap));
    const capHi = Math.floor(old * (1 + cap));
    if (b > capHi) {
      b = capHi;
      clamps.push('change_cap_up');
    } else if (b < capLo) {
      b = capLo;
      clamps.push('change_cap_down');
    }
  }
  b = Math.round(b);
  if (b < bounds.lo) {
    clamps.push(bounds.lo === PLATFORM_MIN_BID_FEN && b < PLATFORM_MIN_BID_FEN ? 'platform_min' : 'min_bid');
    b = bounds.lo;
  } else if (b > bounds.hi) {
    clamps.push(bounds.hi === PLATFORM_MAX_BID_FEN ? 'platform_max' : 'max_bid');
    b = bounds.hi;
  }
  if (b !== old && old >= bounds.lo && old <= bounds.hi && Math.abs(b - old) < deadband * old) {
    clamps.push('deadband');
    b = old;
  }
  return b;
}
