import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `bid_changes` takes up to a million rows an hour, and each index is paid on every row. Its two
 * indexes on the row id (the primary key on `id`, and `(advertiser_id, plan_id, id)` that every
 * read goes through) become one: the primary key is `(advertiser_id, plan_id, id)`, still unique
 * since `id` is. The `(run_id, keyword_id)` key stays: one change per keyword per run.
 */
export class BidChangesOneKey1763700000010 implements MigrationInterface {
  name = 'BidChangesOneKey1763700000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE UNIQUE INDEX bid_changes_plan_key ON bid_changes (advertiser_id, plan_id, id)`);
    await q.query(`ALTER TABLE bid_changes DROP CONSTRAINT bid_changes_pkey`);
    await q.query(`ALTER TABLE bid_changes ADD CONSTRAINT bid_changes_pkey PRIMARY KEY USING INDEX bid_changes_plan_key`);
    await q.query(`DROP INDEX bid_changes_plan_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX bid_changes_plan_idx ON bid_changes (advertiser_id, plan_id, id)`);
    await q.query(`ALTER TABLE bid_changes DROP CONSTRAINT bid_changes_pkey`);
    await q.query(`ALTER TABLE bid_changes ADD PRIMARY KEY (id)`);
  }
}
