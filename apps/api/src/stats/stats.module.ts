import { Module } from '@nestjs/common';
import { StatsIngestionModule } from '@kuaiche/domain';
import { StatsController } from './stats.controller';
import { StatsImportService } from './stats-import.service';
import { StatsService } from './stats.service';

@Module({ imports: [StatsIngestionModule], controllers: [StatsController], providers: [StatsService, StatsImportService], exports: [StatsService] })
export class StatsModule {}
