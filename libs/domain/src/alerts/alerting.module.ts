import { Module } from '@nestjs/common';
import { QueueModule } from '../queue.module';
import { AlertsService } from './alerts.service';
import { WebhookDeliveryService } from './webhook-delivery.service';

/** Alert rules, raising and webhook delivery, for both apps (the API raises tests and redeliveries, the worker evaluates and sends). */
@Module({
  imports: [QueueModule],
  providers: [AlertsService, WebhookDeliveryService],
  exports: [AlertsService, WebhookDeliveryService],
})
export class AlertingModule {}
