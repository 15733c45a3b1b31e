import { type AlertSeverity, RULE_ALERT_TYPES, SEVERITY_RANK } from '@kuaiche/bidding';
import type { Db, Tx } from '../db/db';
import { newId } from '../ids';
import { isoInZone } from '../time';
import { WebhooksRepository } from './webhooks.repository';

export { ALERT_SEVERITIES, type AlertSeverity } from '@kuaiche/bidding';

/**
 * Event types an endpoint can subscribe to. The rules' alerts, the other features' events
 * (`experiment.decided`, `creative.fatigued`, `test_product.verdict`), `plan.optimized`
 * (opt-in: only endpoints that name it get it, `*` does not) and the `webhook.test` ping.
 */
export const ALERT_TYPES = [
  ...RULE_ALERT_TYPES,
  'experiment.decided',
  'creative.fatigued',
  'test_product.verdict',
  'plan.optimized',
] as const;
export const OPT_IN_EVENT_TYPES: readonly string[] = ['plan.optimized'];
export const WEBHOOK_EVENT_TYPES = [...ALERT_TYPES, 'webhook.test', '*'] as const;

export interface Alert extends NewAlert {
  id: string;
  advertiserId: string;
  createdAt: Date;
}

export interface NewAlert {
  planId: string | null;
  type: string;
  severity: AlertSeverity;
  /** The hour the alert is about (the evaluation's asOf, or the event's hour). */
  hour: Date;
  /**
   * What makes two raises "the same alert": the budget day (YYYY-MM-DD) for the rules, the
   * event's own id for events. Raised once per (plan, type, episode), again only at a higher severity.
   */
  episode: string;
  message: string;
  data: Record<string, unknown>;
}

export interface AlertFilter {
  planId?: string;
  type?: string;
  severity?: AlertSeverity;
  /** Alert hours from (inclusive) and to (exclusive). */
  from?: Date;
  to?: Date;
  afterId?: string;
  limit: number;
}

const ALERT_COLS = `id, advertiser_id AS "advertiserId", plan_id AS "planId", type, severity, hour, episode, message, data, created_at AS "createdAt"`;

/** The alert as the API and the webhook body show it. */
export function alertJson(a: Alert, timeZone: string): Record<string, unknown> {
  return { id: a.id, planId: a.planId, type: a.type, severity: a.severity, hour: isoInZone(a.hour, timeZone), message: a.message, data: a.data, createdAt: a.createdAt.toISOString() };
}

/** The webhook body: `{ type, timestamp, data }` (Standard Webhooks). */
export function eventBody(type: string, timestamp: Date, data: unknown): string {
  return JSON.stringify({ type, timestamp: timestamp.toISOString(), data });
}

/** Alerts, their dedupe/escalation ledger, and the outbox rows that carry them to the webhooks. */
export class AlertsRepository {
  constructor(
    private readonly db: Db,
    private readonly webhooks: WebhooksRepository,
  ) {}

