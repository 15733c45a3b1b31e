import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { DomainModule, env } from '@kuaiche/domain';
import { randomUUID } from 'crypto';
import { LoggerModule } from 'nestjs-pino';
import { AdvertisersModule } from './advertisers/advertisers.module';
import { ApiKeyGuard } from './common/auth';
import { IdempotencyInterceptor } from './common/idempotency.interceptor';
import { ProblemDetailsFilter } from './common/problem-details.filter';
import { CreativesModule } from './creatives/creatives.module';
import { KeywordsModule } from './keywords/keywords.module';
import { NegativeKeywordsModule } from './negative-keywords/negative-keywords.module';
import { MetricsService } from './operations/metrics.service';
import { OperationsModule } from './operations/operations.module';
import { OptimizationModule } from './optimization/optimization.module';
import { ExperimentsModule } from './experiments/experiments.module';
import { PlansModule } from './plans/plans.module';
import { ReportsModule } from './reports/reports.module';
import { StatsModule } from './stats/stats.module';
import { UnitsModule } from './units/units.module';
import { AlertsModule } from './alerts/alerts.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({
  imports: [
    LoggerModule.forRoot({
      pinoHttp: {
        level: env().LOG_LEVEL,
        name: 'api',
        genReqId: (req, res) => {
          const given = req.headers['x-request-id'];
          const id = typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
          res.setHeader('X-Request-Id', id);
          return id;
        },
        redact: ['req.headers.authorization', 'req.headers.cookie'],
        customProps: (req) => ({ advertiserId: (req as { advertiser?: { id: string } }).advertiser?.id }),
        autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
      },
    }),
    DomainModule,
    OperationsModule,
    AdvertisersModule,
    PlansModule,
    UnitsModule,
    KeywordsModule,
    NegativeKeywordsModule,
    CreativesModule,
    StatsModule,
    ReportsModule,
    OptimizationModule,
    ExperimentsModule,
    AlertsModule,
    WebhooksModule,
  ],
  providers: [
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
  ],
})
export class AppModule implements NestModule {
  constructor(private readonly metrics: MetricsService) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(this.metrics.middleware).forRoutes('*path');
  }
}
