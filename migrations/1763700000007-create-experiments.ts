import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creative A/B tests (issue 6).
 * - `experiments`: one per test of 2-5 creatives of a unit. At most one `running` per unit (a
 *   partial unique index, so two concurrent creates cannot both win). `start_hour` is the first
 *   hour whose stats count; it moves forward when fatigue reopens a decided test. `test_state`
 *   keeps what the sequential test carries between looks (the running minimum of each pair's
 *   always-valid p-value); `results` the per-creative figures of the last rotation, as shown.
 * - `experiment_rotations`: the serving weights of every rotated hour; the key (experiment, hour)
 *   is what makes a retried or duplicated rotation job a no-op.
 * - `domain_events`: an outbox of things that happened (`experiment.decided`,
 *   `creative.fatigued`, ...), written in the transaction that made them happen, for the alerts
 *   and webhooks to consume (issue 7). Append-only; `payload` is kept as written.
 */
export class CreateExperiments1763700000007 implements MigrationInterface {
  name = 'CreateExperiments1763700000007';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE experiments (
        id                uuid PRIMARY KEY,
        advertiser_id     uuid NOT NULL,
        plan_id           uuid NOT NULL,
        unit_id           uuid NOT NULL,
        creative_ids      uuid[] NOT NULL CHECK (cardinality(creative_ids) BETWEEN 2 AND 5),
        mode              text NOT NULL CHECK (mode IN ('equal', 'bandit')),
        metric            text NOT NULL CHECK (metric IN ('ctr', 'value')),
        status            text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'decided', 'stopped')),
        winner_id         uuid,
        serving_weights   jsonb NOT NULL,
        weight_floor      double precision NOT NULL CHECK (weight_floor >= 0 AND weight_floor <= 0.2),
        pause_losers      boolean NOT NULL DEFAULT false,
        reopen_on_fatigue boolean NOT NULL DEFAULT false,
        max_days          integer CHECK (max_days BETWEEN 1 AND 90),
        start_hour        timestamptz NOT NULL,
        last_rotated_hour timestamptz,
        decision          jsonb,
        test_state        jsonb NOT NULL DEFAULT '{}',
        results           jsonb,
        fatigued_at       timestamptz,
        version           integer NOT NULL DEFAULT 1,
        created_at        timestamptz NOT NULL DEFAULT now(),
        decided_at        timestamptz,
        updated_at        timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (advertiser_id, unit_id) REFERENCES units (advertiser_id, id) ON DELETE CASCADE,
        CHECK ((status = 'decided') = (winner_id IS NOT NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX experiments_running_unit_key ON experiments (advertiser_id, unit_id) WHERE status = 'running'`);
    await q.query(`CREATE INDEX experiments_unit_idx ON experiments (advertiser_id, unit_id, id)`);
    await q.query(`CREATE INDEX experiments_watch_idx ON experiments (status) WHERE status IN ('running', 'decided')`);

    await q.query(`
      CREATE TABLE experiment_rotations (
        advertiser_id   uuid NOT NULL,
        experiment_id   uuid NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
        hour            timestamptz NOT NULL,
        status          text NOT NULL CHECK (status IN ('running', 'decided', 'stopped')),
        serving_weights jsonb NOT NULL,
        prob_best       jsonb NOT NULL,
        trigger         text NOT NULL CHECK (trigger IN ('schedule', 'api')),
        created_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (advertiser_id, experiment_id, hour)
      )`);

    await q.query(`
      CREATE TABLE domain_events (
        id            uuid PRIMARY KEY,
        advertiser_id uuid NOT NULL,
        type          text NOT NULL,
        plan_id       uuid,
        payload       json NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX domain_events_advertiser_idx ON domain_events (advertiser_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE domain_events`);
    await q.query(`DROP TABLE experiment_rotations`);
    await q.query(`DROP TABLE experiments`);
  }
}
