import { dayBudgetFen } from '@kuaiche/bidding';
import type { Db, Tx } from '../db/db';
import { NO_CREATIVE } from '../repositories/stats.repository';
import { PLAN_COLS } from '../repositories/plans.repository';
import { HOUR_MS, localClock } from '../time';
import type { Advertiser, KeywordStatus, Plan } from '../types';
import type { PlatformAdapter, PulledRow, PushedBid, PushedKeyword } from './platform-adapter';
import { type SandboxKeyword, type SandboxPlanHour, serveHour } from './sandbox-market';

/**
 * The sandbox platform: a simulated Kuaiche account kept in this database (`sandbox_*` tables,
 * the platform's own state, apart from the account's). It knows of each keyword what it was
 * pushed (`sandbox_keywords`; a keyword never pushed is taken at its bid and status when first
 * seen) and of each unit its serving weights; plan settings (status, budget, schedule) and SKU
 * prices it reads from the account, as if they were synced when saved. An hour is served when it
 * is first pulled (`serveHour`, at what was pushed by then: the schedule pulls an hour at minute
 * 1 of the next, before that hour's optimization pushes its bids at minute 5), stored in
 * `sandbox_reports` with each plan's spend in `sandbox_hours`, the ledger the budget stop reads;
 * pulling it again answers the stored rows.
 */
export class SandboxPlatform implements PlatformAdapter {
  readonly kind = 'sandbox' as const;
  readonly syncs = true;

  constructor(private readonly db: Db) {}

  async pushBids(advertiser: Advertiser, hour: Date, bids: PushedBid[]): Promise<number> {
    // A keyword the sandbox first hears of here is priced around the bid the seller had set.
    return this.upsertKeywords(advertiser.id, hour, bids.map((b) => ({ keywordId: b.keywordId, bidFen: b.newBidFen, status: null, anchorFen: b.oldBidFen })));
  }

  async pushKeywords(advertiser: Advertiser, hour: Date, keywords: PushedKeyword[]): Promise<number> {
    return this.upsertKeywords(advertiser.id, hour, keywords.map((k) => ({ ...k, anchorFen: k.bidFen })));
  }

  async pushServingWeights(advertiser: Advertiser, hour: Date, unitId: string, weights: Record<string, number>): Promise<number> {
    const r = await this.db.rows(
      `INSERT INTO sandbox_serving_weights AS s (advertiser_id, unit_id, weights, as_of)
       SELECT $1, u.id, $3::jsonb, $4 FROM units u WHERE u.advertiser_id = $1 AND u.id = $2
       ON CONFLICT (advertiser_id, unit_id) DO UPDATE SET weights = EXCLUDED.weights, as_of = EXCLUDED.as_of, pushed_at = now()
       WHERE s.as_of <= EXCLUDED.as_of AND s.weights IS DISTINCT FROM EXCLUDED.weights
       RETURNING 1`,
      [advertiser.id, unitId, JSON.stringify(weights), hour.toISOString()],
    );
    return r.length;
  }

  async pullHourly(advertiser: Advertiser, from: Date, to: Date): Promise<PulledRow[]> {
    for (let h = from.getTime(); h < to.getTime(); h += HOUR_MS) await this.serve(advertiser, new Date(h));
    return this.db.rows<PulledRow>(
      `SELECT keyword_id AS "keywordId", NULLIF(creative_id, '${NO_CREATIVE}') AS "creativeId", hour, impressions, clicks, cost_fen AS "costFen", orders, gmv_fen AS "gmvFen"
       FROM sandbox_reports WHERE advertiser_id = $1 AND hour >= $2 AND hour < $3 ORDER BY hour, keyword_id, creative_id`,
      [advertiser.id, from.toISOString(), to.toISOString()],
    );
  }

  /**
   * Upserts what the sandbox knows of keywords of the account (others' ids are dropped by the
   * join). `status: null` keeps the known status (the account's, for a keyword first heard of).
   * Only newer-or-same-hour pushes apply; answers the keywords that changed.
   */
  private async upsertKeywords(advertiserId: string, hour: Date, ks: { keywordId: string; bidFen: number; status: KeywordStatus | null; anchorFen: number }[]): Promise<number> {
    if (ks.length === 0) return 0;
    const r = await this.db.rows(
      `INSERT INTO sandbox_keywords AS s (advertiser_id, keyword_id, plan_id, bid_fen, status, anchor_bid_fen, as_of)
       SELECT $1, k.id, k.plan_id, i.bid_fen, coalesce(i.status, k.status), greatest(30, coalesce(nullif(k.suggested_bid_fen, 0), i.anchor_fen)), $2
       FROM unnest($3::uuid[], $4::bigint[], $5::text[], $6::bigint[]) AS i(keyword_id, bid_fen, status, anchor_fen)
       JOIN keywords k ON k.advertiser_id = $1 AND k.id = i.keyword_id
       ON CONFLICT (advertiser_id, keyword_id) DO UPDATE SET
         bid_fen = EXCLUDED.bid_fen, status = CASE WHEN $7 THEN EXCLUDED.status ELSE s.status END, as_of = EXCLUDED.as_of, pushed_at = now()
       WHERE s.as_of <= EXCLUDED.as_of AND (s.bid_fen, s.status) IS DISTINCT FROM (EXCLUDED.bid_fen, CASE WHEN $7 THEN EXCLUDED.status ELSE s.status END)
       RETURNING 1`,
      [advertiserId, hour.toISOString(), ks.map((k) => k.keywordId), ks.map((k) => k.bidFen), ks.map((k) => k.status), ks.map((k) => k.anchorFen), ks.some((k) => k.status !== null)],
    );
    return r.length;
  }

