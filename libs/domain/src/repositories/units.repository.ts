import { Db, type Tx } from '../db/db';
import { type PlanStatus, type Unit, type UnitStatus } from '../types';

export const UNIT_COLS = `u.id, u.advertiser_id AS "advertiserId", u.plan_id AS "planId", u.name, u.sku_id AS "skuId",
  u.sku_price_fen AS "skuPriceFen", u.status, u.version, u.created_at AS "createdAt", u.updated_at AS "updatedAt"`;

/** A unit with what keyword writes must check against: its plan's status and bid range. */
export interface UnitWithPlan extends Unit {
  planStatus: PlanStatus;
  minBidFen: number;
  maxBidFen: number;
}

export class UnitsRepository {
  constructor(private readonly db: Db) {}

  async insert(advertiserId: string, u: Omit<Unit, 'advertiserId' | 'version' | 'createdAt' | 'updatedAt'>, tx: Tx): Promise<Unit> {
    const row = await this.db.one<Unit>(
      `INSERT INTO units AS u (id, advertiser_id, plan_id, name, sku_id, sku_price_fen, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${UNIT_COLS}`,
      [u.id, advertiserId, u.planId, u.name, u.skuId, u.skuPriceFen, u.status],
      tx,
    );
    return row!;
  }

  async countLive(advertiserId: string, planId: string, tx: Tx): Promise<number> {
    const r = await this.db.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM units WHERE advertiser_id = $1 AND plan_id = $2 AND status <> 'archived'`,
      [advertiserId, planId],
      tx,
    );
    return r!.n;
  }

  findById(advertiserId: string, id: string, tx?: Tx): Promise<Unit | null> {
    return this.db.one<Unit>(`SELECT ${UNIT_COLS} FROM units u WHERE u.advertiser_id = $1 AND u.id = $2`, [advertiserId, id], tx);
  }

  /**
   * Locks the units (in id order, so concurrent writers cannot deadlock) for the length of the
   * transaction: per-unit limits are counted under the lock.
   */
  lockWithPlans(advertiserId: string, ids: string[], tx: Tx): Promise<UnitWithPlan[]> {
    return this.db.rows<UnitWithPlan>(
      `SELECT ${UNIT_COLS}, p.status AS "planStatus", p.min_bid_fen AS "minBidFen", p.max_bid_fen AS "maxBidFen"
       FROM units u JOIN plans p ON p.advertiser_id = u.advertiser_id AND p.id = u.plan_id
       WHERE u.advertiser_id = $1 AND u.id = ANY($2::uuid[]) ORDER BY u.id FOR UPDATE OF u`,
      [advertiserId, ids],
      tx,
    );
  }

  list(advertiserId: string, planId: string, f: { status?: UnitStatus; afterId?: string; limit: number }): Promise<Unit[]> {
    const params: unknown[] = [advertiserId, planId];
    const where = ['u.advertiser_id = $1', 'u.plan_id = $2'];
    if (f.status) where.push(`u.status = $${params.push(f.status)}`);
    else where.push(`u.status <> 'archived'`);
    if (f.afterId) where.push(`u.id > $${params.push(f.afterId)}`);
    return this.db.rows<Unit>(
      `SELECT ${UNIT_COLS} FROM units u WHERE ${where.join(' AND ')} ORDER BY u.id LIMIT $${params.push(f.limit + 1)}`,
      params,
    );
  }

  update(advertiserId: string, u: Pick<Unit, 'id' | 'name' | 'skuId' | 'skuPriceFen' | 'status'>, expectedVersion: number, tx: Tx): Promise<Unit | null> {
    return this.db.one<Unit>(
      `UPDATE units u SET name = $3, sku_id = $4, sku_price_fen = $5, status = $6, version = version + 1, updated_at = now()
       WHERE u.advertiser_id = $1 AND u.id = $2 AND u.version = $7 RETURNING ${UNIT_COLS}`,
      [advertiserId, u.id, u.name, u.skuId, u.skuPriceFen, u.status, expectedVersion],
      tx,
    );
  }
}
