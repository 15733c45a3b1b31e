/**
 * What the product needs from an ad platform, whichever it is: hand over the bids a run changed,
 * and fetch the hourly keyword report. Kuaiche Pilot decides; an adapter carries the decisions
 * to the platform and the platform's numbers back.
 *
 * - `csv` (the real path here): reports arrive by `POST /v1/stats/import` (the back end's
 *   keyword report export), and bid changes leave as a Kuaiche bulk-edit CSV
 *   (`GET /v1/plans/{id}/bid-export.csv`) that the seller uploads in the platform's back end.
 * - `sandbox`: libs/simulator's market (the demo's `scripts/demo/drive.ts` implements it), which
 *   serves the hour at the pushed bids and reports it, late orders included.
 */
export interface PushedBid {
  keywordId: string;
  oldBidFen: number;
  newBidFen: number;
}

export interface PulledRow {
  keywordId: string;
  /** UTC instant at a whole hour. */
  hour: Date;
  impressions: number;
  clicks: number;
  costFen: number;
  orders: number;
  gmvFen: number;
}

export interface PlatformAdapter {
  readonly kind: 'csv' | 'sandbox';
  /** Hands the bids a run changed to the platform (for `csv`: nothing to do, the seller downloads them). */
  pushBids(advertiserId: string, planId: string, bids: PushedBid[]): Promise<void>;
  /** The report rows for hours [from, to), re-sent rows included (for `csv`: none, they are imported). */
  pullHourly(advertiserId: string, from: Date, to: Date): Promise<PulledRow[]>;
}

/** The CSV platform: both directions go through files the seller moves. */
export class CsvPlatform implements PlatformAdapter {
  readonly kind = 'csv' as const;
  async pushBids(): Promise<void> {}
  async pullHourly(): Promise<PulledRow[]> {
    return [];
  }
}

const MATCH_ZH: Record<string, string> = { exact: '精确匹配', phrase: '短语匹配', broad: '广泛匹配' };

/** One row of the Kuaiche bulk-edit sheet: the keyword as the back end names it, and its new bid. */
export interface BidExportRow {
  planName: string;
  unitName: string;
  text: string;
  matchType: string;
  oldBidFen: number;
  newBidFen: number;
  hour: string;
  summary: string;
}

const cell = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/**
 * The bulk-edit CSV (UTF-8 with BOM, for Excel and the back end's uploader): 计划名称, 单元名称,
 * 关键词, 匹配方式 (the back end's words), 出价 (the new bid, CNY); then 原出价, 调整时段 and 调整原因 for
 * the seller's review, which the uploader ignores.
 */
export function bidExportCsv(rows: BidExportRow[]): string {
  const head = ['计划名称', '单元名称', '关键词', '匹配方式', '出价', '原出价', '调整时段', '调整原因'];
  const lines = rows.map((r) =>
    [r.planName, r.unitName, r.text, MATCH_ZH[r.matchType] ?? r.matchType, (r.newBidFen / 100).toFixed(2), (r.oldBidFen / 100).toFixed(2), r.hour, r.summary].map(cell).join(','),
  );
  return `\uFEFF${[head.join(','), ...lines].join('\r\n')}\r\n`;
}
