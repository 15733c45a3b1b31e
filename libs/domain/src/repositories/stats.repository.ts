import { type Db, isUniqueViolation, type Tx } from '../db/db';
import { HOUR_MS } from '../time';

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

/** Keyword -> (plan, unit) entries kept per process (about 150 bytes each). */
const REF_CACHE_MAX = 200_000;
const COPY_COLUMNS = 'advertiser_id, plan_id, unit_id, keyword_id, creative_id, hour, impressions, clicks, cost_fen, orders, gmv_fen, avg_position';

interface Sums {
  impressions: number;
  clicks: number;
  costFen: number;
  orders: number;
  gmvFen: number;
}

interface Group extends Sums {
  planId: string;
  unitId: string;
  id: string;
  /** A budget day for the day rollups, an ISO hour for the plan-hour rollup. */
  at: string;
}

/** Adds `r` to the group of `id` at `at` (groups nested by `at`: no composite key strings). */
function addTo(groups: Map<string, Map<string, Group>>, at: string, id: string, r: HourlyStatRow): void {
  let byId = groups.get(at);
  if (!byId) groups.set(at, (byId = new Map()));
  const g = byId.get(id);
  if (g) {
    g.impressions += r.impressions;
    g.clicks += r.clicks;
    g.costFen += r.costFen;
    g.orders += r.orders;
    g.gmvFen += r.gmvFen;
  } else {
    byId.set(id, { planId: r.planId, unitId: r.unitId, id, at, impressions: r.impressions, clicks: r.clicks, costFen: r.costFen, orders: r.orders, gmvFen: r.gmvFen });
  }
}

const flatten = (groups: Map<string, Map<string, Group>>): Group[] => [...groups.values()].flatMap((m) => [...m.values()]);

const sumsOf = <T extends Sums>(xs: T[]) => [
  xs.map((x) => x.impressions),
  xs.map((x) => x.clicks),
  xs.map((x) => x.costFen),
  xs.map((x) => x.orders),
  xs.map((x) => x.gmvFen),
];

const ROLLUP_SET = `impressions = r.impressions + EXCLUDED.impressions, clicks = r.clicks + EXCLUDED.clicks, cost_fen = r.cost_fen + EXCLUDED.cost_fen,
           orders = r.orders + EXCLUDED.orders, gmv_fen = r.gmv_fen + EXCLUDED.gmv_fen`;

/**
 * The hourly fact table and its three rollups (keyword-day and creative-day in the advertiser's
 * timezone, plan-hour). A re-sent key replaces its row, and the rollups move by exactly the
 * difference. Writers of one advertiser are serialized by an advisory lock, so the old rows read
 * are the rows replaced.
 *
 * Two write paths, picked per row under the lock:
 * - **fresh**: the row's plan-hour has no facts yet (the plan-hour rollup has no row), the usual
 *   case for an hourly sync. Rows are COPYed straight into the partitioned fact table and the
 *   rollups get the rows' own sums, aggregated here.
 * - **replacing**: everything else (late orders re-sent for past hours, corrections, hours the
 *   optimizer's keyword states have already absorbed). One statement reads the old rows, upserts
 *   the new ones, adds the deltas to the rollups, and logs the writes to absorbed hours in
 *   `keyword_stats_corrections` so the states learn of them.
 * Should a fresh row meet a fact after all (facts written without their rollup), the COPY fails
 * on the primary key, is rolled back to its savepoint, and its rows take the replacing path.
 */
