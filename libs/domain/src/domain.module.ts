import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { env, Env } from './config/env';
import { dataSourceOptions } from './db/data-source-options';
import { Db } from './db/db';
import { Optimizer } from './optimization/optimizer';
import { AdvertisersRepository } from './repositories/advertisers.repository';
import { CreativesRepository } from './repositories/creatives.repository';
import { IdempotencyRepository } from './repositories/idempotency.repository';
import { KeywordsRepository } from './repositories/keywords.repository';
import { NegativeKeywordsRepository } from './repositories/negative-keywords.repository';
import { OptimizationRepository } from './repositories/optimization.repository';
import { PlansRepository } from './repositories/plans.repository';
import { ReportsRepository } from './repositories/reports.repository';
import { StatsRepository } from './repositories/stats.repository';
import { UnitsRepository } from './repositories/units.repository';
import { ExperimentsRepository } from './repositories/experiments.repository';
import { Rotator } from './experiments/rotator';
import { AlertsRepository } from './repositories/alerts.repository';
import { WebhooksRepository } from './repositories/webhooks.repository';
import { PlatformSyncsRepository } from './repositories/platform-syncs.repository';

const repositories = [
  AdvertisersRepository,
  PlansRepository,
  UnitsRepository,
  KeywordsRepository,
  NegativeKeywordsRepository,
  CreativesRepository,
  IdempotencyRepository,
  StatsRepository,
  ReportsRepository,
  OptimizationRepository,
  ExperimentsRepository,
  WebhooksRepository,
  PlatformSyncsRepository,
];

/** The data layer both apps share: config, the DataSource, tenant-scoped repositories. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      useFactory: () => dataSourceOptions(env().DATABASE_URL, env().DB_POOL_SIZE),
    }),
  ],
  providers: [
    { provide: Env, useFactory: () => env() },
    { provide: Db, useFactory: (ds: DataSource) => new Db(ds), inject: [DataSource] },
    ...repositories.map((R) => ({ provide: R, useFactory: (db: Db) => new R(db), inject: [Db] })),
    { provide: Optimizer, useFactory: (db: Db, runs: OptimizationRepository) => new Optimizer(db, runs), inject: [Db, OptimizationRepository] },
    { provide: Rotator, useFactory: (db: Db, e: ExperimentsRepository, u: UnitsRepository) => new Rotator(db, e, u), inject: [Db, ExperimentsRepository, UnitsRepository] },
    { provide: AlertsRepository, useFactory: (db: Db, w: WebhooksRepository) => new AlertsRepository(db, w), inject: [Db, WebhooksRepository] },
  ],
  exports: [Env, Db, Optimizer, Rotator, AlertsRepository, ...repositories],
})
export class DomainModule {}
