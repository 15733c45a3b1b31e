import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alerts and their delivery by webhook.
 * - `alerts`: every alert raised, kept (`GET /v1/alerts`).
 * - `alert_episodes`: the highest severity raised so far per (advertiser, plan or '' for none,
 *   type, episode = budget day or the event's own key). An alert is written only when its upsert
 *   raises that severity: once per rule, plan and day, and again only when it escalates.
 * - `webhook_endpoints`: subscriptions; the `whsec_` secret is kept in clear because every
 *   delivery is signed with it (shown to the seller once, never listed).
 * - `webhook_deliveries`: the outbox. A delivery row is written in the transaction that raises
 *   the alert (`pending`); a dispatcher moves due rows to the queue, so a crash between "alert
 *   raised" and "webhook enqueued" loses nothing. `event_id` is the `webhook-id`, the same on
 *   every attempt; `payload` the exact body, re-sent byte for byte.
 * - `webhook_attempts`: one row per attempt (status, latency, error).
 * - `domain_event_receipts`: the `domain_events` (issue 6's outbox) already turned into alerts.
 */
export class CreateAlertsWebhooks1763700000008 implements MigrationInterface {
  name = 'CreateAlertsWebhooks1763700000008';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alerts (
        id            uuid PRIMARY KEY,
        advertiser_id uuid NOT NULL REFERENCES advertisers (id) ON DELETE CASCADE,
        plan_id       uuid,
        type          text NOT NULL,
        severity      text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
        hour          timestamptz NOT NULL,
        episode       text NOT NULL,
        message       text NOT NULL,
        data          jsonb NOT NULL DEFAULT '{}',
        created_at    timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (advertiser_id, plan_id) REFERENCES plans (advertiser_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX alerts_advertiser_idx ON alerts (advertiser_id, id)`);
    await q.query(`CREATE INDEX alerts_plan_idx ON alerts (advertiser_id, plan_id, id)`);

    await q.query(`
      CREATE TABLE alert_episodes (
        advertiser_id uuid NOT NULL REFERENCES advertisers (id) ON DELETE CASCADE,
        scope         text NOT NULL,
        type          text NOT NULL,
        episode       text NOT NULL,
        severity_rank smallint NOT NULL,
        alert_id      uuid NOT NULL,
        PRIMARY KEY (advertiser_id, scope, type, episode)
      )`);

    // Which of issue 6's domain_events have been turned into alerts (consumed exactly once).
    await q.query(`CREATE TABLE domain_event_receipts (event_id uuid PRIMARY KEY, consumed_at timestamptz NOT NULL DEFAULT now())`);

    await q.query(`
      CREATE TABLE webhook_endpoints (
        id              uuid PRIMARY KEY,
        advertiser_id   uuid NOT NULL REFERENCES advertisers (id) ON DELETE CASCADE,
        url             text NOT NULL,
        event_types     text[] NOT NULL,
        secret          text NOT NULL,
        status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled', 'deleted')),
        disabled_reason text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        UNIQUE (advertiser_id, id)
      )`);
    await q.query(`CREATE INDEX webhook_endpoints_live_idx ON webhook_endpoints (advertiser_id) WHERE status = 'active'`);

    await q.query(`
      CREATE TABLE webhook_deliveries (
        id               uuid PRIMARY KEY,
        advertiser_id    uuid NOT NULL,
        endpoint_id      uuid NOT NULL,
        event_id         text NOT NULL,
        event_type       text NOT NULL,
        payload          text NOT NULL,
        alert_id         uuid,
        redelivery_of    uuid,
        status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'succeeded', 'failed', 'cancelled')),
        attempts         integer NOT NULL DEFAULT 0,
        next_attempt_at  timestamptz,
        lease_until      timestamptz,
        last_status_code integer,
        last_error       text,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        finished_at      timestamptz,
        FOREIGN KEY (advertiser_id, endpoint_id) REFERENCES webhook_endpoints (advertiser_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (advertiser_id, endpoint_id, id)`);
    // The dispatcher's two scans: due pending rows, and attempts whose worker vanished.
    await q.query(`CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX webhook_deliveries_lease_idx ON webhook_deliveries (lease_until) WHERE status = 'sending'`);

    await q.query(`
      CREATE TABLE webhook_attempts (
        id            uuid PRIMARY KEY,
        advertiser_id uuid NOT NULL,
        delivery_id   uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
        attempt       integer NOT NULL,
        started_at    timestamptz NOT NULL,
        status_code   integer,
        latency_ms    integer,
        error         text,
        UNIQUE (delivery_id, attempt)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_attempts`);
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE webhook_endpoints`);
    await q.query(`DROP TABLE domain_event_receipts`);
    await q.query(`DROP TABLE alert_episodes`);
    await q.query(`DROP TABLE alerts`);
  }
}
