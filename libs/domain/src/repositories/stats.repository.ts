import type { Db, Tx } from '../db/db';

/** Rows without a creative are stored under the nil UUID so the key can be a primary key. */
export const NO_CREATIVE = '00000000-0000-0000-0000-000000000000';

export interface HourlyStatRow {
  planId: string;
  unitId: string;
  keywordId: string;
  creativeId: string | null;
  /** UTC instant at a whole hour. */
  hour: Date;
  impressions: number;
  clicks: number;
  costFen: number;
  orders: number;
  gmvFen: number;
  avgPosition: number | null;
}

export interface KeywordRef {
  id: string;
  planId: string;
  unitId: string;
}

/** First days of the months from the batch's earliest hour to its latest (one Date each, not one per row). */
function monthsOf(rows: HourlyStatRow[]): string[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rows) {
    const t = r.hour.getTime();
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  const months: string[] = [];
  const end = new Date(hi);
  for (let d = new Date(Date.UTC(new Date(lo).getUTCFullYear(), new Date(lo).getUTCMonth(), 1)); d <= end; d.setUTCMonth(d.getUTCMonth() + 1)) {
    months.push(d.toISOString().slice(0, 10));
  }
  return months;
}

/**
 * The hourly fact table and its two rollups (keyword-day in the advertiser's timezone,
 * plan-hour). A re-sent key replaces its row, and the rollups move by exactly the difference:
 * one statement reads the old rows, upserts the new ones and adds the deltas. Writers of one
 * advertiser are serialized by an advisory lock, so the old rows read are the rows replaced.
 */
export class StatsRepository {
  constructor(private readonly db: Db) {}

  async lockAdvertiser(advertiserId: string, tx: Tx): Promise<void> {
    await this.db.rows(`SELECT pg_advisory_xact_lock(hashtext('stats:' || $1))`, [advertiserId], tx);
  }

  async ensurePartitions(rows: HourlyStatRow[], tx: Tx): Promise<void> {
    await this.db.rows(`SELECT kuaiche_ensure_stats_partition(m) FROM unnest($1::date[]) AS m`, [monthsOf(rows)], tx);
  }

  /** Upserts a batch (keys must be distinct within it). Call under lockAdvertiser. */
  async upsert(advertiserId: string, timezone: string, rows: HourlyStatRow[], tx: Tx): Promise<void> {
    if (rows.length === 0) return;
    await this.ensurePartitions(rows, tx);
    await this.db.rows(
      `WITH input AS (
         SELECT * FROM unnest($3::uuid[], $4::uuid[], $5::uuid[], $6::uuid[], $7::timestamptz[], $8::bigint[], $9::bigint[],
                              $10::bigint[], $11::bigint[], $12::bigint[], $13::float8[])
           AS t(plan_id, unit_id, keyword_id, creative_id, hour, impressions, clicks, cost_fen, orders, gmv_fen, avg_position)
       ),
       upserted AS (
         INSERT INTO keyword_stats_hourly AS s (advertiser_id, plan_id, unit_id, keyword_id, creative_id, hour, impressions, clicks, cost_fen, orders, gmv_fen, avg_position)
         SELECT $1, plan_id, unit_id, keyword_id, creative_id, hour, impressions, clicks, cost_fen, orders, gmv_fen, avg_position FROM input
         ON CONFLICT (advertiser_id, keyword_id, creative_id, hour) DO UPDATE SET
           impressions = EXCLUDED.impressions, clicks = EXCLUDED.clicks, cost_fen = EXCLUDED.cost_fen, orders = EXCLUDED.orders,
           gmv_fen = EXCLUDED.gmv_fen, avg_position = EXCLUDED.avg_position, updated_at = now()
         RETURNING 1
       ),
       delta AS (
         SELECT i.plan_id, i.unit_id, i.keyword_id, i.creative_id, i.hour,
                i.impressions - coalesce(o.impressions, 0) AS impressions, i.clicks - coalesce(o.clicks, 0) AS clicks,
                i.cost_fen - coalesce(o.cost_fen, 0) AS cost_fen, i.orders - coalesce(o.orders, 0) AS orders,
                i.gmv_fen - coalesce(o.gmv_fen, 0) AS gmv_fen
         -- Every part of the statement sees the table as it was before the upsert, so these are
         -- the rows being replaced. Joined here directly (not through a CTE, whose size the
         -- planner guesses as one row and may nest-loop over: minutes for a 50,000-row re-send).
         FROM input i LEFT JOIN keyword_stats_hourly o
           ON o.advertiser_id = $1 AND o.keyword_id = i.keyword_id AND o.creative_id = i.creative_id AND o.hour = i.hour
          AND o.hour >= (SELECT min(hour) FROM input) AND o.hour <= (SELECT max(hour) FROM input)
       ),
       daily AS (
         INSERT INTO keyword_stats_daily AS d (advertiser_id, plan_id, unit_id, keyword_id, creative_id, day, impressions, clicks, cost_fen, orders, gmv_fen)
         SELECT $1, plan_id, unit_id, keyword_id, creative_id, (hour AT TIME ZONE $2)::date,
                sum(impressions), sum(clicks), sum(cost_fen), sum(orders), sum(gmv_fen)
         FROM delta GROUP BY plan_id, unit_id, keyword_id, creative_id, (hour AT TIME ZONE $2)::date
         ON CONFLICT (advertiser_id, keyword_id, creative_id, day) DO UPDATE SET
           impressions = d.impressions + EXCLUDED.impressions, clicks = d.clicks + EXCLUDED.clicks, cost_fen = d.cost_fen + EXCLUDED.cost_fen,
           orders = d.orders + EXCLUDED.orders, gmv_fen = d.gmv_fen + EXCLUDED.gmv_fen
         RETURNING 1
       )
       INSERT INTO plan_stats_hourly AS p (advertiser_id, plan_id, hour, impressions, clicks, cost_fen, orders, gmv_fen)
       SELECT $1, plan_id, hour, sum(impressions), sum(clicks), sum(cost_fen), sum(orders), sum(gmv_fen)
       FROM delta GROUP BY plan_id, hour
       ON CONFLICT (advertiser_id, plan_id, hour) DO UPDATE SET
         impressions = p.impressions + EXCLUDED.impressions, clicks = p.clicks + EXCLUDED.clicks, cost_fen = p.cost_fen + EXCLUDED.cost_fen,
         orders = p.orders + EXCLUDED.orders, gmv_fen = p.gmv_fen + EXCLUDED.gmv_fen`,
      [
        advertiserId,
        timezone,
        rows.map((r) => r.planId),
        rows.map((r) => r.unitId),
        rows.map((r) => r.keywordId),
        rows.map((r) => r.creativeId ?? NO_CREATIVE),
        rows.map((r) => r.hour.toISOString()),
        rows.map((r) => r.impressions),
        rows.map((r) => r.clicks),
        rows.map((r) => r.costFen),
        rows.map((r) => r.orders),
        rows.map((r) => r.gmvFen),
        rows.map((r) => r.avgPosition),
      ],
      tx,
    );
  }

