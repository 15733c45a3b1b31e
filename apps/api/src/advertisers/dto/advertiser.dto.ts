import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { type Advertiser, type Clock, CLOCKS, DEFAULT_PLATFORM, type Platform, PLATFORMS } from '@kuaiche/domain';
import { Transform } from 'class-transformer';
import { IsIn, IsString } from 'class-validator';
import { IsOptionalDefined, IsStorableText, IsTimeZone, TextLength, trim } from '../../common/validators';

export class CreateAdvertiserDto {
  @ApiProperty({ minLength: 1, maxLength: 100, example: '某某旗舰店' })
  @Transform(trim)
  @IsString()
  @IsStorableText()
  @TextLength(1, 100)
  name!: string;

  @ApiPropertyOptional({ default: 'Asia/Shanghai', description: 'IANA zone that defines the budget day' })
  @IsOptionalDefined()
  @IsTimeZone()
  timezone?: string;

  @ApiPropertyOptional({ enum: CLOCKS, default: 'wall', description: 'wall: schedules run every real hour; external: hours advance only through explicit asOf calls' })
  @IsOptionalDefined()
  @IsIn(CLOCKS)
  clock?: Clock;

  @ApiPropertyOptional({
    enum: PLATFORMS,
    default: DEFAULT_PLATFORM,
    description:
      'sandbox: a simulated Kuaiche market; the worker pushes bid changes and creative weights to it and, on the wall clock, pulls its hourly report every hour; ' +
      'csv: reports come by POST /v1/stats/import and bid changes leave as the bulk-edit CSV (GET /v1/plans/{id}/bid-export.csv)',
  })
  @IsOptionalDefined()
  @IsIn(PLATFORMS)
  platform?: Platform;
}

export class AdvertiserResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() timezone!: string;
  @ApiProperty({ enum: CLOCKS }) clock!: Clock;
  @ApiProperty({ enum: PLATFORMS }) platform!: Platform;
  @ApiProperty() createdAt!: string;
}

export class CreatedAdvertiserResponse extends AdvertiserResponse {
  @ApiProperty({ description: 'Shown once; only its SHA-256 is stored' }) apiKey!: string;
}

export function toAdvertiserResponse(a: Advertiser): AdvertiserResponse {
  return { id: a.id, name: a.name, timezone: a.timezone, clock: a.clock, platform: a.platform, createdAt: a.createdAt.toISOString() };
}