  /**
   * Raises an alert in the caller's transaction: writes it (unless this plan, type and episode
   * already had one at this severity or higher) and a pending delivery for every endpoint
   * subscribed to its type, so the alert and its webhooks commit or vanish together (outbox).
   * Returns null when deduplicated; otherwise the alert and the delivery ids, which the caller
   * may enqueue after commit (`AlertsService.kick`) or leave to the dispatcher's sweep.
   */
  async raise(advertiserId: string, alert: NewAlert, tx: Tx, timeZone?: string): Promise<{ alert: Alert; deliveryIds: string[] } | null> {
    const optIn = OPT_IN_EVENT_TYPES.includes(alert.type);
    const endpoints = await this.webhooks.subscribers(advertiserId, alert.type, optIn, tx);
    if (optIn && endpoints.length === 0) return null;
    const id = newId();
    // The episode ledger decides (a new episode, or a higher severity in it) and the alert row
    // follows in the same statement: nothing is written when the ledger says "already raised".
    const [row] = await this.db.prepared<Alert>(
      'alerts.raise',
      `WITH won AS (
         INSERT INTO alert_episodes (advertiser_id, scope, type, episode, severity_rank, alert_id) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (advertiser_id, scope, type, episode) DO UPDATE SET severity_rank = EXCLUDED.severity_rank, alert_id = EXCLUDED.alert_id
           WHERE alert_episodes.severity_rank < EXCLUDED.severity_rank
         RETURNING alert_id
       )
       INSERT INTO alerts (id, advertiser_id, plan_id, type, severity, hour, episode, message, data)
       SELECT won.alert_id, $1::uuid, $7::uuid, $3::text, $8::text, $9::timestamptz, $4::text, $10::text, $11::jsonb FROM won
       RETURNING ${ALERT_COLS}`,
      [advertiserId, alert.planId ?? '', alert.type, alert.episode, SEVERITY_RANK[alert.severity], id, alert.planId, alert.severity, alert.hour.toISOString(), alert.message, JSON.stringify(alert.data)],
      tx,
    );
    if (!row) return null;
    if (!endpoints.length) return { alert: row, deliveryIds: [] };
    const tz = timeZone ?? (await this.db.one<{ timezone: string }>(`SELECT timezone FROM advertisers WHERE id = $1`, [advertiserId], tx))?.timezone ?? 'UTC';
    const payload = eventBody(row.type, row.createdAt, alertJson(row, tz));
    const deliveryIds = await this.webhooks.insertDeliveries(
      advertiserId,
      endpoints.map((e) => ({ endpointId: e.id, eventId: row.id, eventType: row.type, payload, alertId: row.id })),
      tx,
    );
    return { alert: row, deliveryIds };
  }

  find(advertiserId: string, id: string): Promise<Alert | null> {
    return this.db.one<Alert>(`SELECT ${ALERT_COLS} FROM alerts WHERE advertiser_id = $1 AND id = $2`, [advertiserId, id]);
  }

  /** Newest first. */
  list(advertiserId: string, f: AlertFilter): Promise<Alert[]> {
    const params: unknown[] = [advertiserId];
    const where = ['advertiser_id = $1'];
    if (f.planId) where.push(`plan_id = $${params.push(f.planId)}`);
    if (f.type) where.push(`type = $${params.push(f.type)}`);
    if (f.severity) where.push(`severity = $${params.push(f.severity)}`);
    if (f.from) where.push(`hour >= $${params.push(f.from.toISOString())}`);
    if (f.to) where.push(`hour < $${params.push(f.to.toISOString())}`);
    if (f.afterId) where.push(`id < $${params.push(f.afterId)}`);
    return this.db.rows<Alert>(`SELECT ${ALERT_COLS} FROM alerts WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.push(f.limit + 1)}`, params);
  }

  /**
   * Domain events of the other features (issue 6's `domain_events` outbox) not yet turned into
   * alerts, oldest first, over the last 7 days (ids are UUIDv7, so the window is an index range).
   */
  pendingDomainEvents(limit: number, sinceId: string): Promise<{ id: string; advertiserId: string; type: string; planId: string | null; payload: Record<string, unknown> | null; createdAt: Date }[]> {
    return this.db.rows(
      `SELECT e.id, e.advertiser_id AS "advertiserId", e.type, e.plan_id AS "planId", e.payload, e.created_at AS "createdAt"
       FROM domain_events e
       WHERE e.id >= $2 AND NOT EXISTS (SELECT 1 FROM domain_event_receipts r WHERE r.event_id = e.id)
       ORDER BY e.id LIMIT $1`,
      [limit, sinceId],
    );
  }

  /** Marks an event consumed (also when it raised nothing, e.g. an opt-in type nobody subscribes to). */
  async receipt(eventId: string, tx: Tx): Promise<boolean> {
    const r = await this.db.rows(`INSERT INTO domain_event_receipts (event_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING event_id`, [eventId], tx);
    return r.length > 0;
  }
}
