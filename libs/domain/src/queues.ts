/**
 * Queue names and job payloads, declared once. Never rename a queue: jobs waiting under the
 * old name would be stranded. BullMQ job ids may not contain ':'.
 */
export const QUEUES = {
  bidOptimization: 'bid-optimization',
  creativeRotation: 'creative-rotation',
  alerts: 'alerts',
  webhookDelivery: 'webhook-delivery',
  platformSync: 'platform-sync',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export const ALL_QUEUES: QueueName[] = Object.values(QUEUES);

/** Job names, `noun.verb`. */
export const JOBS = {
  /** Liveness probe: any worker consuming the queue completes it and reports which process did. */
  workerPing: 'worker.ping',
  /** Hourly, from the job scheduler: one `optimize.plan` job per plan to optimize. */
  optimizeFanout: 'optimize.fanout',
  /** One plan-hour of bid optimization. */
  optimizePlan: 'optimize.plan',
  /** Hourly, from the job scheduler: one `rotate.experiment` job per experiment to rotate, on QUEUES.creativeRotation. */
  rotateFanout: 'rotate.fanout',
  /** One experiment-hour of creative rotation. */
  rotateExperiment: 'rotate.experiment',
  /** Alert rules for the plans of one advertiser at one hour (after stats ingestion), on QUEUES.alerts. */
  alertsEvaluate: 'alerts.evaluate',
  /** Every few seconds: domain events to alerts, due and orphaned deliveries to the queue (the outbox sweeper). */
  webhooksDispatch: 'webhooks.dispatch',
  /** One attempt of one webhook delivery, on QUEUES.webhookDelivery. */
  webhookDeliver: 'webhook.deliver',
  /** Hourly, from the job scheduler: one `platform.sync` job per advertiser whose platform syncs, on QUEUES.platformSync. */
  platformSyncFanout: 'platform-sync.fanout',
  /** One advertiser-hour of platform sync: the last hour's report pulled and ingested, the keywords pushed. */
  platformSync: 'platform.sync',
} as const;

/** The job scheduler that fires the hourly fan-out (one per deployment, upserted on worker boot). */
export const OPTIMIZE_SCHEDULER_ID = 'optimize-hourly';

export interface OptimizeFanoutPayload {
  /** The hour to plan for (ISO); absent for scheduled fires, which plan for the hour they fire in. */
  asOf?: string;
  /** Only these advertisers (an operator re-running some accounts); absent: every one on the wall clock. */
  advertiserIds?: string[];
}

export interface OptimizePlanPayload {
  advertiserId: string;
  planId: string;
  /** ISO instant at a whole hour. */
  asOf: string;
  trigger: 'schedule' | 'api';
}

/**
 * `optimize-<planId>-<hour>`: the same plan-hour is one job however many schedulers, workers or
 * API calls ask for it. (BullMQ ids may not contain ':', so the hour is written 2026-06-18T12Z.)
 */
export function optimizeJobId(planId: string, asOf: Date): string {
  return `optimize-${planId}-${asOf.toISOString().slice(0, 13)}Z`;
}

export interface WorkerPingPayload {
  /** Milliseconds to hold the job, so operators and tests can watch a graceful shutdown. */
  holdMs?: number;
}

export interface WorkerPingResult {
  pid: number;
  queue: QueueName;
}

/** The job scheduler of the webhook outbox sweeper (upserted on worker boot). */
export const WEBHOOKS_DISPATCH_SCHEDULER_ID = 'webhooks-dispatch';

export interface AlertsEvaluatePayload {
  advertiserId: string;
  /** ISO instant at a whole hour: the rules judge the hours before it. */
  asOf: string;
}

/**
 * One evaluation per advertiser-hour however many ingestion batches ask for it: the id
 * deduplicates while the job waits, and a request arriving while it runs queues one more run.
 */
export function alertsEvaluateDedupId(advertiserId: string, asOf: Date): string {
  return `alerts-${advertiserId}-${asOf.toISOString().slice(0, 13)}Z`;
}

export interface WebhookDeliverPayload {
  advertiserId: string;
  deliveryId: string;
}

/** `dlv-<deliveryId>-<attempts made>`: one job per attempt however often the sweeper finds it due. */
export function webhookDeliverJobId(deliveryId: string, attemptsMade: number): string {
  return `dlv-${deliveryId}-${attemptsMade}`;
}

/** The job scheduler that fires the hourly rotation fan-out (upserted on worker boot). */
export const ROTATE_SCHEDULER_ID = 'rotate-hourly';

export interface RotateFanoutPayload {
  /** The hour to rotate for (ISO); absent for scheduled fires, which rotate for the hour they fire in. */
  asOf?: string;
  /** Only these advertisers; absent: every one on the wall clock. */
  advertiserIds?: string[];
}

export interface RotateExperimentPayload {
  advertiserId: string;
  experimentId: string;
  /** ISO instant at a whole hour. */
  asOf: string;
  trigger: 'schedule' | 'api';
}

/** `rotate-<experimentId>-<hour>`: one job per experiment-hour (no ':' in BullMQ ids). */
export function rotateJobId(experimentId: string, asOf: Date): string {
  return `rotate-${experimentId}-${asOf.toISOString().slice(0, 13)}Z`;
}

/** The job scheduler that fires the hourly platform sync fan-out (upserted on worker boot). */
export const PLATFORM_SYNC_SCHEDULER_ID = 'platform-sync-hourly';

export interface PlatformSyncFanoutPayload {
  /** The hour to sync for (ISO): its previous hour is pulled. Absent for scheduled fires, which sync for the hour they fire in. */
  asOf?: string;
  /** Only these advertisers; absent: every one on the wall clock whose platform syncs. */
  advertiserIds?: string[];
}

export interface PlatformSyncPayload {
  advertiserId: string;
  /** ISO instant at a whole hour: the report of the hour before it is pulled. */
  asOf: string;
}

/** `sync-<advertiserId>-<hour>`: one sync per advertiser-hour (no ':' in BullMQ ids). */
export function platformSyncJobId(advertiserId: string, asOf: Date): string {
  return `sync-${advertiserId}-${asOf.toISOString().slice(0, 13)}Z`;
}
