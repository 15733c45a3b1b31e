import { hasAtMostTwoDecimals, type MatchType } from '@kuaiche/domain';

/**
 * The Kuaiche keyword report as the back end exports it (Chinese headers) or as JD's report
 * API names the same columns (English). Ratio columns (点击率, 转化率, 投产比, CPC, CPM) are
 * ignored: they are recomputed from the counts, never trusted.
 */
export type ImportField =
  | 'date'
  | 'hour'
  | 'plan'
  | 'unit'
  | 'keyword'
  | 'matchType'
  | 'impressions'
  | 'clicks'
  | 'cost'
  | 'orders'
  | 'directOrders'
  | 'indirectOrders'
  | 'gmv'
  | 'directGmv'
  | 'indirectGmv'
  | 'avgPosition';

const HEADERS: Record<ImportField, string[]> = {
  date: ['日期', 'date'],
  hour: ['小时', '时段', 'hour'],
  plan: ['计划名称', '计划', 'campaignname'],
  unit: ['单元名称', '单元', 'adgroupname'],
  keyword: ['关键词', '关键词名称', 'keywordname', 'keyword'],
  matchType: ['匹配方式', '匹配类型', 'matchtype'],
  impressions: ['展现数', '展现量', 'impressions'],
  clicks: ['点击数', '点击量', 'clicks'],
  cost: ['总花费', '花费', 'cost'],
  orders: ['总订单行', 'totalordercnt'],
  directOrders: ['直接订单行', 'directordercnt'],
  indirectOrders: ['间接订单行', 'indirectordercnt'],
  gmv: ['总订单金额', 'totalordersum'],
  directGmv: ['直接订单金额', 'directordersum'],
  indirectGmv: ['间接订单金额', 'indirectordersum'],
  avgPosition: ['平均排名', 'avgposition'],
};

const BY_NAME = new Map<string, ImportField>();
for (const [field, names] of Object.entries(HEADERS) as [ImportField, string[]][]) for (const n of names) BY_NAME.set(n, field);

/** Display name of a field for messages: the Chinese header and the API name. */
export function columnName(field: ImportField): string {
  const [zh, ...rest] = HEADERS[field];
  return `${zh} (${rest[rest.length - 1]})`;
}

export interface HeaderMap {
  index: Partial<Record<ImportField, number>>;
  /** The header text as the file wrote it, for line errors. */
  names: Partial<Record<ImportField, string>>;
}

/** Maps the header line; returns the missing required columns as messages. */
export function mapHeader(header: string[]): { map: HeaderMap; missing: string[] } {
  const map: HeaderMap = { index: {}, names: {} };
  header.forEach((raw, i) => {
    const name = raw.replace(/^\uFEFF/, '').trim();
    const field = BY_NAME.get(name) ?? BY_NAME.get(name.toLowerCase());
    if (field && map.index[field] === undefined) {
      map.index[field] = i;
      map.names[field] = name;
    }
  });
  const missing: string[] = [];
  for (const f of ['date', 'hour', 'plan', 'unit', 'keyword', 'impressions', 'clicks', 'cost'] as ImportField[]) {
    if (map.index[f] === undefined) missing.push(f === 'hour' ? `missing column ${columnName(f)}: import an hourly report` : `missing column ${columnName(f)}`);
  }
  if (map.index.orders === undefined && (map.index.directOrders === undefined || map.index.indirectOrders === undefined)) {
    missing.push(`missing column ${columnName('orders')} (or both ${columnName('directOrders')} and ${columnName('indirectOrders')})`);
  }
  if (map.index.gmv === undefined && (map.index.directGmv === undefined || map.index.indirectGmv === undefined)) {
    missing.push(`missing column ${columnName('gmv')} (or both ${columnName('directGmv')} and ${columnName('indirectGmv')})`);
  }
  return { map, missing };
}

/** `1,234` / ` 1234 ` / `-` (none) -> 1234 / 0; undefined when it is not a whole number >= 0. */
export function parseCount(raw: string): number | undefined {
  const s = raw.replace(/[,\s]/g, '');
  if (s === '' || s === '-') return 0;
  if (!/^\d{1,15}$/.test(s)) return undefined;
  return Number(s);
}

/** `¥1,234.56` / `1234.5元` / `-` -> fen; undefined when malformed, negative or over 2 decimals. */
export function parseMoneyFen(raw: string): number | undefined {
  const s = raw.replace(/[,\s¥￥]/g, '').replace(/元$/, '');
  if (s === '' || s === '-') return 0;
  if (!/^\d{1,12}(\.\d{1,})?$/.test(s)) return undefined;
  const n = Number(s);
  if (!hasAtMostTwoDecimals(n)) return undefined;
  return Math.round(n * 100);
}

/** `2026-06-18`, `2026/6/18` or `20260618` -> `2026-06-18`; undefined when not a calendar date. */
export function parseDate(raw: string): string | undefined {
  const s = raw.trim();
  const m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/.exec(s) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (!m) return undefined;
  const iso = `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`;
  const d = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === iso ? iso : undefined;
}

/** `7`, `07`, `07:00`, `7时`, `07:00-08:00` -> 7; undefined outside 0-23. */
export function parseHour(raw: string): number | undefined {
  const m = /^(\d{1,2})(?::00)?(?:时|点)?(?:\s*-\s*\d{1,2}(?::00)?)?$/.exec(raw.trim());
  if (!m) return undefined;
  const h = Number(m[1]);
  return h >= 0 && h <= 23 ? h : undefined;
}

const MATCH: Record<string, MatchType> = {
  精确: 'exact',
  精确匹配: 'exact',
  exact: 'exact',
  短语: 'phrase',
  短语匹配: 'phrase',
  phrase: 'phrase',
  切词: 'broad',
  切词匹配: 'broad',
  广泛: 'broad',
  广泛匹配: 'broad',
  broad: 'broad',
};

export function parseMatchType(raw: string): MatchType | undefined {
  return MATCH[raw.trim()] ?? MATCH[raw.trim().toLowerCase()];
}
