import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Idempotency-Key records for POST: the first response is kept 24 h and replayed.
 * `scope` is the advertiser id (or 'admin'), so two tenants may use the same key.
 */
export class CreateIdempotencyKeys1763700000003 implements MigrationInterface {
  name = 'CreateIdempotencyKeys1763700000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_keys (
        scope        text NOT NULL,
        key          text NOT NULL,
        request_hash text NOT NULL,
        status_code  integer,
        response     jsonb,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
  }
}
