import { Db, type Tx } from '../db/db';
import { type Creative } from '../types';

const COLS = `id, advertiser_id AS "advertiserId", plan_id AS "planId", unit_id AS "unitId", title, image_url AS "imageUrl",
  status, version, created_at AS "createdAt", updated_at AS "updatedAt"`;

export class CreativesRepository {
  constructor(private readonly db: Db) {}

  async insert(advertiserId: string, c: Pick<Creative, 'id' | 'planId' | 'unitId' | 'title' | 'imageUrl' | 'status'>, tx: Tx): Promise<Creative> {
    const row = await this.db.one<Creative>(
      `INSERT INTO creatives (id, advertiser_id, plan_id, unit_id, title, image_url, status) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLS}`,
      [c.id, advertiserId, c.planId, c.unitId, c.title, c.imageUrl, c.status],
      tx,
    );
    return row!;
  }

  async countLive(advertiserId: string, unitId: string, tx: Tx): Promise<number> {
    const r = await this.db.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM creatives WHERE advertiser_id = $1 AND unit_id = $2 AND status <> 'deleted'`,
      [advertiserId, unitId],
      tx,
    );
    return r!.n;
  }

  findById(advertiserId: string, id: string, tx?: Tx): Promise<Creative | null> {
    return this.db.one<Creative>(`SELECT ${COLS} FROM creatives WHERE advertiser_id = $1 AND id = $2`, [advertiserId, id], tx);
  }

  list(advertiserId: string, unitId: string, f: { status?: string; afterId?: string; limit: number }): Promise<Creative[]> {
    const params: unknown[] = [advertiserId, unitId];
    const where = ['advertiser_id = $1', 'unit_id = $2'];
    if (f.status) where.push(`status = $${params.push(f.status)}`);
    else where.push(`status <> 'deleted'`);
    if (f.afterId) where.push(`id > $${params.push(f.afterId)}`);
    return this.db.rows<Creative>(
      `SELECT ${COLS} FROM creatives WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${params.push(f.limit + 1)}`,
      params,
    );
  }

  update(advertiserId: string, c: Pick<Creative, 'id' | 'title' | 'imageUrl' | 'status'>, expectedVersion: number): Promise<Creative | null> {
    return this.db.one<Creative>(
      `UPDATE creatives SET title = $3, image_url = $4, status = $5, version = version + 1, updated_at = now()
       WHERE advertiser_id = $1 AND id = $2 AND version = $6 RETURNING ${COLS}`,
      [advertiserId, c.id, c.title, c.imageUrl, c.status, expectedVersion],
    );
  }
}
