import { Injectable } from '@nestjs/common';
import { AlertsService } from '../alerts/alerts.service';
import { Db, type Tx } from '../db/db';
import type { FieldError } from '../errors';
import { type HourlyStatRow, StatsRepository } from '../repositories/stats.repository';
import { HOUR_MS } from '../time';
import type { Advertiser } from '../types';

/** A checked stats row before it is matched to the account: no plan or unit yet. */
export type StatRowInput = Omit<HourlyStatRow, 'planId' | 'unitId'>;

export interface ResolvedRows {
  rows: HourlyStatRow[];
  /** Parallel to the input: the errors of each row, empty when it resolved. */
  errors: FieldError[][];
}

/**
 * The one way hourly rows enter the facts, whoever sends them (`POST /v1/stats/hourly`, the
 * worker's platform sync): matched to the account, written with both rollups under the
 * advertiser's stats lock in one transaction, then the alert rules queued for the hour after the
 * latest row.
 */
@Injectable()
export class StatsIngestion {
  constructor(
    private readonly db: Db,
    private readonly stats: StatsRepository,
    private readonly alerts: AlertsService,
  ) {}

  /**
   * Resolves checked rows against the account: the keyword must be the advertiser's, the
   * creative a creative of the keyword's unit, and a key may appear once per batch. Errors go
   * to `errors[i]`, under `paths[i]`.
   */
  async resolve(advertiserId: string, parsed: (StatRowInput | undefined)[], paths: string[], errors: FieldError[][]): Promise<ResolvedRows> {
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

  /**
   * Writes resolved rows in one transaction. `claim`, when given, runs first inside it (after the
   * lock): returning false writes nothing and commits whatever `claim` wrote, which is how a
   * sync logs a pull and the rows it brought in one commit, and a retried sync finds its log row
   * and adds nothing. Returns whether the rows were written.
   */
  async write(advertiser: Advertiser, rows: HourlyStatRow[], claim?: (tx: Tx) => Promise<boolean>): Promise<boolean> {
    if (rows.length === 0 && !claim) return true;
    const written = await this.db.tx(async (tx) => {
      await this.stats.lockAdvertiser(advertiser.id, tx);
      if (claim && !(await claim(tx))) return false;
      await this.stats.upsert(advertiser.id, advertiser.timezone, rows, tx);
      return true;
    });
    if (!written || rows.length === 0) return written;
    let latest = 0;
    for (const r of rows) latest = Math.max(latest, r.hour.getTime());
    await this.evaluateAfter(advertiser.id, latest);
    return true;
  }

  /**
   * After rows up to hour `latestHourMs` committed (here, or by the report import), off the ingest
   * path: queues the alert rules for the hour after it.
   */
  async evaluateAfter(advertiserId: string, latestHourMs: number): Promise<void> {
    await this.alerts.scheduleEvaluation(advertiserId, new Date(latestHourMs + HOUR_MS));
  }
}
