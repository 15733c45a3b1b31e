import type { DecayedState } from '@kuaiche/bidding';
import { endianness } from 'os';

/**
 * Packs a keyword's DecayedState into float64s for the `keyword_bid_state.state` bytea column,
 * read for every keyword and written for every keyword with new facts by each hourly run.
 *
 * Stored: [format, then per varying field in sorted-name order its value, or its values for an
 * array]. The configuration's fields (half-lives, delay curve, pacing window) are the same in every
 * state of a plan type, so they are not stored: they come from the template the caller decodes
 * with, and `format` is a hash of the field names, those values and the array lengths. A state
 * written under another configuration, plan type or build therefore decodes to null and is rebuilt
 * from the facts. Every state of one layout has the same byte length (`stateByteLength`).
 */
const CONFIG_FIELDS: readonly string[] = ['delayTauHours', 'delayWeights', 'delayWindowHours', 'halfLifeHours', 'pacingLookbackHours', 'roiHalfLifeHours'];

interface Layout {
  /** The configuration's values, to recognise a state of this layout. */
  config: (number | readonly number[])[];
  /** Stored fields and their array lengths (-1 for a number). */
  fields: string[];
  lengths: number[];
  format: number;
  byteLength: number;
  /** The array lengths `decodeState` reads: delay components and pacing slots. */
  m: number;
  p: number;
}

type Rec = Record<string, number | number[]>;

function sameConfig(l: Layout, s: Rec): boolean {
  for (let i = 0; i < CONFIG_FIELDS.length; i++) {
    const want = l.config[i];
    const got = s[CONFIG_FIELDS[i]];
    if (typeof want === 'number') {
      if (got !== want) return false;
    } else {
      if (!Array.isArray(got) || got.length !== want.length) return false;
      for (let j = 0; j < want.length; j++) if (got[j] !== want[j]) return false;
    }
  }
  return true;
}

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h;
}

function layoutOf(s: Rec): Layout {
  const fields = Object.keys(s).filter((f) => !CONFIG_FIELDS.includes(f)).sort();
  const lengths = fields.map((f) => (Array.isArray(s[f]) ? (s[f] as number[]).length : -1));
  const config = CONFIG_FIELDS.map((f) => (Array.isArray(s[f]) ? [...(s[f] as number[])] : (s[f] as number)));
  const words = 1 + lengths.reduce((n, len) => n + (len < 0 ? 1 : len), 0);
  // Never 0: a block of zeros (a keyword without a state, as the optimizer reads them) is no state.
  const format = hash(`${fields.join(',')}|${lengths.join(',')}|${JSON.stringify(config)}`) || 1;
  // decodeState reads the stored fields by position: a DecayedState with other fields needs it rewritten.
  if (fields.join(' ') !== STORED_FIELDS) throw new Error(`state fields changed (${fields.join(' ')}): update decodeState and STORED_FIELDS`);
  const len = (f: string) => lengths[fields.indexOf(f)];
  return { config, fields, lengths, format, byteLength: words * 8, m: len('clicksQ'), p: len('recentHour') };
}

/** The stored fields in their stored order (sorted names), as `decodeState` reads them. */
const STORED_FIELDS =
  'asOf clickBidFen clicks clicksQ costFen dayOfWeek gmvFen hourOfDay impressions lw lx lxx lxy ly orders rawClicks recentCostBid recentCostFen recentHour roiClicks roiClicksQ roiCost roiCostBid roiCostBidQ roiCostQ roiGmv todayCostFen';

function take(f: Float64Array, from: number, n: number): number[] {
  const a = new Array<number>(n);
  for (let j = 0; j < n; j++) a[j] = f[from + j];
  return a;
}

/**
 * The fields read in their stored order (m delay components, p pacing slots), the state built as
 * one object literal in the order `decayedStateFromRows` builds it: every state then has one shape,
 * and no field is stored by name at run time (a million states an hour). The compiler checks that
 * the literal is a whole DecayedState; `layoutOf` checks that the stored fields are these.
 */
