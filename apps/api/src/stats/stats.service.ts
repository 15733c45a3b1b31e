import { Injectable } from '@nestjs/common';
import {
  type Advertiser,
  fenToCny,
  HOUR_MS,
  NotFoundError,
  PlansRepository,
  requireWholeHour,
  type FieldError,
  StatsIngestion,
  StatsRepository,
  ValidationFailedError,
} from '@kuaiche/domain';
import type { BulkItemResult, BulkResultResponse } from '../common/bulk';
import { parseStatRow } from './dto/stat-row.dto';

/** The latest hour a row may carry: one hour ahead of now, for advertisers on the wall clock. */
export function latestAcceptedHour(advertiser: Advertiser, nowMs: number): number | undefined {
  return advertiser.clock === 'wall' ? Math.floor(nowMs / HOUR_MS) * HOUR_MS + HOUR_MS : undefined;
}

@Injectable()
export class StatsService {
  constructor(
    private readonly stats: StatsRepository,
    private readonly plans: PlansRepository,
    private readonly ingestion: StatsIngestion,
  ) {}

  /** Spend so far in the budget day of `asOf` (the hours before it), as pacing and alerts read it. */
  async spendSoFar(advertiser: Advertiser, planId: string, asOfIso: string): Promise<{ planId: string; asOf: string; budgetDay: string; spent: number }> {
    const asOf = requireWholeHour(asOfIso, 'asOf');
    if (!(await this.plans.findById(advertiser.id, planId))) throw new NotFoundError('plan');
    const r = await this.stats.spendSoFarToday(advertiser.id, planId, asOf, advertiser.timezone);
    return { planId, asOf: asOfIso, budgetDay: r.budgetDay, spent: fenToCny(r.spentFen) };
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
    const resolved = await this.ingestion.resolve(advertiser.id, parsed, paths, errors);
    const failed = errors.flat();
    if (atomic && failed.length) throw new ValidationFailedError(failed);
    await this.ingestion.write(advertiser, resolved.rows);
    return {
      results: errors.map((e, index): BulkItemResult => (e.length ? { index, ok: false, errors: e } : { index, ok: true })),
    };
  }
}
