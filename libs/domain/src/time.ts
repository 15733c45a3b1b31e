/**
 * Wall-clock conversions in an advertiser's timezone, with Intl (no clock reads: every
 * function takes the instant or the local time it converts).
 */
import { ValidationFailedError } from './errors';

export const HOUR_MS = 3_600_000;

/** The whole hour that instant `ms` falls in. */
export function hourStart(ms: number): Date {
  return new Date(Math.floor(ms / HOUR_MS) * HOUR_MS);
}

/** The instant `value` names if it is a valid one at a whole hour, else null. */
export function wholeHour(value: unknown): Date | null {
  const t = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isNaN(t) || t % HOUR_MS !== 0 ? null : new Date(t);
}

/** `wholeHour`, or a 400 naming `path`. */
export function requireWholeHour(value: string, path: string): Date {
  const d = wholeHour(value);
  if (!d) throw new ValidationFailedError([{ path, message: `${path} must be a valid instant at a whole hour` }]);
  return d;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function localParts(instant: Date, timeZone: string): { y: string; mo: string; d: string; h: string; mi: string; s: string } {
  const parts = formatter(timeZone).formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return { y: get('year'), mo: get('month'), d: get('day'), h: get('hour'), mi: get('minute'), s: get('second') };
}

/** Minutes the zone is ahead of UTC at `instant` (480 for Asia/Shanghai). */
export function offsetMinutes(instant: Date, timeZone: string): number {
  const p = localParts(instant, timeZone);
  const local = Date.UTC(+p.y, +p.mo - 1, +p.d, +p.h, +p.mi, +p.s);
  return Math.round((local - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/** The UTC instant of local `date` (YYYY-MM-DD) at `hour` o'clock in the zone. */
export function zonedHourToUtc(date: string, hour: number, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number);
  const guess = Date.UTC(y, m - 1, d, hour);
  let utc = guess - offsetMinutes(new Date(guess), timeZone) * 60_000;
  // Across a DST change the offset at the result can differ from the guess's; one more step settles it.
  utc = guess - offsetMinutes(new Date(utc), timeZone) * 60_000;
  return new Date(utc);
}

/** An instant as ISO 8601 with the zone's offset, e.g. 2026-06-18T20:00:00+08:00. */
export function isoInZone(instant: Date, timeZone: string): string {
  const p = localParts(instant, timeZone);
  const off = offsetMinutes(instant, timeZone);
  const abs = Math.abs(off);
  const sign = off < 0 ? '-' : '+';
  return `${p.y}-${p.mo}-${p.d}T${p.h}:${p.mi}:${p.s}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Local hour of day, day of week (0 = Monday) and date of an instant in the zone. */
export function localClock(instant: Date, timeZone: string): { hourOfDay: number; dayOfWeek: number; date: string } {
  const iso = isoInZone(instant, timeZone);
  const date = iso.slice(0, 10);
  const [y, m, d] = date.split('-').map(Number);
  return { hourOfDay: Number(iso.slice(11, 13)), dayOfWeek: (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7, date };
}
