import type { Db, Tx } from '../db/db';
import { newId } from '../ids';

export const WEBHOOK_ENDPOINT_STATUSES = ['active', 'disabled', 'deleted'] as const;
export type WebhookEndpointStatus = (typeof WEBHOOK_ENDPOINT_STATUSES)[number];
export const DELIVERY_STATUSES = ['pending', 'sending', 'succeeded', 'failed', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface WebhookEndpoint {
  id: string;
  advertiserId: string;
  url: string;
  eventTypes: string[];
  secret: string;
  status: WebhookEndpointStatus;
  disabledReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookAttempt {
  attempt: number;
  startedAt: Date;
  statusCode: number | null;
  latencyMs: number | null;
  error: string | null;
}

export interface WebhookDelivery {
  id: string;
  advertiserId: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  alertId: string | null;
  redeliveryOf: string | null;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/** What a delivery attempt needs, as claimed. */
export interface ClaimedDelivery {
  id: string;
  advertiserId: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  payload: string;
  /** Attempts started, this one included. */
  attempts: number;
  prevStatus: DeliveryStatus;
  url: string;
  secret: string;
  endpointStatus: WebhookEndpointStatus;
}

export interface NewDelivery {
  endpointId: string;
  eventId: string;
  eventType: string;
  payload: string;
  alertId?: string | null;
  redeliveryOf?: string | null;
}

const ENDPOINT_COLS = `id, advertiser_id AS "advertiserId", url, event_types AS "eventTypes", secret, status, disabled_reason AS "disabledReason",
  created_at AS "createdAt", updated_at AS "updatedAt"`;
const DELIVERY_COLS = `id, advertiser_id AS "advertiserId", endpoint_id AS "endpointId", event_id AS "eventId", event_type AS "eventType",
  alert_id AS "alertId", redelivery_of AS "redeliveryOf", status, attempts, next_attempt_at AS "nextAttemptAt",
  last_status_code AS "lastStatusCode", last_error AS "lastError", created_at AS "createdAt", finished_at AS "finishedAt"`;

/**
 * Webhook endpoints, the delivery outbox and its attempt log. Tenant methods take the advertiser
 * id; the dispatcher's scan (`due`) is the one cross-tenant read, as the hourly fan-out is.
 */
export class WebhooksRepository {
  constructor(private readonly db: Db) {}

  async createEndpoint(advertiserId: string, e: { url: string; eventTypes: string[]; secret: string }): Promise<WebhookEndpoint> {
    return (await this.db.one<WebhookEndpoint>(
      `INSERT INTO webhook_endpoints (id, advertiser_id, url, event_types, secret) VALUES ($1, $2, $3, $4, $5) RETURNING ${ENDPOINT_COLS}`,
      [newId(), advertiserId, e.url, e.eventTypes, e.secret],
    ))!;
  }

  /** An endpoint that is not deleted (disabled ones are shown, with their reason). */
  findEndpoint(advertiserId: string, id: string, tx?: Tx): Promise<WebhookEndpoint | null> {
    return this.db.one<WebhookEndpoint>(`SELECT ${ENDPOINT_COLS} FROM webhook_endpoints WHERE advertiser_id = $1 AND id = $2 AND status <> 'deleted'`, [advertiserId, id], tx);
  }

  listEndpoints(advertiserId: string, f: { afterId?: string; limit: number }): Promise<WebhookEndpoint[]> {
    const params: unknown[] = [advertiserId];
    const where = [`advertiser_id = $1`, `status <> 'deleted'`];
    if (f.afterId) where.push(`id > $${params.push(f.afterId)}`);
    return this.db.rows<WebhookEndpoint>(`SELECT ${ENDPOINT_COLS} FROM webhook_endpoints WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${params.push(f.limit + 1)}`, params);
  }

  /** Soft delete (the delivery log stays for the operator); what was still to be sent is cancelled. */
  async deleteEndpoint(advertiserId: string, id: string): Promise<boolean> {
    return this.db.tx(async (tx) => {
      const r = await this.db.rows(`UPDATE webhook_endpoints SET status = 'deleted', updated_at = now() WHERE advertiser_id = $1 AND id = $2 AND status <> 'deleted' RETURNING id`, [advertiserId, id], tx);
      if (!r.length) return false;
      await this.cancelPending(advertiserId, id, 'endpoint deleted', tx);
      return true;
    });
  }

  async disableEndpoint(advertiserId: string, id: string, reason: string, tx?: Tx): Promise<void> {
    await this.db.rows(`UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = $3, updated_at = now() WHERE advertiser_id = $1 AND id = $2 AND status = 'active'`, [advertiserId, id, reason], tx);
    await this.cancelPending(advertiserId, id, reason, tx);
  }

  private async cancelPending(advertiserId: string, endpointId: string, reason: string, tx?: Tx): Promise<void> {
    await this.db.rows(
      `UPDATE webhook_deliveries SET status = 'cancelled', last_error = coalesce(last_error || '; ', '') || $3, finished_at = now(), updated_at = now(), next_attempt_at = NULL
       WHERE advertiser_id = $1 AND endpoint_id = $2 AND status = 'pending'`,
      [advertiserId, endpointId, reason],
      tx,
    );
  }

  /** Active endpoints subscribed to `eventType` (explicitly, or by `*` unless the type is opt-in). */
  subscribers(advertiserId: string, eventType: string, optIn: boolean, tx?: Tx): Promise<{ id: string }[]> {
    return this.db.prepared<{ id: string }>(
      'webhook_endpoints.subscribers',
      `SELECT id FROM webhook_endpoints WHERE advertiser_id = $1 AND status = 'active' AND ($2 = ANY(event_types) OR (NOT $3 AND '*' = ANY(event_types))) ORDER BY id`,
      [advertiserId, eventType, optIn],
      tx,
    );
  }

  /** Pending deliveries, due now: one statement for the batch. Returns their ids in input order. */
  async insertDeliveries(advertiserId: string, rows: NewDelivery[], tx?: Tx): Promise<string[]> {
    if (!rows.length) return [];
    const ids = rows.map(() => newId());
    await this.db.prepared(
      'webhook_deliveries.insert',
      `INSERT INTO webhook_deliveries (id, advertiser_id, endpoint_id, event_id, event_type, payload, alert_id, redelivery_of, status, next_attempt_at)
       SELECT id, $1, endpoint_id, event_id, event_type, payload, alert_id, redelivery_of, 'pending', now()
       FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::uuid[]) AS t(id, endpoint_id, event_id, event_type, payload, alert_id, redelivery_of)`,
      [advertiserId, ids, rows.map((r) => r.endpointId), rows.map((r) => r.eventId), rows.map((r) => r.eventType), rows.map((r) => r.payload), rows.map((r) => r.alertId ?? null), rows.map((r) => r.redeliveryOf ?? null)],
      tx,
    );
    return ids;
  }

  findDelivery(advertiserId: string, id: string): Promise<(WebhookDelivery & { payload: string; endpointStatus: WebhookEndpointStatus }) | null> {
    return this.db.one(
      `SELECT x.*, e.status AS "endpointStatus"
       FROM (SELECT ${DELIVERY_COLS}, payload FROM webhook_deliveries WHERE advertiser_id = $1 AND id = $2) x
       JOIN webhook_endpoints e ON e.advertiser_id = $1 AND e.id = x."endpointId"
       WHERE e.status <> 'deleted'`,
      [advertiserId, id],
    );
  }

  /** Newest first, each with its attempts. */
  async listDeliveries(advertiserId: string, endpointId: string, f: { status?: DeliveryStatus; afterId?: string; limit: number }): Promise<(WebhookDelivery & { attemptLog: WebhookAttempt[] })[]> {
    const params: unknown[] = [advertiserId, endpointId];
    const where = ['advertiser_id = $1', 'endpoint_id = $2'];
    if (f.status) where.push(`status = $${params.push(f.status)}`);
    if (f.afterId) where.push(`id < $${params.push(f.afterId)}`);
    const rows = await this.db.rows<WebhookDelivery>(`SELECT ${DELIVERY_COLS} FROM webhook_deliveries WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.push(f.limit + 1)}`, params);
    const attempts = await this.attemptsOf(advertiserId, rows.map((r) => r.id));
    return rows.map((r) => ({ ...r, attemptLog: attempts.get(r.id) ?? [] }));
  }

  async attemptsOf(advertiserId: string, deliveryIds: string[]): Promise<Map<string, WebhookAttempt[]>> {
    const out = new Map<string, WebhookAttempt[]>();
    if (!deliveryIds.length) return out;
    const rows = await this.db.rows<WebhookAttempt & { deliveryId: string }>(
      `SELECT delivery_id AS "deliveryId", attempt, started_at AS "startedAt", status_code AS "statusCode", latency_ms AS "latencyMs", error
       FROM webhook_attempts WHERE advertiser_id = $1 AND delivery_id = ANY($2::uuid[]) ORDER BY delivery_id, attempt`,
      [advertiserId, deliveryIds],
    );
    for (const { deliveryId, ...a } of rows) {
      const list = out.get(deliveryId);
      if (list) list.push(a);
      else out.set(deliveryId, [a]);
    }
    return out;
  }

  /**
   * Takes a delivery for one attempt: a pending row that is due, or a row whose attempt's worker
   * vanished (lease expired). Counts the attempt and leases the row for `leaseMs`. Null when
   * the row is not to be sent now (sent, sending elsewhere, not due, cancelled): the duplicate
   * job that finds it so does nothing.
   */
  async claim(advertiserId: string, deliveryId: string, leaseMs: number): Promise<ClaimedDelivery | null> {
    const [row] = await this.db.prepared<ClaimedDelivery>(
      'webhook_deliveries.claim',
      `WITH cur AS (
         SELECT id, status AS prev_status FROM webhook_deliveries
         WHERE advertiser_id = $1 AND id = $2
           AND ((status = 'pending' AND next_attempt_at <= now() + interval '250 milliseconds') OR (status = 'sending' AND lease_until < now()))
         FOR UPDATE SKIP LOCKED
       )
       UPDATE webhook_deliveries d SET status = 'sending', attempts = d.attempts + 1, lease_until = now() + $3 * interval '1 millisecond', updated_at = now()
       FROM cur, webhook_endpoints e
       WHERE d.id = cur.id AND e.advertiser_id = d.advertiser_id AND e.id = d.endpoint_id
       RETURNING d.id, d.advertiser_id AS "advertiserId", d.endpoint_id AS "endpointId", d.event_id AS "eventId", d.event_type AS "eventType",
         d.payload, d.attempts, cur.prev_status AS "prevStatus", e.url, e.secret, e.status AS "endpointStatus"`,
      [advertiserId, deliveryId, leaseMs],
    );
    return row ?? null;
  }

  /**
   * Records an attempt and moves the delivery on: `succeeded` / `failed` (final), `pending`
   * again after `retryInMs`, or `cancelled`. `disable`: the endpoint answered 410 Gone.
   * One statement (the attempt row in a data-modifying CTE), so the common case is a single
   * round trip and commit; disabling the endpoint adds its own statements in a transaction.
   */
  async finishAttempt(
    advertiserId: string,
    d: { id: string; endpointId: string; attempt: number; startedAt: Date },
    r: { statusCode: number | null; latencyMs: number | null; error: string | null },
    next: { status: 'succeeded' | 'failed' | 'pending' | 'cancelled'; retryInMs?: number; disable?: string },
  ): Promise<void> {
    const record = (tx?: Tx) =>
      this.db.prepared(
        'webhook_deliveries.finish_attempt',
        `WITH attempt AS (
           INSERT INTO webhook_attempts (id, advertiser_id, delivery_id, attempt, started_at, status_code, latency_ms, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (delivery_id, attempt) DO NOTHING
         )
         UPDATE webhook_deliveries SET status = $9, last_status_code = $6, last_error = $8, lease_until = NULL, updated_at = now(),
           next_attempt_at = CASE WHEN $9 = 'pending' THEN now() + $10 * interval '1 millisecond' END,
           finished_at = CASE WHEN $9 = 'pending' THEN NULL ELSE now() END
         WHERE advertiser_id = $2 AND id = $3 AND status = 'sending' AND attempts = $4`,
        [newId(), advertiserId, d.id, d.attempt, d.startedAt.toISOString(), r.statusCode, r.latencyMs, r.error, next.status, next.retryInMs ?? 0],
        tx,
      );
    if (!next.disable) {
      await record();
      return;
    }
    await this.db.tx(async (tx) => {
      await record(tx);
      await this.disableEndpoint(advertiserId, d.endpointId, next.disable!, tx);
    });
  }

  /** The attempt of a worker that stopped mid-request, logged when another takes the delivery over. */
  async logLostAttempt(advertiserId: string, deliveryId: string, attempt: number): Promise<void> {
    await this.db.rows(
      `INSERT INTO webhook_attempts (id, advertiser_id, delivery_id, attempt, started_at, error) VALUES ($1, $2, $3, $4, now(), $5) ON CONFLICT (delivery_id, attempt) DO NOTHING`,
      [newId(), advertiserId, deliveryId, attempt, 'no result: the worker stopped during the attempt'],
    );
  }

  /**
   * The outbox sweep (all tenants): pending rows due for more than `graceMs` (a row enqueued on
   * commit is normally claimed within milliseconds, so one still pending after the grace has
   * most likely lost its wake-up; re-adding every freshly due row would put the whole backlog of
   * a burst into Redis again on every sweep) and rows whose attempt's lease expired.
   */
  due(limit: number, graceMs = 0): Promise<{ advertiserId: string; id: string; attempts: number }[]> {
    return this.db.rows(
      `(SELECT advertiser_id AS "advertiserId", id, attempts FROM webhook_deliveries
        WHERE status = 'pending' AND next_attempt_at <= now() - $2 * interval '1 millisecond' ORDER BY next_attempt_at LIMIT $1)
       UNION ALL
       (SELECT advertiser_id AS "advertiserId", id, attempts FROM webhook_deliveries WHERE status = 'sending' AND lease_until < now() ORDER BY lease_until LIMIT $1)`,
      [limit, graceMs],
    );
  }
}
