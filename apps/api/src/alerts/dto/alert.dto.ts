import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ALERT_SEVERITIES, ALERT_TYPES, type AlertSeverity } from '@kuaiche/domain';
import { IsIn, IsString, IsUUID, Matches } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { IsOptionalDefined } from '../../common/validators';
import { HOUR_RE } from '../../optimization/dto/optimization.dto';

const HOUR_MESSAGE = 'must be ISO 8601 with an offset at a whole hour, e.g. 2026-06-18T20:00:00+08:00';

export class AlertsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptionalDefined()
  @IsUUID('all')
  planId?: string;

  @ApiPropertyOptional({ enum: ALERT_TYPES })
  @IsOptionalDefined()
  @IsIn(ALERT_TYPES)
  type?: string;

  @ApiPropertyOptional({ enum: ALERT_SEVERITIES })
  @IsOptionalDefined()
  @IsIn(ALERT_SEVERITIES)
  severity?: AlertSeverity;

  @ApiPropertyOptional({ description: 'alert hours from (inclusive), ISO 8601 with offset' })
  @IsOptionalDefined()
  @IsString()
  @Matches(HOUR_RE, { message: `from ${HOUR_MESSAGE}` })
  from?: string;

  @ApiPropertyOptional({ description: 'alert hours to (exclusive), ISO 8601 with offset' })
  @IsOptionalDefined()
  @IsString()
  @Matches(HOUR_RE, { message: `to ${HOUR_MESSAGE}` })
  to?: string;
}

export class EvaluateAlertsBodyDto {
  @ApiProperty({ example: '2026-06-18T20:00:00+08:00', description: 'the hour to judge from the hours before it' })
  @IsString()
  @Matches(HOUR_RE, { message: `asOf ${HOUR_MESSAGE}` })
  asOf!: string;
}

export class AlertResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'uuid' }) planId!: string | null;
  @ApiProperty({ enum: ALERT_TYPES }) type!: string;
  @ApiProperty({ enum: ALERT_SEVERITIES, description: 'info / warning / critical: the domain’s reminder / warning / urgent' }) severity!: AlertSeverity;
  @ApiProperty({ description: 'the hour the alert is about' }) hour!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ type: Object, description: 'the figures the rule decided with (money in CNY)' }) data!: Record<string, unknown>;
  @ApiProperty() createdAt!: string;
}

export class AlertPageResponse {
  @ApiProperty({ type: [AlertResponse] }) items!: AlertResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class EvaluateAlertsResponse {
  @ApiProperty() asOf!: string;
  @ApiProperty({ type: [AlertResponse], description: 'alerts raised by this evaluation (already raised ones are not repeated)' }) raised!: AlertResponse[];
}