  /** The caller's keywords among `ids` (others' ids simply do not come back). */
  keywordRefs(advertiserId: string, ids: string[], tx?: Tx): Promise<KeywordRef[]> {
    return this.db.rows<KeywordRef>(
      `SELECT id, plan_id AS "planId", unit_id AS "unitId" FROM keywords WHERE advertiser_id = $1 AND id = ANY($2::uuid[])`,
      [advertiserId, ids],
      tx,
    );
  }

  /** The caller's creatives among `ids`, with their unit. */
  creativeUnits(advertiserId: string, ids: string[], tx?: Tx): Promise<{ id: string; unitId: string }[]> {
    return this.db.rows(`SELECT id, unit_id AS "unitId" FROM creatives WHERE advertiser_id = $1 AND id = ANY($2::uuid[])`, [advertiserId, ids], tx);
  }

  /** Every keyword of the advertiser keyed for report matching: plan name, unit name, text, match type. */
  keywordsByNames(advertiserId: string, tx?: Tx): Promise<{ id: string; planId: string; unitId: string; planName: string; unitName: string; text: string; matchType: string }[]> {
    return this.db.rows(
      `SELECT k.id, k.plan_id AS "planId", k.unit_id AS "unitId", p.name AS "planName", u.name AS "unitName", k.text, k.match_type AS "matchType"
       FROM keywords k
       JOIN plans p ON p.advertiser_id = k.advertiser_id AND p.id = k.plan_id
       JOIN units u ON u.advertiser_id = k.advertiser_id AND u.id = k.unit_id
       WHERE k.advertiser_id = $1 AND k.status <> 'deleted' AND p.status <> 'archived' AND u.status <> 'archived'`,
      [advertiserId],
      tx,
    );
  }

  /**
   * Spend of a plan in the advertiser's budget day that contains `asOf`, over the hours that
   * started before `asOf` (the hours the optimizer planning hour `asOf` can know about).
   */
  async spendSoFarToday(advertiserId: string, planId: string, asOf: Date, timezone: string): Promise<{ budgetDay: string; spentFen: number }> {
    const r = await this.db.one<{ budgetDay: string; spentFen: number }>(
      `WITH d AS (SELECT ($3::timestamptz AT TIME ZONE $4)::date AS day)
       SELECT to_char(d.day, 'YYYY-MM-DD') AS "budgetDay", coalesce(sum(p.cost_fen), 0)::bigint AS "spentFen"
       FROM d LEFT JOIN plan_stats_hourly p
         ON p.advertiser_id = $1 AND p.plan_id = $2 AND p.hour >= (d.day::timestamp AT TIME ZONE $4) AND p.hour < $3::timestamptz
       GROUP BY d.day`,
      [advertiserId, planId, asOf.toISOString(), timezone],
    );
    return r!;
  }
}
