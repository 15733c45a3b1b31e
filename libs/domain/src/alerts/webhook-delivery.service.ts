import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Env } from '../config/env';
import { JOBS, QUEUES, type WebhookDeliverPayload, webhookDeliverJobId } from '../queues';
import { WebhooksRepository } from '../repositories/webhooks.repository';
import { postWebhook, signWebhook } from '../webhooks/sender';
import { AlertsService } from './alerts.service';

/** Delays before each attempt (the first is the first attempt's), from WEBHOOK_RETRY_SCHEDULE_MS. */
export function retrySchedule(env: Env): number[] {
  return env.WEBHOOK_RETRY_SCHEDULE_MS.split(',').map(Number);
}

/** +-10% so that a receiver that came back is not hit by every retry in the same second. */
export function withJitter(ms: number, random: () => number = Math.random): number {
  return Math.round(ms * (0.9 + 0.2 * random()));
}

export type AttemptOutcome = 'succeeded' | 'retry' | 'failed' | 'disabled' | 'cancelled' | 'skipped';

/**
 * The sending side of the outbox. `deliver` makes one attempt of one delivery: claim (a row
 * lease, so a duplicate job or a second worker does nothing), sign, POST, log the attempt and
 * move the row on (succeeded; pending again on the retry schedule; failed after the last; 410
 * disables the endpoint). `dispatch` is the sweeper the job scheduler fires every few seconds:
 * domain events to alerts, then due pending rows and rows whose worker vanished mid-attempt
 * (lease expired) to the queue. A crash anywhere loses nothing: the row is the truth, the
 * queue only a wake-up.
 */
@Injectable()
export class WebhookDeliveryService {
  private readonly logger = new Logger('webhooks');

  constructor(
    private readonly env: Env,
    private readonly webhooks: WebhooksRepository,
    private readonly alerts: AlertsService,
    @InjectQueue(QUEUES.webhookDelivery) private readonly queue: Queue,
  ) {}

  private get leaseMs(): number {
    return this.env.WEBHOOK_TIMEOUT_MS + 5_000;
  }

  async deliver(p: WebhookDeliverPayload): Promise<{ outcome: AttemptOutcome; attempt?: number; status?: number | null }> {
    const c = await this.webhooks.claim(p.advertiserId, p.deliveryId, this.leaseMs);
    if (!c) return { outcome: 'skipped' };
    if (c.prevStatus === 'sending') await this.webhooks.logLostAttempt(c.advertiserId, c.id, c.attempts - 1);
    const started = new Date();
    const ref = { id: c.id, endpointId: c.endpointId, attempt: c.attempts, startedAt: started };
    if (c.endpointStatus !== 'active') {
      await this.webhooks.finishAttempt(c.advertiserId, ref, { statusCode: null, latencyMs: null, error: `endpoint ${c.endpointStatus}` }, { status: 'cancelled' });
      return { outcome: 'cancelled', attempt: c.attempts };
    }
    const ts = Math.floor(started.getTime() / 1000);
    const res = await postWebhook(
      c.url,
      { 'webhook-id': c.eventId, 'webhook-timestamp': String(ts), 'webhook-signature': signWebhook(c.secret, c.eventId, ts, c.payload) },
      c.payload,
      { timeoutMs: this.env.WEBHOOK_TIMEOUT_MS, allowPrivate: this.env.WEBHOOK_ALLOW_PRIVATE },
    );
    const log = { statusCode: res.status, latencyMs: res.latencyMs, error: res.error };
    const ok = res.status !== null && res.status >= 200 && res.status < 300;
    if (ok) {
      await this.webhooks.finishAttempt(c.advertiserId, ref, log, { status: 'succeeded' });
      return { outcome: 'succeeded', attempt: c.attempts, status: res.status };
    }
    if (res.status === 410) {
      await this.webhooks.finishAttempt(c.advertiserId, ref, log, { status: 'failed', disable: 'the endpoint answered 410 Gone' });
      return { outcome: 'disabled', attempt: c.attempts, status: 410 };
    }
    const schedule = retrySchedule(this.env);
    if (c.attempts >= schedule.length) {
      await this.webhooks.finishAttempt(c.advertiserId, ref, log, { status: 'failed' });
      return { outcome: 'failed', attempt: c.attempts, status: res.status };
    }
    const delay = withJitter(schedule[c.attempts]);
    await this.webhooks.finishAttempt(c.advertiserId, ref, log, { status: 'pending', retryInMs: delay });
    try {
      await this.queue.add(JOBS.webhookDeliver, p, { jobId: webhookDeliverJobId(c.id, c.attempts), delay, removeOnComplete: true });
    } catch (err) {
      this.logger.warn({ msg: 'retry not queued; the dispatcher will', deliveryId: c.id, err: (err as Error).message });
    }
    return { outcome: 'retry', attempt: c.attempts, status: res.status };
  }

  /** The sweep: events to alerts, then every due or orphaned delivery to the queue (ids make repeats no-ops). */
  async dispatch(limit = 2_000): Promise<{ events: number; queued: number }> {
    const events = await this.alerts.consumeDomainEvents();
    // Two sweep intervals of grace: enough for an on-commit enqueue to have been taken.
    const due = await this.webhooks.due(limit, 2 * this.env.WEBHOOK_DISPATCH_EVERY_MS);
    if (due.length) {
      await this.queue.addBulk(
        due.map((d) => ({
          name: JOBS.webhookDeliver,
          data: { advertiserId: d.advertiserId, deliveryId: d.id } satisfies WebhookDeliverPayload,
          opts: { jobId: webhookDeliverJobId(d.id, d.attempts), removeOnComplete: true },
        })),
      );
    }
    return { events, queued: due.length };
  }
}
