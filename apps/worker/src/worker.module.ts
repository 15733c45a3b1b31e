import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { ALL_QUEUES, DomainModule, env, Env } from '@kuaiche/domain';
import { LoggerModule } from 'nestjs-pino';
import { createQueueProcessor } from './queues/queue-processor';

const concurrency = env().WORKER_CONCURRENCY;

@Module({
  imports: [
    LoggerModule.forRoot({ pinoHttp: { level: env().LOG_LEVEL, name: 'worker' } }),
    DomainModule,
    BullModule.forRootAsync({
      inject: [Env],
      useFactory: (e: Env) => ({
        connection: { url: e.REDIS_URL, maxRetriesPerRequest: null },
        prefix: e.QUEUE_PREFIX,
        defaultJobOptions: {
          attempts: 5,
          backoff: { type: 'exponential', delay: 5_000 },
          removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
          // Failed jobs stay for inspection.
          removeOnFail: false,
        },
      }),
    }),
    BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name }))),
  ],
  providers: ALL_QUEUES.map((q) => createQueueProcessor(q, concurrency)),
})
export class WorkerModule {}
