import { Inject, type Provider } from '@nestjs/common';
import { Env } from '@kuaiche/domain';
import Redis from 'ioredis';

export const REDIS = Symbol('REDIS');
export const InjectRedis = () => Inject(REDIS);

/** One shared connection for health checks; BullMQ keeps its own. */
export const redisProvider: Provider = {
  provide: REDIS,
  inject: [Env],
  useFactory: (env: Env) =>
    new Redis(env.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1, connectTimeout: 2000 }),
};
