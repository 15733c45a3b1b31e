import type { Db } from '../db/db';
import { NO_CREATIVE } from './stats.repository';

export const REPORT_LEVELS = ['plan', 'unit', 'keyword', 'creative'] as const;
export type ReportLevel = (typeof REPORT_LEVELS)[number];
export const REPORT_GRANULARITIES = ['hour', 'day', 'total'] as const;
export type ReportGranularity = (typeof REPORT_GRANULARITIES)[number];
export const REPORT_SORT_FIELDS = ['period', 'impressions', 'clicks', 'ctr', 'cost', 'cpc', 'cpm', 'orders', 'gmv', 'cvr', 'roi'] as const;
export type ReportSortField = (typeof REPORT_SORT_FIELDS)[number];

export interface ReportQuery {
  level: ReportLevel;
  granularity: ReportGranularity;
  /** Budget days (YYYY-MM-DD, inclusive) in `timezone`. */
  from: string;
  to: string;
  timezone: string;
  planId?: string;
  unitId?: string;
  keywordId?: string;
  creativeId?: string;
  sort: ReportSortField;
  desc: boolean;
  offset: number;
  limit: number;
}

export interface ReportSums {
  impressions: number;
  clicks: number;
  costFen: number;
  orders: number;
  gmvFen: number;
}

export interface ReportRow extends ReportSums {
  planId: string | null;
  unitId: string | null;
  keywordId: string | null;
  creativeId: string | null;
  /** A timestamptz for hour granularity, a 'YYYY-MM-DD' for day, null for total. */
  period: Date | string | null;
}

const KEYS: Record<ReportLevel, string[]> = {
  plan: ['plan_id'],
  unit: ['plan_id', 'unit_id'],
  keyword: ['plan_id', 'unit_id', 'keyword_id'],
  creative: ['plan_id', 'unit_id', 'creative_id'],
};

/** Sort keys over the aggregates, so ORDER BY/LIMIT sit in the grouping query itself. */
const SORT_SQL: Record<ReportSortField, string> = {
  period: 'period',
  impressions: 'sum(impressions)',
  clicks: 'sum(clicks)',
  cost: 'sum(cost_fen)',
  orders: 'sum(orders)',
  gmv: 'sum(gmv_fen)',
  ctr: 'sum(clicks)::float8 / nullif(sum(impressions), 0)',
  cpc: 'sum(cost_fen)::float8 / nullif(sum(clicks), 0)',
  cpm: 'sum(cost_fen)::float8 * 1000 / nullif(sum(impressions), 0)',
  cvr: 'sum(orders)::float8 / nullif(sum(clicks), 0)',
  roi: 'sum(gmv_fen)::float8 / nullif(sum(cost_fen), 0)',
};

/**
 * Aggregated performance. Picks the cheapest exact source: the plan-hour rollup for plan
 * reports without finer filters, the keyword-day rollup for day and total reports, the hourly
 * facts only for hour granularity below plan level. Every statement filters by advertiser.
 */
export class ReportsRepository {
  constructor(private readonly db: Db) {}

  private source(q: ReportQuery, params: unknown[]): { from: string; where: string[]; period: string } {
    const planOnly = q.level === 'plan' && !q.unitId && !q.keywordId && !q.creativeId;
    let tzParam: string | undefined;
    const tzRef = () => (tzParam ??= `$${params.push(q.timezone)}::text`);
    const from = `$${params.push(q.from)}::date`;
    const to = `$${params.push(q.to)}::date`;
    const where = ['advertiser_id = $1'];
    let table: string;
    let period: string;
    if (planOnly || q.granularity === 'hour') {
      table = planOnly ? 'plan_stats_hourly' : 'keyword_stats_hourly';
      where.push(`hour >= (${from}::timestamp AT TIME ZONE ${tzRef()})`, `hour < ((${to} + 1)::timestamp AT TIME ZONE ${tzRef()})`);
      period = q.granularity === 'hour' ? 'hour' : q.granularity === 'day' ? `(hour AT TIME ZONE ${tzRef()})::date` : 'NULL::date';
    } else {
      table = 'keyword_stats_daily';
      where.push(`day BETWEEN ${from} AND ${to}`);
      period = q.granularity === 'day' ? 'day' : 'NULL::date';
    }
    if (q.planId) where.push(`plan_id = $${params.push(q.planId)}`);
    if (q.unitId) where.push(`unit_id = $${params.push(q.unitId)}`);
    if (q.keywordId) where.push(`keyword_id = $${params.push(q.keywordId)}`);
    if (q.creativeId) where.push(`creative_id = $${params.push(q.creativeId)}`);
    if (q.level === 'creative' && !planOnly) where.push(`creative_id <> '${NO_CREATIVE}'`);
    return { from: table, where, period };
  }

