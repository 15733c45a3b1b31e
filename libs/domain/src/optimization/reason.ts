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
 * A growing byte buffer that explanations are written into as UTF-8 JSON text. A run's
 * explanations (a million an hour) go to Postgres as one bytea, their digits written as bytes:
 * building a string per number had been a sixth of the worker's time.
 */
export class JsonBytes {
  private buf: Buffer;
  private at = 0;

  constructor(capacity = 4096) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  reset(): void {
    this.at = 0;
  }

  /** The bytes written (a view: valid until the next write or reset). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.at);
  }

  toString(): string {
    return this.buf.toString('utf8', 0, this.at);
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  byte(c: number): void {
    this.room(1);
    this.buf[this.at++] = c;
  }

  text(s: string): void {
    const n = s.length;
    this.room(n * 3);
    // Short ASCII (a number's digits, null, []) byte by byte: cheaper than a call into Buffer.write.
    if (n <= 32) {
      const buf = this.buf;
      let at = this.at;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          this.at += buf.write(s, this.at, 'utf8');
          return;
        }
        buf[at++] = c;
      }
      this.at = at;
      return;
    }
    this.at += this.buf.write(s, this.at, 'utf8');
  }

  /** A non-negative integer below 2^53, in decimal. */
  private digits(n: number): void {
    let len = 1;
    for (let p = 10; p <= n; p *= 10) len++;
    this.room(len);
    let i = this.at + len;
    this.at = i;
    while (n >= 10) {
      const q = Math.floor(n / 10);
      this.buf[--i] = 48 + (n - q * 10);
      n = q;
    }
    this.buf[--i] = 48 + n;
  }

  /** An integer as JSON writes it (String(x)). */
  int(x: number): void {
    const a = Math.abs(x);
    if (a >= 1e15) return this.text(String(x));
    if (x < 0) this.byte(45);
    this.digits(a);
  }

  /** m / 10^scale (m < 10,000 and not a multiple of 10; scale >= 1) as a decimal: "12.5", "0.03127". */
  private fixed(m: number, scale: number): void {
    const len = m >= 1000 ? 4 : m >= 100 ? 3 : m >= 10 ? 2 : 1;
    const n = len > scale ? len + 1 : scale + 2;
    this.room(n);
    const start = this.at;
    let i = start + n;
    this.at = i;
    for (let j = 0; j < len; j++) {
      const q = Math.floor(m / 10);
      this.buf[--i] = 48 + (m - q * 10);
      m = q;
      if (j === scale - 1 && len > scale) this.buf[--i] = 46;
    }
    if (len <= scale) {
      while (i > start + 2) this.buf[--i] = 48;
      this.buf[start + 1] = 46;
      this.buf[start] = 48;
    }
  }

  /**
   * A number as `reasonJson` writes it: fractions to 4 significant digits, the same double as
   * `Number(x.toPrecision(4))`. The 4 digits m are rounded here, falling back to toPrecision when x
   * sits within a hair of a rounding tie; m / 10^k is then correctly rounded, the same double the
   * 4-digit decimal parses to, and JavaScript writes that double as the decimal itself.
   */
  num4(x: number): void {
    if (Number.isInteger(x)) return this.int(x);
    if (!Number.isFinite(x)) return this.text('null');
    const a = Math.abs(x);
    if (a >= 1e3 && a < 1e15) return this.num4Large(x, a);
    if (!(a >= 1e-15 && a < 1e3)) return this.text(String(Number(x.toPrecision(4))));
    let k = 3 - Math.floor(Math.log10(a));
    if (a * POW10[k] >= 1e4) k -= 1;
    else if (a * POW10[k] < 1e3) k += 1;
    if (k > 22) return this.text(String(Number(x.toPrecision(4))));
    const scaled = a * POW10[k];
    const frac = scaled - Math.floor(scaled);
    if (Math.abs(frac - 0.5) < 1e-6) return this.text(String(Number(x.toPrecision(4))));
    let m = Math.round(scaled);
    // 9999.6 rounds to 10000: five digits, which toPrecision writes as 1.000e+N; let it.
    if (m >= 1e4) return this.text(String(Number(x.toPrecision(4))));
    // Below 1e-6 JavaScript writes an exponent: String() does it.
    if (k > 9) return this.text(String((x < 0 ? -m : m) / POW10[k]));
    if (x < 0) this.byte(45);
    // Here 1 <= k <= 9 (a < 1,000 and m has 4 digits).
    let scale = k;
    while (scale > 0 && m % 10 === 0) {
      m /= 10;
      scale--;
    }
    if (scale === 0) this.digits(m);
    else this.fixed(m, scale);
  }

