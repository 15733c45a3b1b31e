import { Module } from '@nestjs/common';
import { AlertingModule } from '../alerts/alerting.module';
import { StatsIngestion } from './stats-ingestion';

/** Stats ingestion for both apps (it queues the alert rules after each write, hence the alerting module). */
@Module({ imports: [AlertingModule], providers: [StatsIngestion], exports: [StatsIngestion] })
export class StatsIngestionModule {}
