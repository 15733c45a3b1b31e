import { Db, type Tx } from '../db/db';
import { type NegativeKeyword } from '../types';

const COLS = `id, advertiser_id AS "advertiserId", plan_id AS "planId", unit_id AS "unitId", text, match_type AS "matchType", created_at AS "createdAt"`;

export class NegativeKeywordsRepository {
  constructor(private readonly db: Db) {}

  /** Null when the unit already excludes this text with this match type. */
  insert(advertiserId: string, n: Omit<NegativeKeyword, 'advertiserId' | 'createdAt'>, tx?: Tx): Promise<NegativeKeyword | null> {
    return this.db.one<NegativeKeyword>(
      `INSERT INTO negative_keywords (id, advertiser_id, plan_id, unit_id, text, match_type) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (unit_id, text, match_type) DO NOTHING RETURNING ${COLS}`,
      [n.id, advertiserId, n.planId, n.unitId, n.text, n.matchType],
      tx,
    );
  }

  list(advertiserId: string, unitId: string, f: { afterId?: string; limit: number }): Promise<NegativeKeyword[]> {
    const params: unknown[] = [advertiserId, unitId];
    const after = f.afterId ? ` AND id > $${params.push(f.afterId)}` : '';
    return this.db.rows<NegativeKeyword>(
      `SELECT ${COLS} FROM negative_keywords WHERE advertiser_id = $1 AND unit_id = $2${after} ORDER BY id LIMIT $${params.push(f.limit + 1)}`,
      params,
    );
  }

  async delete(advertiserId: string, id: string): Promise<boolean> {
    const rows = await this.db.rows(`DELETE FROM negative_keywords WHERE advertiser_id = $1 AND id = $2 RETURNING id`, [advertiserId, id]);
    return rows.length === 1;
  }
}
