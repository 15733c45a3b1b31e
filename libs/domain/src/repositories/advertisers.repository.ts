import { Db, type Tx } from '../db/db';
import { type Advertiser, type Clock, type Platform } from '../types';

const COLS = `id, name, timezone, clock, platform, version, created_at AS "createdAt"`;

export class AdvertisersRepository {
  constructor(private readonly db: Db) {}

  async create(a: { id: string; name: string; timezone: string; clock: Clock; platform: Platform; apiKeyHash: Buffer }): Promise<Advertiser> {
    const row = await this.db.one<Advertiser>(
      `INSERT INTO advertisers (id, name, timezone, clock, platform, api_key_hash) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLS}`,
      [a.id, a.name, a.timezone, a.clock, a.platform, a.apiKeyHash],
    );
    return row!;
  }

  findByApiKeyHash(hash: Buffer): Promise<Advertiser | null> {
    return this.db.one<Advertiser>(`SELECT ${COLS} FROM advertisers WHERE api_key_hash = $1`, [hash]);
  }

  findById(id: string, tx?: Tx): Promise<Advertiser | null> {
    return this.db.one<Advertiser>(`SELECT ${COLS} FROM advertisers WHERE id = $1`, [id], tx);
  }

  /** Serializes writes that check an advertiser-wide limit (plans per account). */
  async lock(id: string, tx: Tx): Promise<void> {
    await this.db.rows(`SELECT 1 FROM advertisers WHERE id = $1 FOR UPDATE`, [id], tx);
  }
}
