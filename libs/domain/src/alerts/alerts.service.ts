import { dayBudgetFen, evaluatePlanAlerts, type AlertFinding, type PlanHourFacts, targetRoiFor } from '@kuaiche/bidding';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Env } from '../config/env';
import { Db, type Tx } from '../db/db';
import { ConflictError, NotFoundError } from '../errors';
import { newId } from '../ids';
import { type AlertsEvaluatePayload, alertsEvaluateDedupId, JOBS, QUEUES, type WebhookDeliverPayload, webhookDeliverJobId } from '../queues';
import { type Alert, AlertsRepository, type AlertSeverity, eventBody, type NewAlert } from '../repositories/alerts.repository';
import { PLAN_COLS, PlansRepository } from '../repositories/plans.repository';
import { WebhooksRepository } from '../repositories/webhooks.repository';
import type { Advertiser, Plan } from '../types';
import { HOUR_MS, hourStart, localClock } from '../time';

/** Hours of plan facts the rules read: 7 baseline days behind a 24-hour window. */
const RULE_HOURS = 8 * 24;

/** Rule figures as the API shows them: `xxxFen` becomes `xxx` in CNY. */
export function cnyData(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    if (k.endsWith('Fen') && typeof v === 'number') out[k.slice(0, -3)] = Math.round(v) / 100;
    else out[k] = v;
  }
  return out;
}

const EVENT_SEVERITY: Record<string, AlertSeverity> = { 'creative.fatigued': 'warning' };
const EVENT_MESSAGE: Record<string, string> = {
  'experiment.decided': 'a creative experiment has a winner',
  'creative.fatigued': "a winning creative's click-through rate is fading: refresh it",
  'test_product.verdict': 'a test product has a verdict',
  'plan.optimized': 'the plan was optimized',
};

/**
 * Alert rules and raising. `evaluatePlan(advertiser, planId, asOf)` reads the plan's hourly
 * rollup of the 8 days before asOf, runs libs/bidding's rules and raises what they find (once
 * per rule, plan and budget day; again only on escalation), with the webhook deliveries in the
 * same transaction, then enqueues those deliveries (the dispatcher's sweep catches any the
 * enqueue misses). Time is asOf only.
 */
@Injectable()
export class AlertsService {
  private readonly logger = new Logger('alerts');

  constructor(
    private readonly db: Db,
    private readonly env: Env,
    private readonly alerts: AlertsRepository,
    private readonly webhooks: WebhooksRepository,
    private readonly plans: PlansRepository,
    @InjectQueue(QUEUES.alerts) private readonly alertsQueue: Queue,
    @InjectQueue(QUEUES.webhookDelivery) private readonly deliveryQueue: Queue,
  ) {}

  /** What the rules find for (plan, asOf), nothing written (read in `tx` when given). */
  async findings(advertiser: Advertiser, plan: Plan, asOf: Date, tx?: Tx): Promise<{ findings: AlertFinding[]; budgetDay: string }> {
    const last = new Date(asOf.getTime() - HOUR_MS);
    const clock = localClock(last, advertiser.timezone);
    const rows = await this.db.rows<PlanHourFacts & { h: number }>(
      `SELECT (extract(epoch FROM hour) / 3600)::int AS h, impressions::float8 AS impressions, clicks::float8 AS clicks, cost_fen::float8 AS "costFen",
              orders::float8 AS orders, gmv_fen::float8 AS "gmvFen"
       FROM plan_stats_hourly WHERE advertiser_id = $1 AND plan_id = $2 AND hour >= $3 AND hour < $4`,
      [advertiser.id, plan.id, new Date(asOf.getTime() - RULE_HOURS * HOUR_MS).toISOString(), asOf.toISOString()],
      tx,
    );
    const first = asOf.getTime() / HOUR_MS - RULE_HOURS;
    const hours: (PlanHourFacts | null)[] = new Array(RULE_HOURS).fill(null);
    for (const r of rows) hours[r.h - first] = { impressions: r.impressions, clicks: r.clicks, costFen: r.costFen, orders: r.orders, gmvFen: r.gmvFen };
    const input = { id: plan.id, type: plan.type, status: plan.status, bidStrategy: plan.bidStrategy, dailyBudgetFen: plan.dailyBudgetFen, targetRoi: plan.targetRoi, minBidFen: plan.minBidFen, maxBidFen: plan.maxBidFen, schedule: plan.schedule, promo: plan.promo };
    const findings = evaluatePlanAlerts({
      hours,
      lastHourOfDay: clock.hourOfDay,
      dayBudgetFen: dayBudgetFen(input, clock.date),
      targetRoi: targetRoiFor(input, clock.date, 3, 5),
      served: plan.schedule?.[clock.dayOfWeek]?.map((m) => m !== 0),
    });
    return { findings, budgetDay: clock.date };
  }