  /**
   * `num4` of a fraction x with 1,000 <= |x| = a < 10^15 (order values and bids in fen): its 4
   * significant digits make an integer, m x 10^p with m the rounded a / 10^p in [1,000, 10,000).
   * Near a rounding tie, or rounding up to 10,000, toPrecision decides.
   */
  private num4Large(x: number, a: number): void {
    let p = 0;
    while (a >= POW10[p + 4]) p++;
    const scaled = a / POW10[p];
    const frac = scaled - Math.floor(scaled);
    const m = Math.round(scaled);
    if (Math.abs(frac - 0.5) < 1e-6 || m >= 1e4) return this.text(String(Number(x.toPrecision(4))));
    if (x < 0) this.byte(45);
    this.digits(m * POW10[p]);
  }

  /** A comma, then `num4(x)`. */
  next4(x: number): void {
    this.byte(44);
    this.num4(x);
  }

  /** A number at full precision (String(x)), or null. */
  full(x: number): void {
    if (Number.isInteger(x)) this.int(x);
    else this.text(Number.isFinite(x) ? String(x) : 'null');
  }
}

const scratch = new JsonBytes(256);

/** JSON of a number as `reasonJson` writes it (see `JsonBytes.num4`). */
export function num4(x: number): string {
  scratch.reset();
  scratch.num4(x);
  return scratch.toString();
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
  scratch.reset();
  writeStoredReason(scratch, reason);
  return scratch.toString();
}

/** The stored reasons as lines, newline-separated (JSON text holds no raw newline): one bytea for a run's batch. */
export function storedReasonLines(reasons: Iterable<unknown>): Buffer {
  const out = new JsonBytes(1 << 16);
  let first = true;
  for (const r of reasons) {
    if (!first) out.byte(10);
    first = false;
    writeStoredReason(out, r);
  }
  return out.bytes();
}

function writeStoredReason(w: JsonBytes, reason: unknown): void {
  if (!isExplanation(reason)) return w.text(reasonJson(reason));
  const e = reason;
  const why = e instanceof KeywordExplanation ? e.why : null;
  w.byte(91);
  w.int(STORED_V1);
  w.next4(e.ctr.mean);
  w.next4(e.ctr.lo);
  w.next4(e.ctr.hi);
  w.next4(e.cvr.mean);
  w.next4(e.cvr.lo);
  w.next4(e.cvr.hi);
  w.next4(e.orderValueFen.mean);
  w.next4(e.orderValueFen.lo);
  w.next4(e.orderValueFen.hi);
  w.byte(44);
  w.full(e.valuePerClickFen);
  w.next4(e.clicks);
  w.next4(e.maturedClicks);
  w.next4(e.priceRatio);
  w.next4(e.elasticity);
  w.next4(e.appliedMultiplier);
  w.byte(44);
  w.full(e.targetServedBidFen);
  w.byte(44);
  w.full(e.explorationMargin);
  w.byte(44);
  w.int((e.coldStart ? 1 : 0) | (e.defended ? 2 : 0));
  w.byte(44);
  w.text(why === null ? 'null' : JSON.stringify(why));
  w.byte(44);
  w.text(e.clamps.length ? JSON.stringify(e.clamps) : '[]');
  w.byte(93);
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
