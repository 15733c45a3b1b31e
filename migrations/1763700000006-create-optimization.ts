import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The hourly optimizer's tables.
 * - `optimization_runs`: one row per (plan, hour planned for); the unique key makes a late or
 *   duplicate job a no-op.
 * - `bid_changes`: the audit trail, one row per bid change (optimizer, manual or rule) with the
 *   explanation that produced it; an optimizer run writes a keyword at most once. An append-only
 *   log without foreign keys (keywords are never hard-deleted; a million-row hour pays no checks)
 *   and with the explanation as `json` text (kept as written, never queried inside).
 * - `keyword_bid_state`: each keyword's decayed history (libs/bidding's DecayedState, packed as
 *   float8s), as of the hour it was last rolled forward to, so a run reads one hour of facts
 *   instead of weeks. Derived data: it can always be rebuilt from the facts.
 * - `plan_bid_state`: per plan, the hour its keyword states are as of and the last fact
 *   correction they have absorbed.
 * - `keyword_stats_corrections`: every fact written for an hour its plan's states have already
 *   absorbed (late orders re-sent, corrections, late hours), before (NULL if new) and after, in
 *   commit order (`seq`): how such a change still reaches the states.
 */
export class CreateOptimization1763700000006 implements MigrationInterface {
  name = 'CreateOptimization1763700000006';

  async up(q: QueryRunner): Promise<void> {
    // Every run may rewrite every bid of its plan, and a plan's keywords share pages: with each
    // page half free, Postgres updates a keyword in place (a HOT update: bid and version are in
    // no index) instead of adding an entry to each of its 5 indexes. Applies to pages written
    // from now on (VACUUM FULL keywords rewrites the old ones).
    await q.query(`ALTER TABLE keywords SET (fillfactor = 50)`);
    await q.query(`
      CREATE TABLE optimization_runs (
        id               uuid PRIMARY KEY,
        advertiser_id    uuid NOT NULL,
        plan_id          uuid NOT NULL,
        as_of            timestamptz NOT NULL,
        status           text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'skipped')),
        trigger          text NOT NULL CHECK (trigger IN ('schedule', 'api')),
        keywords_seen    integer NOT NULL DEFAULT 0,
        keywords_changed integer NOT NULL DEFAULT 0,
        keywords_skipped integer NOT NULL DEFAULT 0,
        duration_ms      integer,
        attempts         integer NOT NULL DEFAULT 0,
        error            text,
        summary          jsonb,
        created_at       timestamptz NOT NULL DEFAULT now(),
        started_at       timestamptz,
        finished_at      timestamptz,
        FOREIGN KEY (advertiser_id, plan_id) REFERENCES plans (advertiser_id, id) ON DELETE CASCADE,
        UNIQUE (advertiser_id, plan_id, as_of)
      )`);
    await q.query(`CREATE INDEX optimization_runs_advertiser_idx ON optimization_runs (advertiser_id, id)`);

    await q.query(`
      CREATE TABLE bid_changes (
        id            uuid PRIMARY KEY,
        advertiser_id uuid NOT NULL,
        plan_id       uuid NOT NULL,
        keyword_id    uuid NOT NULL,
        hour          timestamptz NOT NULL,
        old_bid_fen   bigint NOT NULL,
        new_bid_fen   bigint NOT NULL,
        source        text NOT NULL CHECK (source IN ('optimizer', 'manual', 'rule')),
        run_id        uuid,
        reason        json NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        UNIQUE (run_id, keyword_id)
      )`);
    await q.query(`CREATE INDEX bid_changes_plan_idx ON bid_changes (advertiser_id, plan_id, id)`);

    await q.query(`
      CREATE TABLE keyword_bid_state (
        advertiser_id uuid NOT NULL,
        keyword_id    uuid NOT NULL,
        plan_id       uuid NOT NULL,
        state         bytea NOT NULL,
        PRIMARY KEY (advertiser_id, keyword_id)
      ) WITH (fillfactor = 80)`);
    await q.query(`CREATE INDEX keyword_bid_state_plan_idx ON keyword_bid_state (advertiser_id, plan_id)`);

    await q.query(`
      CREATE TABLE plan_bid_state (
        advertiser_id   uuid NOT NULL,
        plan_id         uuid NOT NULL,
        as_of           timestamptz NOT NULL,
        corrections_seq bigint NOT NULL,
        -- Test-product plans, per unit: the last verdict announced and the one holding ({ announced, candidate, runs }).
        verdicts        jsonb NOT NULL DEFAULT '{}',
        PRIMARY KEY (advertiser_id, plan_id),
        FOREIGN KEY (advertiser_id, plan_id) REFERENCES plans (advertiser_id, id) ON DELETE CASCADE
      )`);

    await q.query(`
      CREATE TABLE keyword_stats_corrections (
        seq           bigserial PRIMARY KEY,
        advertiser_id uuid NOT NULL,
        plan_id       uuid NOT NULL,
        keyword_id    uuid NOT NULL,
        hour          timestamptz NOT NULL,
        -- NULL: the row is new (an hour that arrived after the states had passed it).
        old_impressions bigint, old_clicks bigint, old_cost_fen bigint, old_orders bigint, old_gmv_fen bigint,
        new_impressions bigint NOT NULL, new_clicks bigint NOT NULL, new_cost_fen bigint NOT NULL, new_orders bigint NOT NULL, new_gmv_fen bigint NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX keyword_stats_corrections_plan_idx ON keyword_stats_corrections (advertiser_id, plan_id, seq)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE keywords RESET (fillfactor)`);
    await q.query(`DROP TABLE keyword_stats_corrections`);
    await q.query(`DROP TABLE plan_bid_state`);
    await q.query(`DROP TABLE keyword_bid_state`);
    await q.query(`DROP TABLE bid_changes`);
    await q.query(`DROP TABLE optimization_runs`);
  }
}
