import { Injectable } from '@nestjs/common';
import {
  type Advertiser,
  AlertsService,
  Db,
  fenToCny,
  HOUR_MS,
  NotFoundError,
  PlansRepository,
  requireWholeHour,
  type FieldError,
  type HourlyStatRow,
  StatsRepository,
  ValidationFailedError,
} from '@kuaiche/domain';
import type { BulkItemResult, BulkResultResponse } from '../common/bulk';
import { type ParsedStatRow, parseStatRow } from './dto/stat-row.dto';


/** The latest hour a row may carry: one hour ahead of now, for advertisers on the wall clock. */
export function latestAcceptedHour(advertiser: Advertiser, nowMs: number): number | undefined {
  return advertiser.clock === 'wall' ? Math.floor(nowMs / HOUR_MS) * HOUR_MS + HOUR_MS : undefined;
}

export interface ResolvedRows {
  rows: HourlyStatRow[];
  /** Parallel to the input: the errors of each row, empty when it resolved. */
  errors: FieldError[][];
}

@Injectable()
export class StatsService {
  constructor(
    private readonly db: Db,
    private readonly stats: StatsRepository,
    private readonly plans: PlansRepository,
    private readonly alerts: AlertsService,
  ) {}

  /** Spend so far in the budget day of `asOf` (the hours before it), as pacing and alerts read it. */
  async spendSoFar(advertiser: Advertiser, planId: string, asOfIso: string): Promise<{ planId: string; asOf: string; budgetDay: string; spent: number }> {
    const asOf = requireWholeHour(asOfIso, 'asOf');
    if (!(await this.plans.findById(advertiser.id, planId))) throw new NotFoundError('plan');
    const r = await this.stats.spendSoFarToday(advertiser.id, planId, asOf, advertiser.timezone);
    return { planId, asOf: asOfIso, budgetDay: r.budgetDay, spent: fenToCny(r.spentFen) };
  }

  /**
   * Resolves parsed rows against the caller's account: the keyword must be theirs, the creative
   * a creative of the keyword's unit, and a key may appear once per request.
   */
  async resolve(advertiserId: string, parsed: (ParsedStatRow | undefined)[], paths: string[], errors: FieldError[][]): Promise<ResolvedRows> {
    const keywordIds = [...new Set(parsed.flatMap((p) => (p ? [p.keywordId] : [])))];
    const creativeIds = [...new Set(parsed.flatMap((p) => (p?.creativeId ? [p.creativeId] : [])))];
    const [keywords, creatives] = await Promise.all([
      keywordIds.length ? this.stats.keywordRefs(advertiserId, keywordIds) : [],
      creativeIds.length ? this.stats.creativeUnits(advertiserId, creativeIds) : [],
    ]);
    const kw = new Map(keywords.map((k) => [k.id, k]));
    const cr = new Map(creatives.map((c) => [c.id, c.unitId]));
    // Keys seen so far, per hour: the keyword id alone (its hash is cached on the string) or
    // keyword + creative. No composite string per row: 50,000 of them cost more than the SQL.
    const seenByHour = new Map<number, Map<string, number>>();
    const rows: HourlyStatRow[] = [];
    for (let i = 0; i < parsed.length; i++) {
      const p = parsed[i];
      if (!p) continue;
      const k = kw.get(p.keywordId);
      if (!k) {
        errors[i].push({ path: `${paths[i]}.keywordId`, message: 'keyword not found' });
        continue;
      }
      if (p.creativeId && cr.get(p.creativeId) !== k.unitId) {
        errors[i].push({ path: `${paths[i]}.creativeId`, message: cr.has(p.creativeId) ? "creative is not in the keyword's unit" : 'creative not found' });
        continue;
      }
      const ms = p.hour.getTime();
      let seen = seenByHour.get(ms);
      if (!seen) seenByHour.set(ms, (seen = new Map()));
      const key = p.creativeId ? `${p.keywordId}|${p.creativeId}` : p.keywordId;
      const first = seen.get(key);
      if (first !== undefined) {
        errors[i].push({ path: paths[i], message: `same keyword, creative and hour as ${paths[first]}` });
        continue;
      }
      seen.set(key, i);
      rows.push({
        planId: k.planId, unitId: k.unitId, keywordId: p.keywordId, creativeId: p.creativeId, hour: p.hour,
        impressions: p.impressions, clicks: p.clicks, costFen: p.costFen, orders: p.orders, gmvFen: p.gmvFen, avgPosition: p.avgPosition,
      });
    }
    return { rows, errors };
  }

  /** POST /v1/stats/hourly: validate, resolve, upsert in one transaction. */
  async ingest(advertiser: Advertiser, raw: unknown[], atomic: boolean, nowMs: number): Promise<BulkResultResponse> {
    const latest = latestAcceptedHour(advertiser, nowMs);
    const paths = raw.map((_, i) => `rows[${i}]`);
    const errors: FieldError[][] = [];
    const parsed = raw.map((r, i) => {
      const p = parseStatRow(r, paths[i], latest);
      errors.push(p.errors);
      return p.value;
    });
    const resolved = await this.resolve(advertiser.id, parsed, paths, errors);
    const failed = errors.flat();
    if (atomic && failed.length) throw new ValidationFailedError(failed);
    await this.write(advertiser, resolved.rows);
    return {
      results: errors.map((e, index): BulkItemResult => (e.length ? { index, ok: false, errors: e } : { index, ok: true })),
    };
  }

  async write(advertiser: Advertiser, rows: HourlyStatRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.tx(async (tx) => {
      await this.stats.lockAdvertiser(advertiser.id, tx);
      await this.stats.upsert(advertiser.id, advertiser.timezone, rows, tx);
    });
    // After the commit, off the ingest path: the alert rules judge the hour after the latest one sent.
    let latest = 0;
    for (const r of rows) latest = Math.max(latest, r.hour.getTime());
    await this.alerts.scheduleEvaluation(advertiser.id, new Date(latest + HOUR_MS));
  }
}