export class StatsRepository {
  private readonly refCache = new Map<string, KeywordRef>();

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
    const hours = [...new Set(rows.map((r) => r.hour.getTime()))];
    const planIds = [...new Set(rows.map((r) => r.planId))];
    // One statement at a time: they share the transaction's connection.
    const hourList = hours.map((h) => new Date(h).toISOString());
    const taken = await this.db.rows<{ planId: string; h: number }>(
      `SELECT plan_id AS "planId", (extract(epoch FROM hour) / 3600)::int AS h FROM plan_stats_hourly
       WHERE advertiser_id = $1 AND plan_id = ANY($2::uuid[]) AND hour = ANY($3::timestamptz[])`,
      [advertiserId, planIds, hourList],
      tx,
    );
    // The budget day of each distinct hour, as Postgres's own time zone rules give it (the same
    // rules the reports read with).
    const days = await this.db.rows<{ h: number; day: string }>(
      `SELECT (extract(epoch FROM h) / 3600)::int AS h, to_char((h AT TIME ZONE $1)::date, 'YYYY-MM-DD') AS day FROM unnest($2::timestamptz[]) AS h`,
      [timezone, hourList],
      tx,
    );
    // The hour up to which the optimizer's keyword states have absorbed each plan's facts.
    const absorbed = await this.db.rows<{ planId: string; h: number }>(
      `SELECT plan_id AS "planId", (extract(epoch FROM as_of) / 3600)::int AS h FROM plan_bid_state WHERE advertiser_id = $1 AND plan_id = ANY($2::uuid[])`,
      [advertiserId, planIds],
      tx,
    );
    const absorbedUntil = new Map(absorbed.map((x) => [x.planId, x.h * HOUR_MS]));
    const takenSet = new Set(taken.map((t) => `${t.planId}|${t.h}`));
    const fresh: HourlyStatRow[] = [];
    const replacing: HourlyStatRow[] = [];
    for (const r of rows) {
      const late = r.hour.getTime() < (absorbedUntil.get(r.planId) ?? -Infinity);
      (late || takenSet.has(`${r.planId}|${r.hour.getTime() / HOUR_MS}`) ? replacing : fresh).push(r);
    }
    if (fresh.length) {
      const dayOf = new Map(days.map((d) => [d.h * HOUR_MS, d.day]));
      await this.db.rows('SAVEPOINT stats_fresh', [], tx);
      try {
        await this.insertFresh(advertiserId, fresh, dayOf, tx);
        await this.db.rows('RELEASE SAVEPOINT stats_fresh', [], tx);
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        await this.db.rows('ROLLBACK TO SAVEPOINT stats_fresh', [], tx);
        replacing.push(...fresh);
      }
    }
    if (replacing.length) await this.upsertReplacing(advertiserId, timezone, replacing, tx);
  }

  /** Rows whose plan-hour holds no facts: COPY into the facts, their sums into the rollups. */
  private async insertFresh(advertiserId: string, rows: HourlyStatRow[], dayOf: Map<number, string>, tx: Tx): Promise<void> {
    const lines: string[] = new Array(rows.length);
    const keywordDays = new Map<string, Map<string, Group>>();
    const creativeDays = new Map<string, Map<string, Group>>();
    const planHours = new Map<string, Map<string, Group>>();
    const hourText = new Map<number, string>();
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const ms = r.hour.getTime();
      let h = hourText.get(ms);
      if (h === undefined) hourText.set(ms, (h = r.hour.toISOString()));
      const day = dayOf.get(ms)!;
      // Every value is a validated number or a UUID: nothing to escape in COPY's text format.
      lines[i] = `${advertiserId}\t${r.planId}\t${r.unitId}\t${r.keywordId}\t${r.creativeId ?? NO_CREATIVE}\t${h}\t${r.impressions}\t${r.clicks}\t${r.costFen}\t${r.orders}\t${r.gmvFen}\t${r.avgPosition ?? '\\N'}\n`;
      addTo(keywordDays, day, r.keywordId, r);
      if (r.creativeId) addTo(creativeDays, day, r.creativeId, r);
      addTo(planHours, h, r.planId, r);
    }
    // One month (the usual case): straight into its partition, sparing Postgres the routing of
    // each row (ensurePartitions made it; partitions are named by their UTC month).
    const months = monthsOf(rows);
    const table = months.length === 1 ? `keyword_stats_hourly_${months[0].slice(0, 4)}${months[0].slice(5, 7)}` : 'keyword_stats_hourly';
    await this.db.copyFrom(`COPY ${table} (${COPY_COLUMNS}) FROM STDIN`, lines, tx);
    const kd = flatten(keywordDays);
    const cd = flatten(creativeDays);
    const ph = flatten(planHours);
    await this.db.rows(
      `WITH kd AS (
         INSERT INTO keyword_stats_daily AS r (advertiser_id, plan_id, unit_id, keyword_id, day, impressions, clicks, cost_fen, orders, gmv_fen)
         SELECT $1, * FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::date[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[])
         ON CONFLICT (advertiser_id, keyword_id, day) DO UPDATE SET ${ROLLUP_SET}
         RETURNING 1
       ),
       cd AS (
         INSERT INTO creative_stats_daily AS r (advertiser_id, plan_id, unit_id, creative_id, day, impressions, clicks, cost_fen, orders, gmv_fen)
         SELECT $1, * FROM unnest($11::uuid[], $12::uuid[], $13::uuid[], $14::date[], $15::bigint[], $16::bigint[], $17::bigint[], $18::bigint[], $19::bigint[])
         ON CONFLICT (advertiser_id, creative_id, day) DO UPDATE SET ${ROLLUP_SET}
         RETURNING 1
       )
       INSERT INTO plan_stats_hourly AS r (advertiser_id, plan_id, hour, impressions, clicks, cost_fen, orders, gmv_fen)
       SELECT $1, * FROM unnest($20::uuid[], $21::timestamptz[], $22::bigint[], $23::bigint[], $24::bigint[], $25::bigint[], $26::bigint[])
       ON CONFLICT (advertiser_id, plan_id, hour) DO UPDATE SET ${ROLLUP_SET}`,
      [
        advertiserId,
        kd.map((x) => x.planId), kd.map((x) => x.unitId), kd.map((x) => x.id), kd.map((x) => x.at), ...sumsOf(kd),
        cd.map((x) => x.planId), cd.map((x) => x.unitId), cd.map((x) => x.id), cd.map((x) => x.at), ...sumsOf(cd),
        ph.map((x) => x.id), ph.map((x) => x.at), ...sumsOf(ph),
      ],
      tx,
    );
  }

  /** Rows that may replace facts: one statement reads the old rows, upserts, and adds the deltas. */
  private async upsertReplacing(advertiserId: string, timezone: string, rows: HourlyStatRow[], tx: Tx): Promise<void> {
    await this.db.rows(
      `WITH input AS (
         SELECT * FROM unnest($3::uuid[], $4::uuid[], $5::uuid[], $6::uuid[], $7::timestamptz[], $8::bigint[], $9::bigint[],
                              $10::bigint[], $11::bigint[], $12::bigint[], $13::float8[])
           AS t(plan_id, unit_id, keyword_id, creative_id, hour, impressions, clicks, cost_fen, orders, gmv_fen, avg_position)
       ),
       upserted AS (
         INSERT INTO keyword_stats_hourly AS s (${COPY_COLUMNS})
         SELECT $1, plan_id, unit_id, keyword_id, creative_id, hour, impressions, clicks, cost_fen, orders, gmv_fen, avg_position FROM input
         ON CONFLICT (advertiser_id, keyword_id, creative_id, hour) DO UPDATE SET
           impressions = EXCLUDED.impressions, clicks = EXCLUDED.clicks, cost_fen = EXCLUDED.cost_fen, orders = EXCLUDED.orders,
           gmv_fen = EXCLUDED.gmv_fen, avg_position = EXCLUDED.avg_position, updated_at = now()
         RETURNING 1
       ),
       delta AS (
         SELECT i.plan_id, i.unit_id, i.keyword_id, i.creative_id, i.hour, (i.hour AT TIME ZONE $2)::date AS day,
                o.keyword_id IS NOT NULL AS replaced, i.impressions AS new_impressions, i.clicks AS new_clicks, i.cost_fen AS new_cost_fen,
                i.orders AS new_orders, i.gmv_fen AS new_gmv_fen, o.impressions AS old_impressions, o.clicks AS old_clicks,
                o.cost_fen AS old_cost_fen, o.orders AS old_orders, o.gmv_fen AS old_gmv_fen,
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
       kd AS (
         INSERT INTO keyword_stats_daily AS r (advertiser_id, plan_id, unit_id, keyword_id, day, impressions, clicks, cost_fen, orders, gmv_fen)
         SELECT $1, plan_id, unit_id, keyword_id, day, sum(impressions), sum(clicks), sum(cost_fen), sum(orders), sum(gmv_fen)
         FROM delta GROUP BY plan_id, unit_id, keyword_id, day
         ON CONFLICT (advertiser_id, keyword_id, day) DO UPDATE SET ${ROLLUP_SET}
         RETURNING 1
       ),
       corrections AS (
         -- Hours the optimizer's keyword states have already absorbed learn of the change here.
         INSERT INTO keyword_stats_corrections (advertiser_id, plan_id, keyword_id, hour,
                old_impressions, old_clicks, old_cost_fen, old_orders, old_gmv_fen, new_impressions, new_clicks, new_cost_fen, new_orders, new_gmv_fen)
         SELECT $1, d.plan_id, d.keyword_id, d.hour, d.old_impressions, d.old_clicks, d.old_cost_fen, d.old_orders, d.old_gmv_fen,
                d.new_impressions, d.new_clicks, d.new_cost_fen, d.new_orders, d.new_gmv_fen
         FROM delta d JOIN plan_bid_state ps ON ps.advertiser_id = $1 AND ps.plan_id = d.plan_id AND d.hour < ps.as_of
         WHERE NOT d.replaced OR (d.impressions, d.clicks, d.cost_fen, d.orders, d.gmv_fen) <> (0, 0, 0, 0, 0)
         RETURNING 1
       ),
       cd AS (
         INSERT INTO creative_stats_daily AS r (advertiser_id, plan_id, unit_id, creative_id, day, impressions, clicks, cost_fen, orders, gmv_fen)
         SELECT $1, plan_id, unit_id, creative_id, day, sum(impressions), sum(clicks), sum(cost_fen), sum(orders), sum(gmv_fen)
         FROM delta WHERE creative_id <> '${NO_CREATIVE}' GROUP BY plan_id, unit_id, creative_id, day
         ON CONFLICT (advertiser_id, creative_id, day) DO UPDATE SET ${ROLLUP_SET}
         RETURNING 1
       )
       INSERT INTO plan_stats_hourly AS r (advertiser_id, plan_id, hour, impressions, clicks, cost_fen, orders, gmv_fen)
       SELECT $1, plan_id, hour, sum(impressions), sum(clicks), sum(cost_fen), sum(orders), sum(gmv_fen)
       FROM delta GROUP BY plan_id, hour
       ON CONFLICT (advertiser_id, plan_id, hour) DO UPDATE SET ${ROLLUP_SET}`,
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

  /**
   * The caller's keywords among `ids` (others' ids simply do not come back). A keyword never
   * changes plan or unit, so what was read once per advertiser is kept (up to REF_CACHE_MAX
   * entries, oldest dropped first): an hourly sync resolves the same keywords every hour.
   */
  async keywordRefs(advertiserId: string, ids: string[], tx?: Tx): Promise<KeywordRef[]> {
    const found: KeywordRef[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const hit = this.refCache.get(`${advertiserId}|${id}`);
      if (hit) found.push(hit);
      else missing.push(id);
    }
    if (missing.length === 0) return found;
    const rows = await this.db.rows<KeywordRef>(
      `SELECT id, plan_id AS "planId", unit_id AS "unitId" FROM keywords WHERE advertiser_id = $1 AND id = ANY($2::uuid[])`,
      [advertiserId, missing],
      tx,
    );
    for (const r of rows) {
      if (this.refCache.size >= REF_CACHE_MAX) this.refCache.delete(this.refCache.keys().next().value!);
      this.refCache.set(`${advertiserId}|${r.id}`, r);
      found.push(r);
    }
    return found;
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