function decodeFields(f: Float64Array, t: DecayedState, m: number, p: number): DecayedState {
  let k = 1;
  const asOf = f[k++], clickBidFen = f[k++], clicks = f[k++];
  const clicksQ = take(f, k, m);
  k += m;
  const costFen = f[k++], dayOfWeek = f[k++], gmvFen = f[k++], hourOfDay = f[k++], impressions = f[k++];
  const lw = f[k++], lx = f[k++], lxx = f[k++], lxy = f[k++], ly = f[k++], orders = f[k++], rawClicks = f[k++];
  const recentCostBid = take(f, k, p);
  const recentCostFen = take(f, k + p, p);
  const recentHour = take(f, k + 2 * p, p);
  k += 3 * p;
  const roiClicks = f[k++];
  const roiClicksQ = take(f, k, m);
  k += m;
  const roiCost = f[k++], roiCostBid = f[k++];
  const roiCostBidQ = take(f, k, m);
  const roiCostQ = take(f, k + m, m);
  k += 2 * m;
  const roiGmv = f[k++], todayCostFen = f[k++];
  return {
    asOf, hourOfDay, dayOfWeek, halfLifeHours: t.halfLifeHours, roiHalfLifeHours: t.roiHalfLifeHours, delayWeights: t.delayWeights, delayTauHours: t.delayTauHours,
    delayWindowHours: t.delayWindowHours, pacingLookbackHours: t.pacingLookbackHours, impressions, clicks, orders, gmvFen, costFen, clickBidFen, clicksQ,
    roiGmv, roiCost, roiClicks, roiCostBid, roiCostQ, roiClicksQ, roiCostBidQ, lw, lx, ly, lxx, lxy, rawClicks, todayCostFen, recentHour, recentCostFen, recentCostBid,
  };
}

// A process meets a handful of layouts (one per plan type's half-lives); the last one used is
// checked first, since a run encodes and decodes a thousand states of one layout in a row.
const layouts: Layout[] = [];
let last: Layout | null = null;

function layout(s: DecayedState): Layout {
  const rec = s as unknown as Rec;
  if (last && sameConfig(last, rec)) return last;
  last = layouts.find((l) => sameConfig(l, rec)) ?? null;
  if (!last) {
    last = layoutOf(rec);
    layouts.push(last);
  }
  return last;
}

/** Bytes of every stored state with the configuration of `template`. */
export function stateByteLength(template: DecayedState): number {
  return layout(template).byteLength;
}

/** Writes `s` into `out` at `offset` (stateByteLength(s) bytes); returns the offset after it. */
export function encodeStateInto(s: DecayedState, out: Buffer, offset: number): number {
  const { fields, lengths, format } = layout(s);
  const rec = s as unknown as Rec;
  let at = offset;
  out.writeDoubleLE(format, at);
  at += 8;
  for (let i = 0; i < fields.length; i++) {
    const v = rec[fields[i]];
    const len = lengths[i];
    if (len < 0) {
      out.writeDoubleLE(v as number, at);
      at += 8;
    } else {
      const a = v as number[];
      // A state whose array lengths are not its configuration's cannot be stored in its layout.
      if (a.length !== len) throw new Error(`state field ${fields[i]} has ${a.length} values, its layout ${len}`);
      for (let j = 0; j < len; j++, at += 8) out.writeDoubleLE(a[j], at);
    }
  }
  return at;
}

export function encodeState(s: DecayedState): Buffer {
  const out = Buffer.allocUnsafe(layout(s).byteLength);
  encodeStateInto(s, out, 0);
  return out;
}

const LITTLE_ENDIAN = endianness() === 'LE';

/** The stored little-endian float64s: read in place when aligned on a little-endian machine, else copied once. */
function float64s(buf: Buffer): Float64Array {
  const n = buf.byteLength >> 3;
  if (LITTLE_ENDIAN && buf.byteOffset % 8 === 0) return new Float64Array(buf.buffer, buf.byteOffset, n);
  const out = new Float64Array(n);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(buf.subarray(0, n * 8));
  else for (let i = 0; i < n; i++) out[i] = buf.readDoubleLE(i * 8);
  return out;
}

/**
 * The state, or null when it was written with another layout (other configuration, plan type or
 * build) or is damaged. `template` gives the layout and the configuration's fields, which the
 * decoded state shares with it (states never write them; advanceState copies them).
 */
export function decodeState(buf: Buffer, template: DecayedState): DecayedState | null {
  const { format, byteLength, m, p } = layout(template);
  if (buf.byteLength !== byteLength) return null;
  const f = float64s(buf);
  if (f[0] !== format) return null;
  return decodeFields(f, template, m, p);
}
