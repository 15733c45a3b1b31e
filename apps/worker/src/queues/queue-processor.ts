import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { env, JOBS, type QueueName, QUEUES, type WorkerPingPayload, type WorkerPingResult } from '@kuaiche/domain';
import { type Job, UnrecoverableError } from 'bullmq';
import { setTimeout as sleep } from 'timers/promises';
import { OptimizationJobs } from '../optimization/optimization.jobs';
import { AlertingJobs } from '../alerts/alerting.jobs';
import { RotationJobs } from '../experiments/rotation.jobs';
import { PlatformSyncJobs } from '../platform/platform-sync.jobs';

/**
 * The consumer of one queue. Processors switch on `job.name`; a name this build does not know
 * fails at once (UnrecoverableError: no retries) so a job enqueued by a newer release is kept
 * for inspection instead of looping. Features add their cases as they land.
 */
export function createQueueProcessor(queue: QueueName, concurrency: number) {
  @Processor(queue, { concurrency, lockDuration: env().WORKER_LOCK_MS, stalledInterval: Math.min(30_000, env().WORKER_LOCK_MS), metrics: { maxDataPoints: 60 * 24 } })
  class QueueProcessor extends WorkerHost {
    readonly logger = new Logger(`queue:${queue}`);

    constructor(
      private readonly optimization: OptimizationJobs,
      private readonly alerting: AlertingJobs,
      private readonly rotation: RotationJobs,
      private readonly platform: PlatformSyncJobs,
    ) {
      super();
    }

    async process(job: Job): Promise<unknown> {
      const started = Date.now();
      try {
        switch (job.name) {
          case JOBS.workerPing: {
            const { holdMs = 0 } = (job.data ?? {}) as WorkerPingPayload;
            if (holdMs > 0) await sleep(Math.min(holdMs, 60_000));
            return { pid: process.pid, queue } satisfies WorkerPingResult;
          }
          case JOBS.optimizeFanout:
            if (queue !== QUEUES.bidOptimization) break;
            return await this.optimization.fanout(job);
          case JOBS.optimizePlan:
            if (queue !== QUEUES.bidOptimization) break;
            return await this.optimization.optimizePlan(job);
          case JOBS.rotateFanout:
            if (queue !== QUEUES.creativeRotation) break;
            return await this.rotation.fanout(job);
          case JOBS.rotateExperiment:
            if (queue !== QUEUES.creativeRotation) break;
            return await this.rotation.rotateExperiment(job);
          case JOBS.alertsEvaluate:
            if (queue !== QUEUES.alerts) break;
            return await this.alerting.evaluate(job);
          case JOBS.webhookDeliver:
            if (queue !== QUEUES.webhookDelivery) break;
            return await this.alerting.deliver(job);
          case JOBS.webhooksDispatch:
            if (queue !== QUEUES.webhookDelivery) break;
            return await this.alerting.dispatch();
          case JOBS.platformSyncFanout:
            if (queue !== QUEUES.platformSync) break;
            return await this.platform.fanout(job);
          case JOBS.platformSync:
            if (queue !== QUEUES.platformSync) break;
            return await this.platform.syncAdvertiser(job);
        }
        throw new UnrecoverableError(`unknown job name "${job.name}" on queue ${queue}`);
      } finally {
        this.logger.log({ msg: 'job processed', jobId: job.id, job: job.name, attempt: job.attemptsMade + 1, ms: Date.now() - started });
      }
    }
  }
  Object.defineProperty(QueueProcessor, 'name', { value: `${queue.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase())}Processor` });
  return QueueProcessor;
}
