import { Db } from '../db/db';

export type IdempotencyClaim =
  | { kind: 'claimed' }
  | { kind: 'replay'; statusCode: number; response: unknown }
  | { kind: 'in_progress' }
  | { kind: 'mismatch' };

/** Idempotency-Key records live 24 h; an expired one is taken over by the next request. */
export class IdempotencyRepository {
  constructor(private readonly db: Db) {}

  async claim(scope: string, key: string, requestHash: string): Promise<IdempotencyClaim> {
    const claimed = await this.db.one(
      `INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)
       ON CONFLICT (scope, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, status_code = NULL, response = NULL, created_at = now()
         WHERE idempotency_keys.created_at < now() - interval '24 hours'
       RETURNING 1`,
      [scope, key, requestHash],
    );
    if (claimed) return { kind: 'claimed' };
    const row = await this.db.one<{ requestHash: string; statusCode: number | null; response: unknown }>(
      `SELECT request_hash AS "requestHash", status_code AS "statusCode", response FROM idempotency_keys WHERE scope = $1 AND key = $2`,
      [scope, key],
    );
    if (!row) return this.claim(scope, key, requestHash);
    if (row.requestHash !== requestHash) return { kind: 'mismatch' };
    if (row.statusCode === null) return { kind: 'in_progress' };
    return { kind: 'replay', statusCode: row.statusCode, response: row.response };
  }

  async complete(scope: string, key: string, statusCode: number, response: unknown): Promise<void> {
    await this.db.rows(`UPDATE idempotency_keys SET status_code = $3, response = $4 WHERE scope = $1 AND key = $2`, [
      scope,
      key,
      statusCode,
      JSON.stringify(response ?? null),
    ]);
  }

  /** A request that failed leaves nothing behind, so the client may retry with the same key. */
  async release(scope: string, key: string): Promise<void> {
    await this.db.rows(`DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status_code IS NULL`, [scope, key]);
  }

  async purgeExpired(): Promise<number> {
    const rows = await this.db.rows(`DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours' RETURNING 1`);
    return rows.length;
  }
}
