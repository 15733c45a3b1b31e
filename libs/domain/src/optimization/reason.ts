/**
 * An explanation as stored in `bid_changes.reason` and shown by the API: the same fields, with
 * every fractional number cut to 4 significant digits (a seller reads "CVR 0.03127", not 17
 * digits; and a million audit rows an hour carry half the bytes). Integers are kept as they are.
 */
export function reasonJson(reason: unknown): string {
  return JSON.stringify(reason, (_key, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) && Number.isFinite(v) ? Number(v.toPrecision(4)) : v));
}

/** The explanation as the API shows it (the stored form, parsed). */
export function compactReason(reason: unknown): Record<string, unknown> {
  return JSON.parse(reasonJson(reason)) as Record<string, unknown>;
}

/** A value for COPY's text format: backslashes doubled (JSON text holds no raw tab or newline). */
export function copyText(s: string): string {
  return s.includes('\\') ? s.replace(/\\/g, '\\\\') : s;
}