  async rows(advertiserId: string, q: ReportQuery): Promise<ReportRow[]> {
    const params: unknown[] = [advertiserId];
    const s = this.source(q, params);
    const keys = KEYS[q.level];
    const cols = (['plan_id', 'unit_id', 'keyword_id', 'creative_id'] as const)
      .map((c) => `${keys.includes(c) ? c : 'NULL::uuid'} AS ${c}`)
      .join(', ');
    const dir = q.desc ? 'DESC' : 'ASC';
    const order = [`${SORT_SQL[q.sort]} ${dir} NULLS LAST`, 'period ASC', ...keys.map((k) => `${k} ASC`)].join(', ');
    // One query level: sorted by period and keys, Postgres can walk the (plan, day) index and
    // stop after the page instead of aggregating every group first.
    const rows = await this.db.rows<Record<string, unknown>>(
      `SELECT ${cols}, ${s.period} AS period, sum(impressions)::bigint AS impressions, sum(clicks)::bigint AS clicks,
              sum(cost_fen)::bigint AS cost_fen, sum(orders)::bigint AS orders, sum(gmv_fen)::bigint AS gmv_fen
       FROM ${s.from} WHERE ${s.where.join(' AND ')}
       GROUP BY ${[...keys, 'period'].join(', ')}
       ORDER BY ${order} LIMIT $${params.push(q.limit)} OFFSET $${params.push(q.offset)}`,
      params,
    );
    return rows.map((r) => ({
      planId: r.plan_id as string | null,
      unitId: r.unit_id as string | null,
      keywordId: r.keyword_id as string | null,
      creativeId: r.creative_id as string | null,
      period: r.period as Date | string | null,
      impressions: r.impressions as number,
      clicks: r.clicks as number,
      costFen: r.cost_fen as number,
      orders: r.orders as number,
      gmvFen: r.gmv_fen as number,
    }));
  }

  async totals(advertiserId: string, q: ReportQuery): Promise<ReportSums> {
    const params: unknown[] = [advertiserId];
    const s = this.source(q, params);
    const r = await this.db.one<ReportSums>(
      `SELECT coalesce(sum(impressions), 0)::bigint AS impressions, coalesce(sum(clicks), 0)::bigint AS clicks,
              coalesce(sum(cost_fen), 0)::bigint AS "costFen", coalesce(sum(orders), 0)::bigint AS orders,
              coalesce(sum(gmv_fen), 0)::bigint AS "gmvFen"
       FROM ${s.from} WHERE ${s.where.join(' AND ')}`,
      params,
    );
    return r!;
  }

  /** Names for the CSV export (Excel users read names, not ids). */
  async names(advertiserId: string, ids: { plans: string[]; units: string[]; keywords: string[]; creatives: string[] }): Promise<Map<string, string>> {
    const rows = await this.db.rows<{ id: string; name: string }>(
      `SELECT id, name FROM plans WHERE advertiser_id = $1 AND id = ANY($2::uuid[])
       UNION ALL SELECT id, name FROM units WHERE advertiser_id = $1 AND id = ANY($3::uuid[])
       UNION ALL SELECT id, text || ' [' || match_type || ']' FROM keywords WHERE advertiser_id = $1 AND id = ANY($4::uuid[])
       UNION ALL SELECT id, title FROM creatives WHERE advertiser_id = $1 AND id = ANY($5::uuid[])`,
      [advertiserId, ids.plans, ids.units, ids.keywords, ids.creatives],
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}
