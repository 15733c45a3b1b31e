import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DELIVERY_STATUSES, type DeliveryStatus, WEBHOOK_ENDPOINT_STATUSES, WEBHOOK_EVENT_TYPES } from '@kuaiche/domain';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { IsOptionalDefined, IsStorableText } from '../../common/validators';

export class CreateWebhookEndpointDto {
  @ApiProperty({ example: 'https://ops.example.com/hooks/kuaiche', description: 'http(s); must resolve to a public address; redirects are not followed' })
  @IsString()
  @MaxLength(2048)
  @IsStorableText()
  url!: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true, example: ['budget.depleting', 'budget.exhausted'], description: '`*` for every type except the opt-in plan.optimized' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true, message: `each value in eventTypes must be one of: ${WEBHOOK_EVENT_TYPES.join(', ')}` })
  eventTypes!: string[];
}

export class DeliveriesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptionalDefined()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;
}

export class WebhookEndpointResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ type: [String] }) eventTypes!: string[];
  @ApiProperty({ enum: WEBHOOK_ENDPOINT_STATUSES.filter((s) => s !== 'deleted'), description: 'disabled: it answered 410 Gone' }) status!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) disabledReason!: string | null;
  @ApiProperty() createdAt!: string;
}

export class CreatedWebhookEndpointResponse extends WebhookEndpointResponse {
  @ApiProperty({ description: 'whsec_ signing secret (Standard Webhooks); shown only in this response' }) secret!: string;
}

export class WebhookEndpointPageResponse {
  @ApiProperty({ type: [WebhookEndpointResponse] }) items!: WebhookEndpointResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class AttemptResponse {
  @ApiProperty() attempt!: number;
  @ApiProperty() startedAt!: string;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'HTTP status; null when no response arrived' }) statusCode!: number | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) latencyMs!: number | null;
  @ApiPropertyOptional({ nullable: true, type: String }) error!: string | null;
}

export class DeliveryResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) endpointId!: string;
  @ApiProperty({ description: 'the webhook-id header: the same on every attempt and redelivery' }) eventId!: string;
  @ApiProperty() eventType!: string;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'uuid' }) alertId!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'uuid' }) redeliveryOf!: string | null;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status!: DeliveryStatus;
  @ApiProperty({ description: 'attempts made' }) attemptCount!: number;
  @ApiPropertyOptional({ nullable: true, type: String }) nextAttemptAt!: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) lastStatusCode!: number | null;
  @ApiPropertyOptional({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) finishedAt!: string | null;
  @ApiProperty({ type: [AttemptResponse] }) attempts!: AttemptResponse[];
}

export class DeliveryPageResponse {
  @ApiProperty({ type: [DeliveryResponse] }) items!: DeliveryResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class DeliveryEnvelope {
  @ApiProperty({ type: DeliveryResponse }) delivery!: DeliveryResponse;
}
