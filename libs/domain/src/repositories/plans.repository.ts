import { Db, type Tx } from '../db/db';
import { type Plan, type PlanStatus, type PlanType } from '../types';

export const PLAN_COLS = `id, advertiser_id AS "advertiserId", name, type, status, daily_budget_fen AS "dailyBudgetFen",
  target_roi AS "targetRoi", bid_strategy AS "bidStrategy", min_bid_fen AS "minBidFen", max_bid_fen AS "maxBidFen",
  schedule, promo, version, created_at AS "createdAt", updated_at AS "updatedAt"`;

export type PlanWrite = Omit<Plan, 'advertiserId' | 'version' | 'createdAt' | 'updatedAt'>;

export interface PlanFilter {
  status?: PlanStatus;
  type?: PlanType;
  afterId?: string;
  limit: number;
}

export class PlansRepository {
  constructor(private readonly db: Db) {}

  async insert(advertiserId: string, p: PlanWrite, tx: Tx): Promise<Plan> {
    const row = await this.db.one<Plan>(
      `INSERT INTO plans (id, advertiser_id, name, type, status, daily_budget_fen, target_roi, bid_strategy, min_bid_fen, max_bid_fen, schedule, promo)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${PLAN_COLS}`,
      [p.id, advertiserId, p.name, p.type, p.status, p.dailyBudgetFen, p.targetRoi, p.bidStrategy, p.minBidFen, p.maxBidFen,
        p.schedule === null ? null : JSON.stringify(p.schedule), p.promo === null ? null : JSON.stringify(p.promo)],
      tx,
    );
    return row!;
  }

  async countLive(advertiserId: string, tx: Tx): Promise<number> {
    const r = await this.db.one<{ n: number }>(`SELECT count(*)::int AS n FROM plans WHERE advertiser_id = $1 AND status <> 'archived'`, [advertiserId], tx);
    return r!.n;
  }

  findById(advertiserId: string, id: string, tx?: Tx, forUpdate = false): Promise<Plan | null> {
    return this.db.one<Plan>(
      `SELECT ${PLAN_COLS} FROM plans WHERE advertiser_id = $1 AND id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
      [advertiserId, id],
      tx,
    );
  }

  list(advertiserId: string, f: PlanFilter): Promise<Plan[]> {
    const params: unknown[] = [advertiserId];
    const where = ['advertiser_id = $1'];
    if (f.status) where.push(`status = $${params.push(f.status)}`);
    else where.push(`status <> 'archived'`);
    if (f.type) where.push(`type = $${params.push(f.type)}`);
    if (f.afterId) where.push(`id > $${params.push(f.afterId)}`);
    return this.db.rows<Plan>(
      `SELECT ${PLAN_COLS} FROM plans WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${params.push(f.limit + 1)}`,
      params,
    );
  }

  /** Writes the whole mutable state if the version is still `expectedVersion`; null otherwise. */
  update(advertiserId: string, p: PlanWrite, expectedVersion: number, tx: Tx, archive = false): Promise<Plan | null> {
    return this.db.one<Plan>(
      `UPDATE plans SET name = $3, status = $4, daily_budget_fen = $5, target_roi = $6, bid_strategy = $7, min_bid_fen = $8,
         max_bid_fen = $9, schedule = $10, promo = $11, version = version + 1, updated_at = now(),
         archived_at = CASE WHEN $13 THEN now() ELSE archived_at END
       WHERE advertiser_id = $1 AND id = $2 AND version = $12 RETURNING ${PLAN_COLS}`,
      [advertiserId, p.id, p.name, p.status, p.dailyBudgetFen, p.targetRoi, p.bidStrategy, p.minBidFen, p.maxBidFen,
        p.schedule === null ? null : JSON.stringify(p.schedule), p.promo === null ? null : JSON.stringify(p.promo), expectedVersion, archive],
      tx,
    );
  }
}
