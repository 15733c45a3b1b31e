import type { MigrationInterface, QueryRunner } from 'typeorm';

const SUMS = 'sum(impressions), sum(clicks), sum(cost_fen), sum(orders), sum(gmv_fen)';
const METRICS = `impressions bigint NOT NULL, clicks bigint NOT NULL, cost_fen bigint NOT NULL, orders bigint NOT NULL, gmv_fen bigint NOT NULL`;

/**
 * Splits the day rollup in two so that each report reads its rows without grouping:
 * `keyword_stats_daily` becomes one row per (keyword, budget day) over every creative, and
 * `creative_stats_daily` holds one row per (creative, budget day). A 30-day keyword report of a
 * 10,000-keyword plan then reads 300,000 ready rows instead of regrouping them per request.
 *
 * Unit indexes are gone from the facts and the keyword-day rollup: every write paid for them,
 * and unit-filtered reads now go through the (advertiser, plan, time) indexes with the unit's
 * plan (units never change plans).
 */
export class SplitDailyRollups1763700000005 implements MigrationInterface {
  name = 'SplitDailyRollups1763700000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE keyword_stats_daily_v2 (
        advertiser_id uuid NOT NULL, plan_id uuid NOT NULL, unit_id uuid NOT NULL, keyword_id uuid NOT NULL, day date NOT NULL,
        ${METRICS},
        PRIMARY KEY (advertiser_id, keyword_id, day)
      )`);
    await q.query(`
      INSERT INTO keyword_stats_daily_v2
      SELECT advertiser_id, plan_id, unit_id, keyword_id, day, ${SUMS}
      FROM keyword_stats_daily GROUP BY advertiser_id, plan_id, unit_id, keyword_id, day`);
    await q.query(`
      CREATE TABLE creative_stats_daily (
        advertiser_id uuid NOT NULL, plan_id uuid NOT NULL, unit_id uuid NOT NULL, creative_id uuid NOT NULL, day date NOT NULL,
        ${METRICS},
        PRIMARY KEY (advertiser_id, creative_id, day)
      )`);
    await q.query(`
      INSERT INTO creative_stats_daily
      SELECT advertiser_id, plan_id, unit_id, creative_id, day, ${SUMS}
      FROM keyword_stats_daily WHERE creative_id <> '00000000-0000-0000-0000-000000000000'
      GROUP BY advertiser_id, plan_id, unit_id, creative_id, day`);
    await q.query(`DROP TABLE keyword_stats_daily`);
    await q.query(`ALTER TABLE keyword_stats_daily_v2 RENAME TO keyword_stats_daily`);
    await q.query(`ALTER TABLE keyword_stats_daily RENAME CONSTRAINT keyword_stats_daily_v2_pkey TO keyword_stats_daily_pkey`);
    await q.query(`CREATE INDEX keyword_stats_daily_plan_day_idx ON keyword_stats_daily (advertiser_id, plan_id, day)`);
    await q.query(`CREATE INDEX creative_stats_daily_plan_day_idx ON creative_stats_daily (advertiser_id, plan_id, day)`);
    await q.query(`DROP INDEX keyword_stats_hourly_unit_hour_idx`);
    // Every ingested hour adds to rows of these rollups: with room on each page the additions are
    // HOT updates (the sums are in no index) instead of new entries in every index.
    for (const t of ['keyword_stats_daily', 'creative_stats_daily', 'plan_stats_hourly']) await q.query(`ALTER TABLE ${t} SET (fillfactor = 50)`);
  }

  /** Rebuilds the single keyword-and-creative day rollup from the hourly facts, exactly. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE plan_stats_hourly RESET (fillfactor)`);
    await q.query(`CREATE INDEX keyword_stats_hourly_unit_hour_idx ON keyword_stats_hourly (advertiser_id, unit_id, hour)`);
    await q.query(`DROP TABLE creative_stats_daily`);
    await q.query(`DROP TABLE keyword_stats_daily`);
    await q.query(`
      CREATE TABLE keyword_stats_daily (
        advertiser_id uuid NOT NULL, plan_id uuid NOT NULL, unit_id uuid NOT NULL, keyword_id uuid NOT NULL, creative_id uuid NOT NULL, day date NOT NULL,
        ${METRICS},
        PRIMARY KEY (advertiser_id, keyword_id, creative_id, day)
      )`);
    await q.query(`
      INSERT INTO keyword_stats_daily
      SELECT s.advertiser_id, s.plan_id, s.unit_id, s.keyword_id, s.creative_id, (s.hour AT TIME ZONE a.timezone)::date, ${SUMS.replace(/sum\(/g, 'sum(s.')}
      FROM keyword_stats_hourly s JOIN advertisers a ON a.id = s.advertiser_id
      GROUP BY s.advertiser_id, s.plan_id, s.unit_id, s.keyword_id, s.creative_id, (s.hour AT TIME ZONE a.timezone)::date`);
    await q.query(`CREATE INDEX keyword_stats_daily_plan_day_idx ON keyword_stats_daily (advertiser_id, plan_id, day)`);
    await q.query(`CREATE INDEX keyword_stats_daily_unit_day_idx ON keyword_stats_daily (advertiser_id, unit_id, day)`);
  }
}
