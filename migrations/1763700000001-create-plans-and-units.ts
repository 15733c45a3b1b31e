import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Plans (计划) and units (单元). Money is integer fen. Every tenant table carries advertiser_id
 * and leads its lookups with it (the tenant filter today, the distribution key tomorrow).
 */
export class CreatePlansAndUnits1763700000001 implements MigrationInterface {
  name = 'CreatePlansAndUnits1763700000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE plans (
        id               uuid PRIMARY KEY,
        advertiser_id    uuid NOT NULL REFERENCES advertisers(id) ON DELETE CASCADE,
        name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        type             text NOT NULL CHECK (type IN ('core_word', 'long_tail', 'test_product', 'promo')),
        status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'archived')),
        daily_budget_fen bigint NOT NULL CHECK (daily_budget_fen >= 10000),
        target_roi       numeric(10, 4) NOT NULL CHECK (target_roi > 0),
        bid_strategy     text NOT NULL DEFAULT 'target_roi' CHECK (bid_strategy IN ('manual', 'target_roi')),
        min_bid_fen      bigint NOT NULL DEFAULT 30 CHECK (min_bid_fen >= 30),
        max_bid_fen      bigint NOT NULL DEFAULT 99999 CHECK (max_bid_fen <= 99999),
        schedule         jsonb,
        promo            jsonb,
        version          integer NOT NULL DEFAULT 1,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        archived_at      timestamptz,
        CHECK (max_bid_fen >= min_bid_fen),
        UNIQUE (advertiser_id, id)
      )`);
    // Plan names identify plans in the platform's report exports, so live names are unique.
    await q.query(`CREATE UNIQUE INDEX plans_live_name_key ON plans (advertiser_id, name) WHERE status <> 'archived'`);
    await q.query(`CREATE INDEX plans_advertiser_id_idx ON plans (advertiser_id, id)`);

    await q.query(`
      CREATE TABLE units (
        id            uuid PRIMARY KEY,
        advertiser_id uuid NOT NULL,
        plan_id       uuid NOT NULL,
        name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        sku_id        text NOT NULL CHECK (length(sku_id) BETWEEN 1 AND 64),
        sku_price_fen bigint NOT NULL CHECK (sku_price_fen >= 0),
        status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'archived')),
        version       integer NOT NULL DEFAULT 1,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (advertiser_id, plan_id) REFERENCES plans (advertiser_id, id) ON DELETE CASCADE,
        UNIQUE (advertiser_id, id)
      )`);
    await q.query(`CREATE UNIQUE INDEX units_live_name_key ON units (plan_id, name) WHERE status <> 'archived'`);
    await q.query(`CREATE INDEX units_plan_idx ON units (advertiser_id, plan_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE units`);
    await q.query(`DROP TABLE plans`);
  }
}
