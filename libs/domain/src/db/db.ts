import type { PoolClient } from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import { DataSource, QueryFailedError, type QueryRunner } from 'typeorm';

/** A connection that is either the pool or an open transaction. */
export type Tx = QueryRunner;

const PG_UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; driverError?: { code?: string; constraint?: string }; constraint?: string };
  const code = e?.driverError?.code ?? e?.code;
  const name = e?.driverError?.constraint ?? e?.constraint;
  return code === PG_UNIQUE_VIOLATION && (constraint === undefined || name === constraint);
}

/**
 * Thin SQL access over TypeORM's DataSource. Repositories write SQL by hand because every
 * statement must carry the tenant filter and hot paths are set-based (unnest arrays).
 */
export class Db {
  constructor(readonly dataSource: DataSource) {}

  async rows<T>(sql: string, params: unknown[] = [], tx?: Tx): Promise<T[]> {
    if (tx) return (await tx.query(sql, params, true)).records as T[];
    const runner = this.dataSource.createQueryRunner();
    try {
      return (await runner.query(sql, params, true)).records as T[];
    } finally {
      await runner.release();
    }
  }

  /**
   * `rows` as a named prepared statement: Postgres parses and plans it once per connection
   * instead of on every call (and switches to a generic plan once that is as good). For the
   * small statements a hot path runs thousands of times a second, where planning costs more
   * than executing. `name` must be unique to `sql`.
   */
  async prepared<T>(name: string, sql: string, params: unknown[], tx?: Tx): Promise<T[]> {
    const runner = tx ?? this.dataSource.createQueryRunner();
    try {
      const client = (await runner.connect()) as PoolClient;
      return (await client.query<T & Record<string, unknown>>({ name, text: sql, values: params })).rows;
    } catch (err) {
      throw new QueryFailedError(sql, params, err as Error);
    } finally {
      if (!tx) await runner.release();
    }
  }

  async one<T>(sql: string, params: unknown[] = [], tx?: Tx): Promise<T | null> {
    const r = await this.rows<T>(sql, params, tx);
    return r[0] ?? null;
  }

  /**
   * `COPY ... FROM STDIN` inside the transaction `tx`, streaming `lines` (already in COPY's text
   * format) in chunks: the fastest way into Postgres, used for bulk facts.
   */
  async copyFrom(sql: string, lines: string[], tx: Tx): Promise<void> {
    const client = (await tx.connect()) as PoolClient;
    const CHUNK = 2000;
    async function* chunks() {
      for (let i = 0; i < lines.length; i += CHUNK) yield lines.slice(i, i + CHUNK).join('');
    }
    await pipeline(Readable.from(chunks()), client.query(copyFromStdin(sql)));
  }

  /** Runs `fn` in a transaction; rolls back on any throw. */
  async tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      const result = await fn(runner);
      await runner.commitTransaction();
      return result;
    } catch (err) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw err;
    } finally {
      await runner.release();
    }
  }
}
