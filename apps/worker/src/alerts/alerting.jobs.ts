import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import {
  AdvertisersRepository,
  AlertsService,
  type AlertsEvaluatePayload,
  Env,
  isUuid,
  JOBS,
  QUEUES,
  WebhookDeliveryService,
  type WebhookDeliverPayload,
  WEBHOOKS_DISPATCH_SCHEDULER_ID,
} from '@kuaiche/domain';
import { type Job, Queue, UnrecoverableError } from 'bullmq';
import { jobHour } from '../queues/fanout';

/**
 * Alerts and webhooks in the worker: `alerts.evaluate` after ingestion, one attempt per
 * `webhook.deliver`, and the outbox sweeper `webhooks.dispatch`, fired every
 * WEBHOOK_DISPATCH_EVERY_MS by a Job Scheduler upserted on boot. The sweeper is part of the
 * delivery guarantee (it is what finds a delivery whose enqueue or worker was lost), not an
 * advertiser schedule, so SCHEDULER_ENABLED=false leaves it on; WEBHOOK_DISPATCH_EVERY_MS=0
 * turns it off.
 */
@Injectable()
export class AlertingJobs implements OnApplicationBootstrap {
  private readonly logger = new Logger('alerting');

  constructor(
    private readonly env: Env,
    private readonly advertisers: AdvertisersRepository,
    private readonly alerts: AlertsService,
    private readonly delivery: WebhookDeliveryService,
    @InjectQueue(QUEUES.webhookDelivery) private readonly queue: Queue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.env.WEBHOOK_DISPATCH_EVERY_MS === 0) {
      await this.queue.removeJobScheduler(WEBHOOKS_DISPATCH_SCHEDULER_ID);
      this.logger.log({ msg: 'webhook outbox sweeper off (WEBHOOK_DISPATCH_EVERY_MS=0)' });
      return;
    }
    await this.queue.upsertJobScheduler(
      WEBHOOKS_DISPATCH_SCHEDULER_ID,
      { every: this.env.WEBHOOK_DISPATCH_EVERY_MS },
      { name: JOBS.webhooksDispatch, data: {}, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } },
    );
    this.logger.log({ msg: 'webhook outbox sweeper scheduled', everyMs: this.env.WEBHOOK_DISPATCH_EVERY_MS });
  }

  async evaluate(job: Job<AlertsEvaluatePayload>): Promise<{ plans: number; raised: number }> {
    const { advertiserId, asOf } = job.data ?? ({} as AlertsEvaluatePayload);
    const advertiser = isUuid(advertiserId) ? await this.advertisers.findById(advertiserId) : null;
    if (!advertiser) throw new UnrecoverableError(`advertiser ${advertiserId} not found`);
    const hour = jobHour(asOf);
    return this.alerts.evaluateHour(advertiser, hour);
  }

  deliver(job: Job<WebhookDeliverPayload>) {
    const { advertiserId, deliveryId } = job.data ?? ({} as WebhookDeliverPayload);
    if (!isUuid(advertiserId) || !isUuid(deliveryId)) throw new UnrecoverableError('advertiserId and deliveryId must be UUIDs');
    return this.delivery.deliver({ advertiserId, deliveryId });
  }

  dispatch() {
    return this.delivery.dispatch();
  }
}
