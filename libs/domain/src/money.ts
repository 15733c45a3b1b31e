/**
 * Money crosses the API as CNY with at most 2 decimals and lives everywhere else as integer
 * fen, so sums never accumulate float error.
 */
export function cnyToFen(cny: number): number {
  const fen = Math.round(cny * 100);
  if (!Number.isSafeInteger(fen)) throw new RangeError(`not a money amount: ${cny}`);
  return fen;
}

export function fenToCny(fen: number): number {
  return fen / 100;
}

export function fenToCnyOrNull(fen: number | null | undefined): number | null {
  return fen === null || fen === undefined ? null : fen / 100;
}

/** True when `n` is a finite number with at most two decimals (1.25 yes, 1.255 no). */
export function hasAtMostTwoDecimals(n: number): boolean {
  return Number.isFinite(n) && Math.abs(n * 100 - Math.round(n * 100)) < 1e-7 * Math.max(1, Math.abs(n));
}
