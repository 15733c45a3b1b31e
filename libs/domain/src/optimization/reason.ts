import { type Clamp, type Explanation, KeywordExplanation } from '@kuaiche/bidding';

/**
 * An explanation as shown by the API: the same fields, with every fractional number cut to 4
 * significant digits (a seller reads "CVR 0.03127", not 17 digits). Integers are kept as they are.
 */
export function reasonJson(reason: unknown): string {
  return JSON.stringify(reason, (_key, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) && Number.isFinite(v) ? Number(v.toPrecision(4)) : v));
}

/** The explanation as the API shows it (4 significant digits, parsed). */
export function compactReason(reason: unknown): Record<string, unknown> {
  return JSON.parse(reasonJson(reason)) as Record<string, unknown>;
}

/** A value for COPY's text format: backslashes doubled (JSON text holds no raw tab or newline). */
export function copyText(s: string): string {
  return s.includes('\\') ? s.replace(/\\/g, '\\\\') : s;
}

/**
 * The plan-level factors of a run: the same for every keyword of the run, so an optimizer
 * explanation is stored without them and they are read back from the run's summary.
 */
export interface RunFactors {
  roiMultiplier: number;
  budgetMultiplier: number;
  binding: Explanation['binding'];
  scheduleMultiplier: number;
}

/** Format tag of a stored optimizer explanation (the first element of its array). */
const STORED_V1 = 1;

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * JSON of a number as `reasonJson` writes it: fractions to 4 significant digits, the same double as
 * `Number(x.toPrecision(4))` (a million explanations an hour: toPrecision alone was a tenth of the
 * worker's time). The 4 digits m are rounded here, falling back to toPrecision when x sits within a
 * hair of a rounding tie; m / 10^k is then correctly rounded, the same double the 4-digit decimal
 * parses to.
 */
export function num4(x: number): string {
  if (Number.isInteger(x)) return String(x);
  if (!Number.isFinite(x)) return 'null';
  const a = Math.abs(x);
  if (!(a >= 1e-15 && a < 1e3)) return String(Number(x.toPrecision(4)));
  let k = 3 - Math.floor(Math.log10(a));
  if (a * POW10[k] >= 1e4) k -= 1;
  else if (a * POW10[k] < 1e3) k += 1;
  if (k > 22) return String(Number(x.toPrecision(4)));
  const scaled = a * POW10[k];
  const frac = scaled - Math.floor(scaled);
  if (Math.abs(frac - 0.5) < 1e-6) return String(Number(x.toPrecision(4)));
  const m = Math.round(scaled);
  // 9999.6 rounds to 10000: five digits, which toPrecision writes as 1.000e+N; let it.
  if (m >= 1e4) return String(Number(x.toPrecision(4)));
  return decimal(x < 0, m, k);
}

/**
 * m / 10^k (1,000 <= m < 10,000; -2 <= k <= 22) as JavaScript writes that double: the decimal
 * itself, trailing zeros dropped, since the nearest double to a 4-digit decimal prints as that
 * decimal. Below 1e-6 JavaScript switches to exponent notation: String() does it.
 */
function decimal(negative: boolean, m: number, k: number): string {
  if (k > 9) return String((negative ? -m : m) / POW10[k]);
  const sign = negative ? '-' : '';
  if (k <= 0) return sign + String(m * POW10[-k]);
  let digits = m;
  let scale = k;
  while (scale > 0 && digits % 10 === 0) {
    digits /= 10;
    scale--;
  }
  if (scale === 0) return sign + String(digits);
  const text = String(digits);
  if (text.length > scale) return sign + text.slice(0, text.length - scale) + '.' + text.slice(text.length - scale);
  return sign + '0.' + '0'.repeat(scale - text.length) + text;
}

/** JSON of a number at full precision (the fields the summary line is composed from). */
function numFull(x: number): string {
  return Number.isFinite(x) ? String(x) : 'null';
}

const isExplanation = (r: unknown): r is Explanation =>
  typeof r === 'object' && r !== null && typeof (r as Explanation).ctr === 'object' && Array.isArray((r as Explanation).clamps);

/**
 * How `bid_changes.reason` stores an explanation. A million optimizer rows an hour make its size
 * the audit trail's cost, so an optimizer explanation is stored as a positional array (about 190
 * bytes instead of 530 as named JSON): [1, ctr mean/lo/hi, cvr mean/lo/hi, order value mean/lo/hi,
 * value per click, clicks, matured clicks, price ratio, elasticity, applied multiplier, target
 * served bid, exploration margin (those three the summary line uses at full precision), flags (1 cold start, 2 defended), the reason text of the rare
 * branches or null, clamps]. The run's plan-level factors are in its summary; the one-line summary
 * is composed again when read. Any other reason (a manual change's `{ summary }`) is stored as it is.
 * `shownReason` turns either back into what the API shows.
 */
export function storedReason(reason: unknown): string {
  if (!isExplanation(reason)) return reasonJson(reason);
  const e = reason;
  const why = e instanceof KeywordExplanation ? e.why : null;
  return (
    `[${STORED_V1},${num4(e.ctr.mean)},${num4(e.ctr.lo)},${num4(e.ctr.hi)},${num4(e.cvr.mean)},${num4(e.cvr.lo)},${num4(e.cvr.hi)},` +
    `${num4(e.orderValueFen.mean)},${num4(e.orderValueFen.lo)},${num4(e.orderValueFen.hi)},${numFull(e.valuePerClickFen)},${num4(e.clicks)},` +
    `${num4(e.maturedClicks)},${num4(e.priceRatio)},${num4(e.elasticity)},${num4(e.appliedMultiplier)},${numFull(e.targetServedBidFen)},` +
    `${numFull(e.explorationMargin)},${(e.coldStart ? 1 : 0) | (e.defended ? 2 : 0)},${why === null ? 'null' : JSON.stringify(why)},` +
    `${e.clamps.length ? JSON.stringify(e.clamps) : '[]'}]`
  );
}

const n = (v: unknown): number => (typeof v === 'number' ? v : NaN);

/**
 * The explanation the API shows for a stored reason: an optimizer row's array expanded with its
 * run's factors (the same object the dry run showed), anything else as stored.
 */
export function shownReason(stored: unknown, oldBidFen: number, newBidFen: number, run: RunFactors | null): Record<string, unknown> {
  if (!Array.isArray(stored) || stored[0] !== STORED_V1) return stored as Record<string, unknown>;
  const a = stored as unknown[];
  const iv = (i: number) => ({ mean: n(a[i]), lo: n(a[i + 1]), hi: n(a[i + 2]) });
  const flags = n(a[18]);
  const e = new KeywordExplanation(
    oldBidFen, newBidFen, typeof a[19] === 'string' ? a[19] : null, iv(1), iv(4), iv(7), n(a[10]), n(a[11]), n(a[12]), n(a[13]), n(a[14]),
    run ? run.roiMultiplier : NaN, run ? run.budgetMultiplier : NaN, n(a[15]), run ? run.binding : 'none', run ? run.scheduleMultiplier : NaN,
    (flags & 1) !== 0, n(a[17]), (flags & 2) !== 0, n(a[16]), (Array.isArray(a[20]) ? a[20] : []) as Clamp[],
  );
  return compactReason(e);
}