  /**
   * Runs the rules for one plan at hour `asOf` and raises what they find. Returns the alerts
   * raised now (none when everything found was already raised at that severity). Paused and
   * archived plans raise nothing.
   */
  async evaluatePlan(advertiser: Advertiser, planId: string, asOf: Date): Promise<Alert[]> {
    const plan = await this.plans.findById(advertiser.id, planId);
    if (!plan) throw new NotFoundError('plan');
    return this.evaluateLoaded(advertiser, plan, asOf);
  }

  private async evaluateLoaded(advertiser: Advertiser, plan: Plan, asOf: Date): Promise<Alert[]> {
    if (plan.status !== 'active') return [];
    const { findings, budgetDay } = await this.findings(advertiser, plan, asOf);
    if (!findings.length) return [];
    const raised = await this.db.tx((tx) => this.raiseFindings(advertiser, plan, asOf, findings, budgetDay, tx));
    await this.kick(advertiser.id, raised.deliveryIds);
    return raised.alerts;
  }

  /**
   * `evaluatePlan` inside an optimization run: `alongside` (the run's hook) raises the hour's
   * alerts in the run's transaction, so they commit (durably) with its writes, once; `kick`, after
   * that commit, enqueues their deliveries. A run already finished raises nothing again.
   */
  withRun(advertiser: Advertiser, asOf: Date): { alongside: (tx: Tx, plan: Plan) => Promise<void>; kick: () => Promise<void> } {
    let deliveryIds: string[] = [];
    return {
      alongside: async (tx, plan) => {
        if (plan.status !== 'active') return;
        const { findings, budgetDay } = await this.findings(advertiser, plan, asOf, tx);
        deliveryIds = (await this.raiseFindings(advertiser, plan, asOf, findings, budgetDay, tx)).deliveryIds;
      },
      kick: () => this.kick(advertiser.id, deliveryIds),
    };
  }

  private async raiseFindings(advertiser: Advertiser, plan: Plan, asOf: Date, findings: AlertFinding[], budgetDay: string, tx: Tx): Promise<{ alerts: Alert[]; deliveryIds: string[] }> {
    const alerts: Alert[] = [];
    const deliveryIds: string[] = [];
    for (const f of findings) {
      const r = await this.alerts.raise(
        advertiser.id,
        { planId: plan.id, type: f.type, severity: f.severity, hour: asOf, episode: budgetDay, message: f.message, data: { ...cnyData(f.data), kind: f.kind, budgetDay } },
        tx,
        advertiser.timezone,
      );
      if (r) {
        alerts.push(r.alert);
        deliveryIds.push(...r.deliveryIds);
      }
    }
    return { alerts, deliveryIds };
  }

  /** After an ingestion: every active plan with facts in the hour before `asOf`. */
  async evaluateHour(advertiser: Advertiser, asOf: Date): Promise<{ plans: number; raised: number }> {
    const plans = await this.db.rows<Plan>(
      `SELECT ${PLAN_COLS} FROM plans p WHERE p.advertiser_id = $1 AND p.status = 'active'
         AND EXISTS (SELECT 1 FROM plan_stats_hourly s WHERE s.advertiser_id = p.advertiser_id AND s.plan_id = p.id AND s.hour = $2)
       ORDER BY p.id`,
      [advertiser.id, new Date(asOf.getTime() - HOUR_MS).toISOString()],
    );
    let raised = 0;
    for (const p of plans) raised += (await this.evaluateLoaded(advertiser, p, asOf)).length;
    return { plans: plans.length, raised };
  }

  /**
   * Queues `alerts.evaluate` for (advertiser, asOf) after a short delay: the batches of one upload
   * share one evaluation, and one arriving while it runs gets another run after it. Never
   * throws: ingestion has committed, and a lost evaluation costs only that hour's alert.
   */
  async scheduleEvaluation(advertiserId: string, asOf: Date): Promise<void> {
    try {
      await this.alertsQueue.add(JOBS.alertsEvaluate, { advertiserId, asOf: asOf.toISOString() } satisfies AlertsEvaluatePayload, {
        deduplication: { id: alertsEvaluateDedupId(advertiserId, asOf), keepLastIfActive: true },
        delay: this.env.ALERTS_EVALUATE_DELAY_MS,
        removeOnComplete: { age: 24 * 3600, count: 1000 },
      });
    } catch (err) {
      this.logger.warn({ msg: 'alert evaluation not queued', advertiserId, asOf: asOf.toISOString(), err: (err as Error).message });
    }
  }

