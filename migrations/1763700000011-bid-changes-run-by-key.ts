import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `bid_changes` loses its `(run_id, keyword_id)` key: a million index entries an hour (about a
 * quarter of the audit INSERT's cost) for lookups the primary key already serves. An optimizer
 * run's rows have the run's id with an ordinal in the last 8 hex digits, so they are one range of
 * `(advertiser_id, plan_id, id)` (see `runRows`); one change per keyword per run is the run's own
 * doing (its UPDATE returns each keyword once).
 * Rows written before those ids (a random UUIDv7 each) are renumbered first, in their order, so
 * that every run's rows are in its range.
 */
export class BidChangesRunByKey1763700000011 implements MigrationInterface {
  name = 'BidChangesRunByKey1763700000011';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE bid_changes c SET id = (left(c.run_id::text, 28) || lpad(to_hex(n.i), 8, '0'))::uuid
      FROM (SELECT advertiser_id, plan_id, id, row_number() OVER (PARTITION BY run_id ORDER BY id) AS i
            FROM bid_changes WHERE run_id IS NOT NULL AND left(id::text, 28) <> left(run_id::text, 28)) n
      WHERE c.advertiser_id = n.advertiser_id AND c.plan_id = n.plan_id AND c.id = n.id`);
    await q.query(`ALTER TABLE bid_changes DROP CONSTRAINT bid_changes_run_id_keyword_id_key`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE bid_changes ADD CONSTRAINT bid_changes_run_id_keyword_id_key UNIQUE (run_id, keyword_id)`);
  }
}
