/**
 * Queue names and job payloads, declared once. Never rename a queue: jobs waiting under the
 * old name would be stranded. BullMQ job ids may not contain ':'.
 */
export const QUEUES = {
  bidOptimization: 'bid-optimization',
  creativeRotation: 'creative-rotation',
  alerts: 'alerts',
  webhookDelivery: 'webhook-delivery',
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
