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
} as const;

export interface WorkerPingPayload {
  /** Milliseconds to hold the job, so operators and tests can watch a graceful shutdown. */
  holdMs?: number;
}

export interface WorkerPingResult {
  pid: number;
  queue: QueueName;
}
