import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which ad platform each advertiser is on, the sandbox market's own tables, and the sync log.
 * - `advertisers.platform`: `csv` (reports imported, bids downloaded as the bulk-edit sheet) or
 *   `sandbox` (a simulated Kuaiche that the worker pulls from and pushes to). Accounts that exist
 *   now got their data by API or import, so they are `csv`. The column default stays `csv` for
 *   rows written straight into the table (benchmarks, tools): the API's default for a new
 *   advertiser is `sandbox` (`DEFAULT_PLATFORM`), the one place that chooses for a seller.
 * - `sandbox_keywords`: what the sandbox was told of each keyword (its bid and status), the hour
 *   it was told for (`as_of`: a retried push for an older hour never overwrites a newer one), and
 *   `anchor_bid_fen`, the price level its hidden market is built around, fixed when the sandbox
 *   first heard of the keyword.
 * - `sandbox_serving_weights`: the creative weights pushed per unit.
 * - `sandbox_hours`: the hours the sandbox has served, with each plan's spend and budget stop
 *   (its own ledger: the budget stop reads it, never our stats), and `sandbox_reports`, the rows
 *   it served, so a retried pull answers the same rows.
 * - `platform_syncs`: one row per pull or push per advertiser, subject, hour and plan/unit, for
 *   operators; its key is what makes a retried sync a no-op.
 */
export class AddAdvertiserPlatform1763700000009 implements MigrationInterface {
  name = 'AddAdvertiserPlatform1763700000009';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE advertisers ADD COLUMN platform text NOT NULL DEFAULT 'csv' CHECK (platform IN ('sandbox', 'csv'))`);

    await q.query(`
      CREATE TABLE sandbox_keywords (
        advertiser_id  uuid NOT NULL,
        keyword_id     uuid NOT NULL,
        plan_id        uuid NOT NULL,
        bid_fen        bigint NOT NULL CHECK (bid_fen > 0),
        status         text NOT NULL CHECK (status IN ('active', 'paused', 'deleted')),
        anchor_bid_fen bigint NOT NULL CHECK (anchor_bid_fen > 0),
        as_of          timestamptz NOT NULL,
        pushed_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (advertiser_id, keyword_id)
      )`);

    await q.query(`
      CREATE TABLE sandbox_serving_weights (
        advertiser_id uuid NOT NULL,
        unit_id       uuid NOT NULL,
        weights       jsonb NOT NULL,
        as_of         timestamptz NOT NULL,
        pushed_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (advertiser_id, unit_id)
      )`);

    await q.query(`
      CREATE TABLE sandbox_hours (
        advertiser_id uuid NOT NULL,
        hour          timestamptz NOT NULL,
        budget_day    date NOT NULL,
        -- { "<planId>": { "costFen": n, "darkAt": local hour (fractional) the budget stop hit, or null } }
        plans         jsonb NOT NULL,
        served_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (advertiser_id, hour)
      )`);
    await q.query(`CREATE INDEX sandbox_hours_day_idx ON sandbox_hours (advertiser_id, budget_day)`);

    await q.query(`
      CREATE TABLE sandbox_reports (
        advertiser_id uuid NOT NULL,
        hour          timestamptz NOT NULL,
        keyword_id    uuid NOT NULL,
        -- The nil UUID for rows of units without serving weights.
        creative_id   uuid NOT NULL,
        plan_id       uuid NOT NULL,
        impressions   bigint NOT NULL,
        clicks        bigint NOT NULL,
        cost_fen      bigint NOT NULL,
        orders        bigint NOT NULL,
        gmv_fen       bigint NOT NULL,
        PRIMARY KEY (advertiser_id, hour, keyword_id, creative_id)
      )`);

    await q.query(`
      CREATE TABLE platform_syncs (
        id            uuid PRIMARY KEY,
        advertiser_id uuid NOT NULL,
        kind          text NOT NULL CHECK (kind IN ('pull', 'push')),
        subject       text NOT NULL CHECK (subject IN ('report', 'bids', 'keywords', 'weights')),
        -- pull: the hour the report rows are for; push: the hour the values are in force from.
        hour          timestamptz NOT NULL,
        plan_id       uuid,
        unit_id       uuid,
        -- report: rows pulled; bids: the run's changes sent; weights: creatives sent; keywords:
        -- keywords whose bid or status changed on the platform.
        rows          integer NOT NULL CHECK (rows >= 0),
        created_at    timestamptz NOT NULL DEFAULT now(),
        CHECK ((kind = 'pull') = (subject = 'report'))
      )`);
    // One row per (advertiser, kind, subject, hour, plan, unit), absent plan and unit included
    // (an expression index rather than UNIQUE NULLS NOT DISTINCT, which needs PostgreSQL 15).
    await q.query(`
      CREATE UNIQUE INDEX platform_syncs_key ON platform_syncs (advertiser_id, kind, subject, hour,
        coalesce(plan_id, '00000000-0000-0000-0000-000000000000'), coalesce(unit_id, '00000000-0000-0000-0000-000000000000'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE platform_syncs`);
    await q.query(`DROP TABLE sandbox_reports`);
    await q.query(`DROP TABLE sandbox_hours`);
    await q.query(`DROP TABLE sandbox_serving_weights`);
    await q.query(`DROP TABLE sandbox_keywords`);
    await q.query(`ALTER TABLE advertisers DROP COLUMN platform`);
  }
}
