import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Advertiser, Page } from '@kuaiche/domain';
import { CurrentAdvertiser } from '../common/auth';
import { PageQueryDto } from '../common/pagination';
import { uuidPipe } from '../common/uuid';
import {
  CreatedWebhookEndpointResponse,
  CreateWebhookEndpointDto,
  DeliveriesQueryDto,
  DeliveryEnvelope,
  DeliveryPageResponse,
  DeliveryResponse,
  WebhookEndpointPageResponse,
  WebhookEndpointResponse,
} from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';

@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('v1')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post('webhook-endpoints')
  @ApiCreatedResponse({ type: CreatedWebhookEndpointResponse, description: 'the whsec_ secret is shown here only' })
  create(@CurrentAdvertiser() a: Advertiser, @Body() body: CreateWebhookEndpointDto): Promise<CreatedWebhookEndpointResponse> {
    return this.webhooks.create(a, body);
  }

  @Get('webhook-endpoints')
  @ApiOkResponse({ type: WebhookEndpointPageResponse })
  list(@CurrentAdvertiser() a: Advertiser, @Query() q: PageQueryDto): Promise<Page<WebhookEndpointResponse>> {
    return this.webhooks.list(a, q);
  }

  @Get('webhook-endpoints/:id')
  @ApiOkResponse({ type: WebhookEndpointResponse })
  get(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string): Promise<WebhookEndpointResponse> {
    return this.webhooks.get(a, id);
  }

  @Delete('webhook-endpoints/:id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'deleted; deliveries still pending are cancelled' })
  async remove(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string): Promise<void> {
    await this.webhooks.remove(a, id);
  }

  @Post('webhook-endpoints/:id/test')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: DeliveryEnvelope, description: 'a webhook.test ping queued for delivery' })
  async test(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string): Promise<DeliveryEnvelope> {
    return { delivery: await this.webhooks.test(a, id) };
  }

  @Get('webhook-endpoints/:id/deliveries')
  @ApiOkResponse({ type: DeliveryPageResponse, description: 'newest first, each with every attempt (status, latency, error)' })
  deliveries(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string, @Query() q: DeliveriesQueryDto): Promise<Page<DeliveryResponse>> {
    return this.webhooks.deliveries(a, id, q);
  }

  @Get('deliveries/:id')
  @ApiOkResponse({ type: DeliveryResponse })
  delivery(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string): Promise<DeliveryResponse> {
    return this.webhooks.delivery(a, id);
  }

  @Post('deliveries/:id/redeliver')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: DeliveryEnvelope, description: 'the same event (same webhook-id and body) as a new delivery' })
  async redeliver(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string): Promise<DeliveryEnvelope> {
    return { delivery: await this.webhooks.redeliver(a, id) };
  }
}
