import type { HourlyStatRow } from '../repositories/stats.repository';
import type { Advertiser, KeywordStatus, Platform } from '../types';

/**
 * What the product needs from an ad platform, whichever it is. Kuaiche Pilot decides; an adapter
 * carries the decisions to the platform (bids, keyword statuses, creative serving weights) and
 * the platform's numbers back (the hourly keyword report). `platformFor` picks the adapter by
 * `advertisers.platform`.
 *
 * - `csv` (the real platform today, by hand): reports arrive by `POST /v1/stats/import` (the back
 *   end's keyword report export), and bid changes leave as a Kuaiche bulk-edit CSV
 *   (`GET /v1/plans/{id}/bid-export.csv`) that the seller uploads in the platform's back end. The
 *   worker has nothing to move: pushes do nothing, pulls return nothing.
 * - `sandbox`: a simulated Kuaiche market on libs/simulator, kept in this database
 *   (`SandboxPlatform`): it serves each hour at what it was pushed and reports it.
 *
 * Every call is idempotent (a retried job pushes or pulls again). A push for an older hour never
 * overwrites one for a newer hour. Pushes answer how many values changed on the platform.
 */
export interface PushedBid {
  keywordId: string;
  oldBidFen: number;
  newBidFen: number;
}

export interface PushedKeyword {
  keywordId: string;
  bidFen: number;
  status: KeywordStatus;
}

/** A report row as the platform gives it: the hourly fact without what the account resolves (plan, unit) or the platform does not report here (position). */
export type PulledRow = Omit<HourlyStatRow, 'planId' | 'unitId' | 'avgPosition'>;

export interface PlatformAdapter {
  readonly kind: Platform;
  /** Whether the worker syncs with it (pulls reports every hour, pushes decisions); false for `csv`, whose files the seller moves. */
  readonly syncs: boolean;
  /** The bids a run changed, in force from `hour`. */
  pushBids(advertiser: Advertiser, hour: Date, bids: PushedBid[]): Promise<number>;
  /** Keywords' bids and statuses as the account holds them (the seller's own edits reach the platform this way), in force from `hour`. */
  pushKeywords(advertiser: Advertiser, hour: Date, keywords: PushedKeyword[]): Promise<number>;
  /** A unit's creative serving weights (creative id -> share), in force from `hour`. */
  pushServingWeights(advertiser: Advertiser, hour: Date, unitId: string, weights: Record<string, number>): Promise<number>;
  /** The report rows for hours [from, to), the same rows however often asked. */
  pullHourly(advertiser: Advertiser, from: Date, to: Date): Promise<PulledRow[]>;
}

/** The CSV platform: both directions go through files the seller moves. */
export class CsvPlatform implements PlatformAdapter {
  readonly kind = 'csv' as const;
  readonly syncs = false;
  async pushBids(): Promise<number> {
    return 0;
  }
  async pushKeywords(): Promise<number> {
    return 0;
  }
  async pushServingWeights(): Promise<number> {
    return 0;
  }
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
