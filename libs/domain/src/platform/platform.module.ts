import { Module } from '@nestjs/common';
import { StatsIngestionModule } from '../stats/stats-ingestion.module';
import { PlatformSync } from './platform-sync';
import { Platforms } from './platforms';

/** The platform adapters and the syncs through them (the worker pulls and pushes). */
@Module({ imports: [StatsIngestionModule], providers: [Platforms, PlatformSync], exports: [Platforms, PlatformSync] })
export class PlatformModule {}