  /** Raises one alert (or event) in its own transaction and enqueues its deliveries. */
  async raise(advertiserId: string, alert: NewAlert, timeZone?: string): Promise<Alert | null> {
    const r = await this.db.tx((tx) => this.alerts.raise(advertiserId, alert, tx, timeZone));
    if (r) await this.kick(advertiserId, r.deliveryIds);
    return r?.alert ?? null;
  }

  /** On-commit enqueue of fresh deliveries. Failures are left to the dispatcher's sweep. */
  async kick(advertiserId: string, deliveryIds: string[]): Promise<void> {
    if (!deliveryIds.length) return;
    try {
      await this.deliveryQueue.addBulk(
        deliveryIds.map((id) => ({
          name: JOBS.webhookDeliver,
          data: { advertiserId, deliveryId: id } satisfies WebhookDeliverPayload,
          opts: { jobId: webhookDeliverJobId(id, 0), removeOnComplete: true },
        })),
      );
    } catch (err) {
      this.logger.warn({ msg: 'deliveries not queued; the dispatcher will', advertiserId, n: deliveryIds.length, err: (err as Error).message });
    }
  }

  /** `POST /v1/webhook-endpoints/{id}/test`: a `webhook.test` ping to that endpoint only. */
  async sendTest(advertiserId: string, endpointId: string, at: Date): Promise<string> {
    const endpoint = await this.webhooks.findEndpoint(advertiserId, endpointId);
    if (!endpoint) throw new NotFoundError('webhook endpoint');
    if (endpoint.status !== 'active') throw new ConflictError(`the endpoint is ${endpoint.status}${endpoint.disabledReason ? ` (${endpoint.disabledReason})` : ''}; create a new one`);
    const eventId = newId();
    const payload = eventBody('webhook.test', at, { endpointId, message: 'a test event from Kuaiche Pilot' });
    const [id] = await this.webhooks.insertDeliveries(advertiserId, [{ endpointId, eventId, eventType: 'webhook.test', payload }]);
    await this.kick(advertiserId, [id]);
    return id;
  }

  /** `POST /v1/deliveries/{id}/redeliver`: the same event (same webhook-id and body) as a new delivery. */
  async redeliver(advertiserId: string, deliveryId: string): Promise<string> {
    const d = await this.webhooks.findDelivery(advertiserId, deliveryId);
    if (!d) throw new NotFoundError('delivery');
    if (d.endpointStatus !== 'active') throw new ConflictError(`the endpoint is ${d.endpointStatus}; nothing can be delivered to it`);
    const [id] = await this.webhooks.insertDeliveries(advertiserId, [
      { endpointId: d.endpointId, eventId: d.eventId, eventType: d.eventType, payload: d.payload, alertId: d.alertId, redeliveryOf: d.id },
    ]);
    await this.kick(advertiserId, [id]);
    return id;
  }

  /** Turns the other features' `domain_events` into alerts, each exactly once. */
  async consumeDomainEvents(limit = 500): Promise<number> {
    const since = new Date(Date.now() - 7 * 24 * HOUR_MS);
    // The smallest UUIDv7 of that millisecond.
    const hex = since.getTime().toString(16).padStart(12, '0');
    const sinceId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
    const events = await this.alerts.pendingDomainEvents(limit, sinceId);
    for (const e of events) {
      const p = e.payload ?? {};
      const rawHour = typeof p.hour === 'string' ? p.hour : typeof p.asOf === 'string' ? p.asOf : null;
      const t = rawHour ? Date.parse(rawHour) : NaN;
      const hour = hourStart(Number.isNaN(t) ? new Date(e.createdAt).getTime() : t);
      const r = await this.db.tx(async (tx) => {
        if (!(await this.alerts.receipt(e.id, tx))) return null;
        return this.alerts.raise(
          e.advertiserId,
          {
            planId: e.planId,
            type: e.type,
            severity: typeof p.severity === 'string' && ['info', 'warning', 'critical'].includes(p.severity) ? (p.severity as AlertSeverity) : (EVENT_SEVERITY[e.type] ?? 'info'),
            hour,
            episode: `event:${e.id}`,
            message: typeof p.message === 'string' ? p.message : (EVENT_MESSAGE[e.type] ?? e.type),
            data: { ...p, eventId: e.id },
          },
          tx,
        );
      });
      if (r) await this.kick(e.advertiserId, r.deliveryIds);
    }
    return events.length;
  }
}
