import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { Env } from './config/env';
import { ALL_QUEUES } from './queues';

/**
 * The BullMQ connection and every queue, the same for the API (which enqueues) and the worker
 * (which consumes). Failed jobs are retried with exponential backoff and then kept for
 * inspection; completed ones are kept a week.
 */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [Env],
      useFactory: (e: Env) => ({
        connection: { url: e.REDIS_URL, maxRetriesPerRequest: null },
        prefix: e.QUEUE_PREFIX,
        defaultJobOptions: {
          attempts: 5,
          backoff: { type: 'exponential', delay: 5_000 },
          removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
          removeOnFail: false,
        },
      }),
    }),
    BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name }))),
  ],
  exports: [BullModule],
})
export class QueueModule {}
