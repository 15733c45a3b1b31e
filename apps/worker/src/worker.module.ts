import { Module } from '@nestjs/common';
import { ALL_QUEUES, AlertingModule, DomainModule, env, PlatformModule, QueueModule, QUEUES } from '@kuaiche/domain';
import { LoggerModule } from 'nestjs-pino';
import { OptimizationJobs } from './optimization/optimization.jobs';
import { AlertingJobs } from './alerts/alerting.jobs';
import { RotationJobs } from './experiments/rotation.jobs';
import { PlatformSyncJobs } from './platform/platform-sync.jobs';
import { createQueueProcessor } from './queues/queue-processor';

const concurrency = env().WORKER_CONCURRENCY;

@Module({
  imports: [
    LoggerModule.forRoot({ pinoHttp: { level: env().LOG_LEVEL, name: 'worker' } }),
    DomainModule,
    QueueModule,
    AlertingModule,
    PlatformModule,
  ],
  providers: [
    OptimizationJobs,
    AlertingJobs,
    RotationJobs,
    PlatformSyncJobs,
    ...ALL_QUEUES.map((q) => createQueueProcessor(q, q === QUEUES.bidOptimization ? env().OPTIMIZE_CONCURRENCY : q === QUEUES.webhookDelivery ? env().WEBHOOK_CONCURRENCY : concurrency)),
  ],
})
export class WorkerModule {}
