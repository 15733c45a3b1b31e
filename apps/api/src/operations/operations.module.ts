import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { MetricsService } from './metrics.service';
import { OperationsController } from './operations.controller';
import { REDIS, redisProvider } from './redis.provider';

@Module({
  controllers: [OperationsController],
  providers: [MetricsService, redisProvider],
  exports: [MetricsService],
})
export class OperationsModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }
}
