import type { DecayedState } from '@kuaiche/bidding';

/**
 * Packs a keyword's DecayedState (numbers and arrays of numbers only) into float64s for the
 * `keyword_bid_state.state` bytea column: about 0.4 KB a keyword, read and written in bulk by
 * every run. Layout: [format, then per field in sorted-name order: the value, or the length and
 * the values of an array]. `format` is a hash of the field names, so a state written by a build
 * with other fields decodes to null and is rebuilt from the facts.
 */
function fieldsOf(s: object): string[] {
  return Object.keys(s).sort();
}

function formatOf(fields: string[]): number {
  let h = 0;
  for (const c of fields.join(',')) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return h;
}

let cachedFields: { fields: string[]; arrays: boolean[]; format: number } | null = null;

function layout(s: DecayedState): { fields: string[]; arrays: boolean[]; format: number } {
  if (!cachedFields) {
    const fields = fieldsOf(s);
    cachedFields = { fields, arrays: fields.map((f) => Array.isArray((s as unknown as Record<string, unknown>)[f])), format: formatOf(fields) };
  }
  return cachedFields;
}

export function encodeState(s: DecayedState): Buffer {
  const { fields, arrays, format } = layout(s);
  const rec = s as unknown as Record<string, number | number[]>;
  let n = 1;
  for (let i = 0; i < fields.length; i++) n += arrays[i] ? 1 + (rec[fields[i]] as number[]).length : 1;
  const out = new Float64Array(n);
  let k = 0;
  out[k++] = format;
  for (let i = 0; i < fields.length; i++) {
    const v = rec[fields[i]];
    if (arrays[i]) {
      const a = v as number[];
      out[k++] = a.length;
      for (const x of a) out[k++] = x;
    } else out[k++] = v as number;
  }
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** The stored float64s, read in place when the buffer is 8-byte aligned, else copied once. */
function float64s(buf: Buffer): Float64Array {
  const n = buf.byteLength >> 3;
  if (buf.byteOffset % 8 === 0) return new Float64Array(buf.buffer, buf.byteOffset, n);
  const out = new Float64Array(n);
  new Uint8Array(out.buffer).set(buf.subarray(0, n * 8));
  return out;
}

/** The state, or null when it was written with another layout (or is damaged). `template` gives the layout. */
export function decodeState(buf: Buffer, template: DecayedState): DecayedState | null {
  const { fields, arrays, format } = layout(template);
  if (buf.byteLength % 8 !== 0 || buf.byteLength < 8) return null;
  // The machine's byte order, as encodeState wrote it.
  const f = float64s(buf);
  const n = f.length;
  if (f[0] !== format) return null;
  // A copy of the template then filled in: every decoded state has the template's shape (its key
  // order), so the code that reads states sees one object shape.
  const rec = { ...template } as unknown as Record<string, number | number[]>;
  let k = 1;
  for (let i = 0; i < fields.length; i++) {
    if (k >= n) return null;
    if (arrays[i]) {
      const len = f[k++];
      if (!Number.isInteger(len) || len < 0 || k + len > n) return null;
      const a = new Array<number>(len);
      for (let j = 0; j < len; j++) a[j] = f[k++];
      rec[fields[i]] = a;
    } else rec[fields[i]] = f[k++];
  }
  return k === n ? (rec as unknown as DecayedState) : null;
}
