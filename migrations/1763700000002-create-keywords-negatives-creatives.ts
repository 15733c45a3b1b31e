import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** What a unit holds: bidded keywords, negative keywords and creatives. */
export class CreateKeywordsNegativesCreatives1763700000002 implements MigrationInterface {
  name = 'CreateKeywordsNegativesCreatives1763700000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE keywords (
        id                uuid PRIMARY KEY,
        advertiser_id     uuid NOT NULL,
        plan_id           uuid NOT NULL,
        unit_id           uuid NOT NULL,
        text              text NOT NULL CHECK (length(text) BETWEEN 1 AND 60),
        match_type        text NOT NULL CHECK (match_type IN ('exact', 'phrase', 'broad')),
        bid_fen           bigint NOT NULL CHECK (bid_fen BETWEEN 30 AND 99999),
        status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'deleted')),
        locked            boolean NOT NULL DEFAULT false,
        suggested_bid_fen bigint CHECK (suggested_bid_fen BETWEEN 0 AND 99999),
        quality_score     smallint CHECK (quality_score BETWEEN 1 AND 10),
        version           integer NOT NULL DEFAULT 1,
        created_at        timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (advertiser_id, unit_id) REFERENCES units (advertiser_id, id) ON DELETE CASCADE,
        FOREIGN KEY (advertiser_id, plan_id) REFERENCES plans (advertiser_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE UNIQUE INDEX keywords_live_text_key ON keywords (unit_id, text, match_type) WHERE status <> 'deleted'`);
    await q.query(`CREATE INDEX keywords_unit_idx ON keywords (advertiser_id, unit_id, id)`);
    await q.query(`CREATE INDEX keywords_plan_idx ON keywords (advertiser_id, plan_id, id)`);
    await q.query(`CREATE INDEX keywords_advertiser_idx ON keywords (advertiser_id, id)`);

    await q.query(`
      CREATE TABLE negative_keywords (
        id            uuid PRIMARY KEY,
        advertiser_id uuid NOT NULL,
        plan_id       uuid NOT NULL,
        unit_id       uuid NOT NULL,
        text          text NOT NULL CHECK (length(text) BETWEEN 1 AND 60),
        match_type    text NOT NULL CHECK (match_type IN ('exact', 'phrase')),
        created_at    timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (advertiser_id, unit_id) REFERENCES units (advertiser_id, id) ON DELETE CASCADE,
        UNIQUE (unit_id, text, match_type)
      )`);
    await q.query(`CREATE INDEX negative_keywords_unit_idx ON negative_keywords (advertiser_id, unit_id, id)`);

    await q.query(`
      CREATE TABLE creatives (
        id            uuid PRIMARY KEY,
        advertiser_id uuid NOT NULL,
        plan_id       uuid NOT NULL,
        unit_id       uuid NOT NULL,
        title         text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 30),
        image_url     text NOT NULL CHECK (length(image_url) <= 2048),
        status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'deleted')),
        version       integer NOT NULL DEFAULT 1,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (advertiser_id, unit_id) REFERENCES units (advertiser_id, id) ON DELETE CASCADE,
        UNIQUE (advertiser_id, id)
      )`);
    await q.query(`CREATE INDEX creatives_unit_idx ON creatives (advertiser_id, unit_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE creatives`);
    await q.query(`DROP TABLE negative_keywords`);
    await q.query(`DROP TABLE keywords`);
  }
}
