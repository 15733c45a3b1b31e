import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { cnyToFen, type FieldError, hasAtMostTwoDecimals, HOUR_MS, isUuid, type StatRowInput } from '@kuaiche/domain';
import { IsString, Matches } from 'class-validator';

export const MAX_STAT_ROWS = 50_000;
const MAX_MONEY = 99_999_999.99;
const MAX_COUNT = 1_000_000_000;
const KEYS = new Set(['keywordId', 'creativeId', 'hour', 'impressions', 'clicks', 'cost', 'orders', 'gmv', 'avgPosition']);
const HOUR_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** OpenAPI description of a row; validation is `parseStatRow` (a hot path: 50,000 rows a request). */
export class HourlyStatRowDto {
  @ApiProperty({ format: 'uuid' }) keywordId!: string;
  @ApiPropertyOptional({ format: 'uuid', nullable: true, description: "a creative of the keyword's unit" }) creativeId?: string | null;
  @ApiProperty({ example: '2026-06-18T20:00:00+08:00', description: 'ISO 8601 with offset, at a whole hour, at most one hour ahead' }) hour!: string;
  @ApiProperty({ minimum: 0 }) impressions!: number;
  @ApiProperty({ minimum: 0, description: '<= impressions' }) clicks!: number;
  @ApiProperty({ minimum: 0, multipleOf: 0.01, description: 'CNY' }) cost!: number;
  @ApiProperty({ minimum: 0 }) orders!: number;
  @ApiProperty({ minimum: 0, multipleOf: 0.01, description: 'CNY' }) gmv!: number;
  @ApiPropertyOptional({ minimum: 1 }) avgPosition?: number;
}

/** OpenAPI shape of the body; it is read by `@BulkItems({ key: 'rows' })`. */
export class HourlyStatsBodyDto {
  @ApiProperty({ type: [HourlyStatRowDto], minItems: 1, maxItems: MAX_STAT_ROWS })
  rows!: unknown[];
}

/** A row that passed `parseStatRow`, not yet matched to the account. */
export type ParsedStatRow = StatRowInput;

function count(v: unknown): boolean {
  return Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= MAX_COUNT;
}

function money(v: unknown): boolean {
  return typeof v === 'number' && v >= 0 && v <= MAX_MONEY && hasAtMostTwoDecimals(v);
}

/**
 * Checks one row. `latestHourMs`, when given, is the latest hour a row may carry (one hour
 * after the current hour for advertisers on the wall clock; none for simulated clocks).
 */
/**
 * Hour strings already parsed (a batch carries a few distinct hours over 50,000 rows): one shared
 * Date each, never mutated, instead of a parse and an allocation per row.
 */
const HOURS = new Map<string, Date>();

export function parseStatRow(raw: unknown, at: string, latestHourMs?: number): { value?: ParsedStatRow; errors: FieldError[] } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { errors: [{ path: at, message: 'must be an object' }] };
  // A "__proto__" key in the JSON can arrive as the row's prototype; its values must not count.
  if (Object.getPrototypeOf(raw) !== Object.prototype) return { errors: [{ path: `${at}.__proto__`, message: 'unknown field __proto__' }] };
  const r = raw as Record<string, unknown>;
  const errors: FieldError[] = [];
  for (const k of Object.keys(r)) if (!KEYS.has(k)) errors.push({ path: `${at}.${k}`, message: `unknown field ${k}` });
  if (!isUuid(r.keywordId)) errors.push({ path: `${at}.keywordId`, message: 'keywordId must be a UUID' });
  if (r.creativeId !== undefined && r.creativeId !== null && !isUuid(r.creativeId)) errors.push({ path: `${at}.creativeId`, message: 'creativeId must be a UUID or null' });
  let hour: Date | undefined;
  const known = typeof r.hour === 'string' ? HOURS.get(r.hour) : undefined;
  if (known) hour = known;
  else if (typeof r.hour !== 'string' || !HOUR_RE.test(r.hour) || Number.isNaN(Date.parse(r.hour))) {
    errors.push({ path: `${at}.hour`, message: 'hour must be ISO 8601 with an offset, e.g. 2026-06-18T20:00:00+08:00' });
  } else {
    hour = new Date(r.hour);
    if (HOURS.size >= 10_000) HOURS.clear();
    HOURS.set(r.hour, hour);
  }
  if (hour) {
    if (hour.getTime() % HOUR_MS !== 0) errors.push({ path: `${at}.hour`, message: 'hour must be aligned to a whole hour' });
    else if (latestHourMs !== undefined && hour.getTime() > latestHourMs) errors.push({ path: `${at}.hour`, message: 'hour is more than one hour in the future' });
  }
  for (const k of ['impressions', 'clicks', 'orders'] as const) {
    if (!count(r[k])) errors.push({ path: `${at}.${k}`, message: `${k} must be a whole number >= 0` });
  }
  if (count(r.impressions) && count(r.clicks) && (r.clicks as number) > (r.impressions as number)) {
    errors.push({ path: `${at}.clicks`, message: 'clicks must not exceed impressions' });
  }
  for (const k of ['cost', 'gmv'] as const) {
    if (!money(r[k])) errors.push({ path: `${at}.${k}`, message: `${k} must be a number >= 0 with at most 2 decimals (CNY)` });
  }
  if (r.avgPosition !== undefined && r.avgPosition !== null && !(typeof r.avgPosition === 'number' && Number.isFinite(r.avgPosition) && r.avgPosition >= 1 && r.avgPosition <= 1000)) {
    errors.push({ path: `${at}.avgPosition`, message: 'avgPosition must be a number between 1 and 1000' });
  }
  if (errors.length) return { errors };
  return {
    value: {
      keywordId: (r.keywordId as string).toLowerCase(),
      creativeId: typeof r.creativeId === 'string' ? r.creativeId.toLowerCase() : null,
      hour: hour!,
      impressions: r.impressions as number,
      clicks: r.clicks as number,
      costFen: cnyToFen(r.cost as number),
      orders: r.orders as number,
      gmvFen: cnyToFen(r.gmv as number),
      avgPosition: (r.avgPosition as number | undefined) ?? null,
    },
    errors: [],
  };
}

export class SpendQueryDto {
  @ApiProperty({ example: '2026-06-18T20:00:00+08:00', description: 'the hour being planned; spend counts the hours of its budget day that started before it' })
  @IsString()
  @Matches(HOUR_RE, { message: 'asOf must be ISO 8601 with an offset, at a whole hour' })
  asOf!: string;
}

export class SpendResponse {
  @ApiProperty({ format: 'uuid' }) planId!: string;
  @ApiProperty() asOf!: string;
  @ApiProperty({ description: "budget day (YYYY-MM-DD) in the advertiser's timezone" }) budgetDay!: string;
  @ApiProperty({ description: 'CNY spent in that day before asOf' }) spent!: number;
}
