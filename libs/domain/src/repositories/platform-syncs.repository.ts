import type { Db, Tx } from '../db/db';
import { newId } from '../ids';
import { runRows } from './optimization.repository';
import type { PushedBid, PushedKeyword } from '../platform/platform-adapter';

export type SyncKind = 'pull' | 'push';
export type SyncSubject = 'report' | 'bids' | 'keywords' | 'weights';

export interface SyncEntry {
  kind: SyncKind;
  subject: SyncSubject;
  /** pull: the hour the rows are for; push: the hour the values are in force from. */
  hour: Date;
  planId?: string | null;
  unitId?: string | null;
  rows: number;
}

/** The platform sync log (`platform_syncs`) and what the syncs read from the account. */
export class PlatformSyncsRepository {
  constructor(private readonly db: Db) {}

  /** Logs a sync once: false when (advertiser, kind, subject, hour, plan, unit) was logged already. */
  async log(advertiserId: string, e: SyncEntry, tx?: Tx): Promise<boolean> {
    const r = await this.db.rows(
      `INSERT INTO platform_syncs (id, advertiser_id, kind, subject, hour, plan_id, unit_id, rows) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [newId(), advertiserId, e.kind, e.subject, e.hour.toISOString(), e.planId ?? null, e.unitId ?? null, e.rows],
      tx,
    );
    return r.length > 0;
  }

  async logged(advertiserId: string, kind: SyncKind, subject: SyncSubject, hour: Date): Promise<boolean> {
    const r = await this.db.one(
      `SELECT 1 FROM platform_syncs WHERE advertiser_id = $1 AND kind = $2 AND subject = $3 AND hour = $4 AND plan_id IS NULL AND unit_id IS NULL`,
      [advertiserId, kind, subject, hour.toISOString()],
    );
    return r !== null;
  }

  /** The bid changes one optimization run made. */
  runBids(advertiserId: string, runId: string): Promise<PushedBid[]> {
    return this.db.rows<PushedBid>(
      `SELECT c.keyword_id AS "keywordId", c.old_bid_fen AS "oldBidFen", c.new_bid_fen AS "newBidFen"
       FROM optimization_runs r JOIN bid_changes c ON c.advertiser_id = r.advertiser_id AND c.plan_id = r.plan_id AND ${runRows('c', 'r.id')}
       WHERE r.advertiser_id = $1 AND r.id = $2 ORDER BY c.keyword_id`,
      [advertiserId, runId],
    );
  }

  /** Every keyword's bid and status as the account holds them (deleted ones included: the platform must learn of the deletion). */
  keywordStates(advertiserId: string): Promise<PushedKeyword[]> {
    return this.db.rows<PushedKeyword>(`SELECT id AS "keywordId", bid_fen AS "bidFen", status FROM keywords WHERE advertiser_id = $1 ORDER BY id`, [advertiserId]);
  }
}
