import { Controller, Get, Header, Res } from '@nestjs/common';
import { InjectRedis } from './redis.provider';
import { ApiExcludeEndpoint, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Db } from '@kuaiche/domain';
import type { Response } from 'express';
import type Redis from 'ioredis';
import { Public } from '../common/auth';
import { MetricsService } from './metrics.service';

async function probe(fn: () => Promise<unknown>, timeoutMs = 2000): Promise<{ status: 'up' | 'down'; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'up' };
  } catch (err) {
    return { status: 'down', error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

@ApiTags('operations')
@Public()
@Controller()
export class OperationsController {
  constructor(
    private readonly db: Db,
    @InjectRedis() private readonly redis: Redis,
    private readonly metrics: MetricsService,
  ) {}

  @Get('health')
  @ApiOkResponse({ description: 'Postgres and Redis answer; 503 with the failing check otherwise' })
  async health(@Res() res: Response): Promise<void> {
    const [postgres, redis] = await Promise.all([probe(() => this.db.rows('SELECT 1')), probe(() => this.redis.ping())]);
    const ok = postgres.status === 'up' && redis.status === 'up';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'error', checks: { postgres, redis } });
  }

  @Get('metrics')
  @ApiExcludeEndpoint()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async prometheus(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
