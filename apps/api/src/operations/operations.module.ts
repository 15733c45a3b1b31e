import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { QueueModule } from '@kuaiche/domain';
import { MetricsService } from './metrics.service';
import { QueueMetrics } from './queue-metrics';
import { OperationsController } from './operations.controller';
import { REDIS, redisProvider } from './redis.provider';

@Module({
  imports: [QueueModule],
  controllers: [OperationsController],
  providers: [MetricsService, redisProvider, QueueMetrics],
  exports: [MetricsService],
})
export class OperationsModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }
}
