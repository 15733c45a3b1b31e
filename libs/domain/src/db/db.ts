import { DataSource, type QueryRunner } from 'typeorm';

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

  async one<T>(sql: string, params: unknown[] = [], tx?: Tx): Promise<T | null> {
    const r = await this.rows<T>(sql, params, tx);
    return r[0] ?? null;
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