  /** Serves `hour` once (under the account's sandbox lock): draws its rows and books the plans' spend. */
  private async serve(advertiser: Advertiser, hour: Date): Promise<void> {
    const a = advertiser.id;
    const at = hour.toISOString();
    await this.db.tx(async (tx) => {
      await this.db.rows(`SELECT pg_advisory_xact_lock(hashtext('sandbox:' || $1))`, [a], tx);
      if (await this.db.one(`SELECT 1 FROM sandbox_hours WHERE advertiser_id = $1 AND hour = $2`, [a, at], tx)) return;
      const clock = localClock(hour, advertiser.timezone);
      const plans = await this.db.rows<Plan>(`SELECT ${PLAN_COLS} FROM plans WHERE advertiser_id = $1 AND status <> 'archived'`, [a], tx);
      const booked = await this.db.rows<{ plans: Record<string, { costFen: number; darkAt: number | null }> }>(
        `SELECT plans FROM sandbox_hours WHERE advertiser_id = $1 AND budget_day = $2 AND hour < $3`,
        [a, clock.date, at],
        tx,
      );
      const planHours = new Map<string, SandboxPlanHour>();
      for (const p of plans) {
        let spentFen = 0;
        let dark = false;
        for (const b of booked) {
          spentFen += b.plans[p.id]?.costFen ?? 0;
          dark ||= (b.plans[p.id]?.darkAt ?? null) !== null;
        }
        const multiplier = p.status === 'active' ? p.schedule?.[clock.dayOfWeek]?.[clock.hourOfDay] ?? 1 : 0;
        planHours.set(p.id, { multiplier, budgetFen: dayBudgetFen(p, clock.date), spentFen, dark });
      }
      await this.firstSeen(a, hour, tx);
      const keywords = await this.db.rows<SandboxKeyword>(
        `SELECT s.keyword_id AS id, s.plan_id AS "planId", k.unit_id AS "unitId", s.bid_fen AS "bidFen", s.status, s.anchor_bid_fen AS "anchorBidFen",
                k.quality_score AS "qualityScore", u.sku_price_fen AS "skuPriceFen", u.status = 'active' AS "unitActive"
         FROM sandbox_keywords s
         JOIN keywords k ON k.advertiser_id = s.advertiser_id AND k.id = s.keyword_id
         JOIN units u ON u.advertiser_id = k.advertiser_id AND u.id = k.unit_id
         WHERE s.advertiser_id = $1 AND s.status = 'active' AND u.status = 'active'`,
        [a],
        tx,
      );
      const weights = await this.db.rows<{ unitId: string; weights: Record<string, number> }>(
        `SELECT unit_id AS "unitId", weights FROM sandbox_serving_weights WHERE advertiser_id = $1`,
        [a],
        tx,
      );
      const served = serveHour({
        hourIndex: hour.getTime() / HOUR_MS,
        hourOfDay: clock.hourOfDay,
        keywords,
        plans: planHours,
        weights: new Map(weights.map((w) => [w.unitId, w.weights])),
      });
      const rows = served.rows;
      await this.db.rows(
        `INSERT INTO sandbox_reports (advertiser_id, hour, keyword_id, creative_id, plan_id, impressions, clicks, cost_fen, orders, gmv_fen)
         SELECT $1, $2, * FROM unnest($3::uuid[], $4::uuid[], $5::uuid[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[])`,
        [
          a, at, rows.map((r) => r.keywordId), rows.map((r) => r.creativeId ?? NO_CREATIVE), rows.map((r) => r.planId),
          rows.map((r) => r.impressions), rows.map((r) => r.clicks), rows.map((r) => r.costFen), rows.map((r) => r.orders), rows.map((r) => r.gmvFen),
        ],
        tx,
      );
      await this.db.rows(`INSERT INTO sandbox_hours (advertiser_id, hour, budget_day, plans) VALUES ($1, $2, $3, $4::jsonb)`, [a, at, clock.date, JSON.stringify(Object.fromEntries(served.plans))], tx);
    });
  }

  /** Keywords the sandbox has never been told of: taken as the account holds them now. */
  private async firstSeen(advertiserId: string, hour: Date, tx: Tx): Promise<void> {
    await this.db.rows(
      `INSERT INTO sandbox_keywords (advertiser_id, keyword_id, plan_id, bid_fen, status, anchor_bid_fen, as_of)
       SELECT k.advertiser_id, k.id, k.plan_id, k.bid_fen, k.status, greatest(30, coalesce(nullif(k.suggested_bid_fen, 0), k.bid_fen)), $2
       FROM keywords k WHERE k.advertiser_id = $1 AND k.status <> 'deleted'
       ON CONFLICT (advertiser_id, keyword_id) DO NOTHING`,
      [advertiserId, hour.toISOString()],
      tx,
    );
  }
}
