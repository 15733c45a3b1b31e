import { Injectable } from '@nestjs/common';
import {
  type Advertiser,
  ReportsRepository,
  type ReportQuery,
  type ReportRow,
  type ReportSortField,
  type ReportSums,
  DEFAULT_LIMIT,
  isoInZone,
  ValidationFailedError,
} from '@kuaiche/domain';
import type { ReportKey, ReportMetrics, ReportQueryDto, ReportResponse, ReportRowResponse } from './dto/report.dto';

const MAX_DAYS = 400;
const CSV_BATCH = 10_000;
const CSV_MAX_ROWS = 2_000_000;

/** Ratios are null where the denominator is 0; money leaves as CNY. */
export function metrics(s: ReportSums): ReportMetrics {
  const ratio = (a: number, b: number, scale = 1) => (b === 0 ? null : (a * scale) / b);
  return {
    impressions: s.impressions,
    clicks: s.clicks,
    ctr: ratio(s.clicks, s.impressions),
    cost: s.costFen / 100,
    cpc: ratio(s.costFen, s.clicks * 100),
    cpm: ratio(s.costFen * 10, s.impressions),
    orders: s.orders,
    gmv: s.gmvFen / 100,
    cvr: ratio(s.orders, s.clicks),
    roi: ratio(s.gmvFen, s.costFen),
  };
}

function encodeOffset(n: number): string {
  return Buffer.from(`o:${n}`).toString('base64url');
}

function decodeOffset(cursor?: string): number {
  if (!cursor) return 0;
  const m = /^o:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw new ValidationFailedError([{ path: 'cursor', message: 'cursor is not valid; pass nextCursor from a previous page' }]);
  return Number(m[1]);
}

const CSV_HEADERS = ['日期', '计划名称', '单元名称', '关键词', '创意', '展现数', '点击数', '点击率', '总花费', '平均点击花费', '千次展现花费', '总订单行', '总订单金额', '转化率', '投产比'];

function csvCell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

@Injectable()
export class ReportsService {
  constructor(private readonly reports: ReportsRepository) {}

  toQuery(a: Advertiser, dto: ReportQueryDto): ReportQuery {
    if (dto.to < dto.from) throw new ValidationFailedError([{ path: 'to', message: 'to must not be before from' }]);
    const days = (Date.parse(`${dto.to}T00:00:00Z`) - Date.parse(`${dto.from}T00:00:00Z`)) / 86_400_000 + 1;
    if (days > MAX_DAYS) throw new ValidationFailedError([{ path: 'to', message: `a report spans at most ${MAX_DAYS} days` }]);
    const sort = dto.sort ?? 'period';
    return {
      level: dto.level ?? 'plan',
      granularity: dto.granularity ?? 'day',
      from: dto.from,
      to: dto.to,
      timezone: a.timezone,
      planId: dto.planId?.toLowerCase(),
      unitId: dto.unitId?.toLowerCase(),
      keywordId: dto.keywordId?.toLowerCase(),
      creativeId: dto.creativeId?.toLowerCase(),
      sort: sort.replace(/^-/, '') as ReportSortField,
      desc: sort.startsWith('-'),
      offset: decodeOffset(dto.cursor),
      limit: dto.limit ?? DEFAULT_LIMIT,
    };
  }

  private key(r: ReportRow, q: ReportQuery): ReportKey {
    const period = r.period === null ? null : r.period instanceof Date ? isoInZone(r.period, q.timezone) : r.period;
    return {
      ...(r.planId ? { planId: r.planId } : {}),
      ...(r.unitId ? { unitId: r.unitId } : {}),
      ...(r.keywordId ? { keywordId: r.keywordId } : {}),
      ...(r.creativeId ? { creativeId: r.creativeId } : {}),
      period,
    };
  }

  async report(a: Advertiser, dto: ReportQueryDto): Promise<ReportResponse> {
    const q = this.toQuery(a, dto);
    const [rows, totals] = await Promise.all([this.reports.rows(a.id, { ...q, limit: q.limit + 1 }), this.reports.totals(a.id, q)]);
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    return {
      items: page.map((r): ReportRowResponse => ({ key: this.key(r, q), ...metrics(r) })),
      totals: metrics(totals),
      nextCursor: more ? encodeOffset(q.offset + q.limit) : null,
    };
  }

  /** Every row as CSV with the platform's Chinese headers, written batch by batch. */
  async *csv(a: Advertiser, dto: ReportQueryDto): AsyncGenerator<string> {
    const q = this.toQuery(a, dto);
    yield `\uFEFF${CSV_HEADERS.join(',')}\r\n`;
    const fmt = (n: number | null, d: number) => (n === null ? null : n.toFixed(d));
    const pct = (n: number | null) => (n === null ? null : `${(n * 100).toFixed(2)}%`);
    for (let offset = 0; offset < CSV_MAX_ROWS; offset += CSV_BATCH) {
      const rows = await this.reports.rows(a.id, { ...q, offset, limit: CSV_BATCH });
      if (rows.length === 0) break;
      const ids = (f: (r: ReportRow) => string | null) => [...new Set(rows.map(f).filter((x): x is string => !!x))];
      const names = await this.reports.names(a.id, { plans: ids((r) => r.planId), units: ids((r) => r.unitId), keywords: ids((r) => r.keywordId), creatives: ids((r) => r.creativeId) });
      const name = (id: string | null) => (id ? (names.get(id) ?? id) : null);
      let out = '';
      for (const r of rows) {
        const m = metrics(r);
        const period = this.key(r, q).period ?? `${q.from}~${q.to}`;
        out +=
          [period, name(r.planId), name(r.unitId), name(r.keywordId), name(r.creativeId), m.impressions, m.clicks, pct(m.ctr), fmt(m.cost, 2), fmt(m.cpc, 2), fmt(m.cpm, 2), m.orders, fmt(m.gmv, 2), pct(m.cvr), fmt(m.roi, 2)]
            .map(csvCell)
            .join(',') + '\r\n';
      }
      yield out;
      if (rows.length < CSV_BATCH) break;
    }
    const t = metrics(await this.reports.totals(a.id, q));
    yield ['合计', null, null, null, null, t.impressions, t.clicks, pct(t.ctr), fmt(t.cost, 2), fmt(t.cpc, 2), fmt(t.cpm, 2), t.orders, fmt(t.gmv, 2), pct(t.cvr), fmt(t.roi, 2)].map(csvCell).join(',') + '\r\n';
  }
}
