import { Module } from '@nestjs/common';
import { AlertingModule } from '@kuaiche/domain';
import { AlertsController } from './alerts.controller';
import { AlertsApiService } from './alerts.service';

@Module({
  imports: [AlertingModule],
  controllers: [AlertsController],
  providers: [AlertsApiService],
})
export class AlertsModule {}
