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

/** Sort keys over a metric accessor: `sum(col)` when grouping, `col` when rows are the groups. */
function sortSql(field: ReportSortField, m: (col: string) => string): string {
  switch (field) {
    case 'period': return 'period';
    case 'impressions': return m('impressions');
    case 'clicks': return m('clicks');
    case 'cost': return m('cost_fen');
    case 'orders': return m('orders');
    case 'gmv': return m('gmv_fen');
    case 'ctr': return `${m('clicks')}::float8 / nullif(${m('impressions')}, 0)`;
    case 'cpc': return `${m('cost_fen')}::float8 / nullif(${m('clicks')}, 0)`;
    case 'cpm': return `${m('cost_fen')}::float8 * 1000 / nullif(${m('impressions')}, 0)`;
    case 'cvr': return `${m('orders')}::float8 / nullif(${m('clicks')}, 0)`;
    case 'roi': return `${m('gmv_fen')}::float8 / nullif(${m('cost_fen')}, 0)`;
  }
}

interface Source {
  from: string;
  where: string[];
  period: string;
  /** Each row of the source is already one group of the report: no GROUP BY needed. */
  grouped: boolean;
}

/**
 * Aggregated performance. Picks the cheapest exact source: the plan-hour rollup for plan-wide
 * figures, the keyword-day rollup for keyword/unit/plan days and totals, the creative-day rollup
 * for creatives, the hourly facts only for hour granularity below plan level (or a creative and
 * a keyword filter together). Every statement filters by advertiser.
 */
export class ReportsRepository {
  constructor(private readonly db: Db) {}

  /** `forTotals`: only the sums over everything matching matter, not the grouping. */
  private source(q: ReportQuery, params: unknown[], forTotals = false): Source {
    const finerFilter = !!(q.unitId || q.keywordId || q.creativeId);
    const planWide = !finerFilter && (q.level === 'plan' || (forTotals && q.level !== 'creative'));
    const creativeRows = q.level === 'creative' || !!q.creativeId;
    let tzParam: string | undefined;
    const tzRef = () => (tzParam ??= `$${params.push(q.timezone)}::text`);
    const from = `$${params.push(q.from)}::date`;
    const to = `$${params.push(q.to)}::date`;
    const where = ['advertiser_id = $1'];
    let table: string;
    let period: string;
    let grouped = false;
    if (planWide || q.granularity === 'hour' || (creativeRows && (q.keywordId || q.level === 'keyword'))) {
      table = planWide ? 'plan_stats_hourly' : 'keyword_stats_hourly';
      where.push(`hour >= (${from}::timestamp AT TIME ZONE ${tzRef()})`, `hour < ((${to} + 1)::timestamp AT TIME ZONE ${tzRef()})`);
      period = q.granularity === 'hour' ? 'hour' : q.granularity === 'day' ? `(hour AT TIME ZONE ${tzRef()})::date` : 'NULL::date';
      grouped = planWide && q.level === 'plan' && q.granularity === 'hour';
      if (creativeRows && !planWide) where.push(`creative_id <> '${NO_CREATIVE}'`);
    } else {
      table = creativeRows ? 'creative_stats_daily' : 'keyword_stats_daily';
      where.push(`day BETWEEN ${from} AND ${to}`);
      period = q.granularity === 'day' ? 'day' : 'NULL::date';
      grouped = q.granularity === 'day' && q.level === (creativeRows ? 'creative' : 'keyword');
    }
    if (q.planId) where.push(`plan_id = $${params.push(q.planId)}`);
    if (q.unitId) where.push(`unit_id = $${params.push(q.unitId)}`);
    if (q.keywordId) where.push(`keyword_id = $${params.push(q.keywordId)}`);
    if (q.creativeId) where.push(`creative_id = $${params.push(q.creativeId)}`);
    // Facts and rollups are indexed by (advertiser, plan, time), not by unit: a unit (or, in the
    // hourly facts, a creative) filter without a plan reaches that index through its plan (units
    // and creatives never change plans). A keyword or creative-day filter has its primary key.
    if (table !== 'plan_stats_hourly' && !q.planId && !q.keywordId) {
      if (q.unitId) where.push(`plan_id = (SELECT plan_id FROM units WHERE advertiser_id = $1 AND id = $${params.push(q.unitId)})`);
      else if (q.creativeId && table === 'keyword_stats_hourly') where.push(`plan_id = (SELECT plan_id FROM creatives WHERE advertiser_id = $1 AND id = $${params.push(q.creativeId)})`);
    }
    return { from: table, where, period, grouped };
  }

  async rows(advertiserId: string, q: ReportQuery): Promise<ReportRow[]> {
    const params: unknown[] = [advertiserId];
    const s = this.source(q, params);
    const keys = KEYS[q.level];
    const cols = (['plan_id', 'unit_id', 'keyword_id', 'creative_id'] as const)
      .map((c) => `${keys.includes(c) ? c : 'NULL::uuid'} AS ${c}`)
      .join(', ');
    const m = s.grouped ? (c: string) => c : (c: string) => `sum(${c})`;
    const dir = q.desc ? 'DESC' : 'ASC';
    const order = [`${sortSql(q.sort, m)} ${dir} NULLS LAST`, 'period ASC', ...keys.map((k) => `${k} ASC`)].join(', ');
    // One query level: sorted by period and keys, Postgres can walk the (plan, day) index and
    // stop after the page instead of aggregating every group first.
    const rows = await this.db.rows<Record<string, unknown>>(
      `SELECT ${cols}, ${s.period} AS period, ${m('impressions')}::bigint AS impressions, ${m('clicks')}::bigint AS clicks,
              ${m('cost_fen')}::bigint AS cost_fen, ${m('orders')}::bigint AS orders, ${m('gmv_fen')}::bigint AS gmv_fen
       FROM ${s.from} WHERE ${s.where.join(' AND ')}
       ${s.grouped ? '' : `GROUP BY ${[...keys, 'period'].join(', ')}`}
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
    const s = this.source(q, params, true);
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
