import { Module } from '@nestjs/common';
import { ALL_QUEUES, DomainModule, env, QueueModule, QUEUES } from '@kuaiche/domain';
import { LoggerModule } from 'nestjs-pino';
import { OptimizationJobs } from './optimization/optimization.jobs';
import { createQueueProcessor } from './queues/queue-processor';

const concurrency = env().WORKER_CONCURRENCY;

@Module({
  imports: [
    LoggerModule.forRoot({ pinoHttp: { level: env().LOG_LEVEL, name: 'worker' } }),
    DomainModule,
    QueueModule,
  ],
  providers: [OptimizationJobs, ...ALL_QUEUES.map((q) => createQueueProcessor(q, q === QUEUES.bidOptimization ? env().OPTIMIZE_CONCURRENCY : concurrency))],
})
export class WorkerModule {}
