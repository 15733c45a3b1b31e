import { Module } from '@nestjs/common';
import { StatsController } from './stats.controller';
import { StatsImportService } from './stats-import.service';
import { StatsService } from './stats.service';

@Module({ controllers: [StatsController], providers: [StatsService, StatsImportService], exports: [StatsService] })
export class StatsModule {}
