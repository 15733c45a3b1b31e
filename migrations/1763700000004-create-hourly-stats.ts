import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hourly performance facts, one row per (keyword, creative or none, hour), partitioned by
 * month. A DEFAULT partition catches any hour outside the monthly partitions so an ingestion
 * never fails for lack of one; `kuaiche_ensure_stats_partition(month)` creates a month ahead of
 * use and moves rows the default partition may hold for it. Rows without a creative use the nil
 * UUID so the key can be a primary key.
 */
export class CreateHourlyStats1763700000004 implements MigrationInterface {
  name = 'CreateHourlyStats1763700000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE keyword_stats_hourly (
        advertiser_id uuid NOT NULL,
        plan_id       uuid NOT NULL,
        unit_id       uuid NOT NULL,
        keyword_id    uuid NOT NULL,
        creative_id   uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000',
        hour          timestamptz NOT NULL,
        impressions   bigint NOT NULL CHECK (impressions >= 0),
        clicks        bigint NOT NULL CHECK (clicks >= 0 AND clicks <= impressions),
        cost_fen      bigint NOT NULL CHECK (cost_fen >= 0),
        orders        bigint NOT NULL CHECK (orders >= 0),
        gmv_fen       bigint NOT NULL CHECK (gmv_fen >= 0),
        avg_position  double precision CHECK (avg_position > 0),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (advertiser_id, keyword_id, creative_id, hour)
      ) PARTITION BY RANGE (hour)`);
    await q.query(`CREATE TABLE keyword_stats_hourly_default PARTITION OF keyword_stats_hourly DEFAULT`);
    await q.query(`CREATE INDEX keyword_stats_hourly_plan_hour_idx ON keyword_stats_hourly (advertiser_id, plan_id, hour)`);
    await q.query(`CREATE INDEX keyword_stats_hourly_unit_hour_idx ON keyword_stats_hourly (advertiser_id, unit_id, hour)`);

    // Creates the partition for the month holding `month` if missing. Rows that landed in the
    // default partition for that month are moved into it, so creating a partition late is safe.
    await q.query(`
      CREATE FUNCTION kuaiche_ensure_stats_partition(month date) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        lo timestamptz := date_trunc('month', month::timestamp) AT TIME ZONE 'UTC';
        hi timestamptz := (date_trunc('month', month::timestamp) + interval '1 month') AT TIME ZONE 'UTC';
        part text := 'keyword_stats_hourly_' || to_char(month, 'YYYYMM');
      BEGIN
        IF to_regclass(part) IS NOT NULL THEN RETURN; END IF;
        PERFORM pg_advisory_xact_lock(hashtext(part));
        IF to_regclass(part) IS NOT NULL THEN RETURN; END IF;
        EXECUTE format('CREATE TABLE %I (LIKE keyword_stats_hourly INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
        EXECUTE format('WITH moved AS (DELETE FROM keyword_stats_hourly_default WHERE hour >= %L AND hour < %L RETURNING *) INSERT INTO %I SELECT * FROM moved', lo, hi, part);
        EXECUTE format('ALTER TABLE keyword_stats_hourly ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
      END $$`);
    // Months around the present; the app creates later ones ahead of use.
    await q.query(`SELECT kuaiche_ensure_stats_partition(m::date)
                   FROM generate_series(date_trunc('month', now()) - interval '24 months', date_trunc('month', now()) + interval '12 months', interval '1 month') AS m`);

    // Day-level rollup per keyword and creative, in the advertiser's budget day (its timezone):
    // keyword/unit/creative/plan reports by day read this instead of 24x as many hourly rows.
    await q.query(`
      CREATE TABLE keyword_stats_daily (
        advertiser_id uuid NOT NULL,
        plan_id       uuid NOT NULL,
        unit_id       uuid NOT NULL,
        keyword_id    uuid NOT NULL,
        creative_id   uuid NOT NULL,
        day           date NOT NULL,
        impressions   bigint NOT NULL,
        clicks        bigint NOT NULL,
        cost_fen      bigint NOT NULL,
        orders        bigint NOT NULL,
        gmv_fen       bigint NOT NULL,
        PRIMARY KEY (advertiser_id, keyword_id, creative_id, day)
      )`);
    await q.query(`CREATE INDEX keyword_stats_daily_plan_day_idx ON keyword_stats_daily (advertiser_id, plan_id, day)`);
    await q.query(`CREATE INDEX keyword_stats_daily_unit_day_idx ON keyword_stats_daily (advertiser_id, unit_id, day)`);

    // Hour-level rollup per plan: spend so far today (pacing, budget alerts) and plan reports.
    await q.query(`
      CREATE TABLE plan_stats_hourly (
        advertiser_id uuid NOT NULL,
        plan_id       uuid NOT NULL,
        hour          timestamptz NOT NULL,
        impressions   bigint NOT NULL,
        clicks        bigint NOT NULL,
        cost_fen      bigint NOT NULL,
        orders        bigint NOT NULL,
        gmv_fen       bigint NOT NULL,
        PRIMARY KEY (advertiser_id, plan_id, hour)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE plan_stats_hourly`);
    await q.query(`DROP TABLE keyword_stats_daily`);
    await q.query(`DROP TABLE keyword_stats_hourly`);
    await q.query(`DROP FUNCTION kuaiche_ensure_stats_partition(date)`);
  }
}
