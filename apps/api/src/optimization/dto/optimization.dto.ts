import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BID_CHANGE_SOURCES, type BidChangeSource, RUN_STATUSES, type RunStatus } from '@kuaiche/domain';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsString, IsUUID, Matches } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { IsOptionalDefined } from '../../common/validators';

export const HOUR_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:00(:00(\.0{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const HOUR_MESSAGE = 'must be ISO 8601 with an offset at a whole hour, e.g. 2026-06-18T20:00:00+08:00';
const toBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class OptimizeBodyDto {
  @ApiProperty({ example: '2026-06-18T20:00:00+08:00', description: 'the hour the bids are for; the stats of the hours before it are used' })
  @IsString()
  @Matches(HOUR_RE, { message: `asOf ${HOUR_MESSAGE}` })
  asOf!: string;

  @ApiPropertyOptional({ description: 'true: return the changes and their explanations, write nothing' })
  @IsOptionalDefined()
  @IsBoolean({ message: 'dryRun must be true or false' })
  dryRun?: boolean;
}

export class OptimizeQueryDto {
  @ApiPropertyOptional({ description: 'true: run now and answer 200 with the finished run (202 if it takes over 60 s)' })
  @IsOptionalDefined()
  @Transform(toBool)
  @IsBoolean({ message: 'wait must be true or false' })
  wait?: boolean;
}

export class BidChangesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptionalDefined()
  @IsUUID('all')
  keywordId?: string;

  @ApiPropertyOptional({ enum: BID_CHANGE_SOURCES })
  @IsOptionalDefined()
  @IsIn(BID_CHANGE_SOURCES)
  source?: BidChangeSource;

  @ApiPropertyOptional({ description: 'hours from (inclusive), ISO 8601 with offset' })
  @IsOptionalDefined()
  @IsString()
  @Matches(HOUR_RE, { message: `from ${HOUR_MESSAGE}` })
  from?: string;

  @ApiPropertyOptional({ description: 'hours to (exclusive), ISO 8601 with offset' })
  @IsOptionalDefined()
  @IsString()
  @Matches(HOUR_RE, { message: `to ${HOUR_MESSAGE}` })
  to?: string;
}

export class RunsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptionalDefined()
  @IsUUID('all')
  planId?: string;

  @ApiPropertyOptional()
  @IsOptionalDefined()
  @IsString()
  @Matches(HOUR_RE, { message: `asOf ${HOUR_MESSAGE}` })
  asOf?: string;
}

export class RunResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) planId!: string;
  @ApiProperty() asOf!: string;
  @ApiProperty({ enum: RUN_STATUSES }) status!: RunStatus;
  @ApiProperty({ enum: ['schedule', 'api'] }) trigger!: string;
  @ApiProperty() keywordsSeen!: number;
  @ApiProperty() keywordsChanged!: number;
  @ApiProperty() keywordsSkipped!: number;
  @ApiProperty({ nullable: true, type: Number }) durationMs!: number | null;
  @ApiProperty() attempts!: number;
  @ApiPropertyOptional({ nullable: true, type: String }) error?: string | null;
  @ApiPropertyOptional({ nullable: true, type: Object, description: 'the plan-level figures the run decided with' }) summary?: Record<string, unknown> | null;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) finishedAt?: string | null;
}

export class RunEnvelope {
  @ApiProperty({ type: RunResponse }) run!: RunResponse;
}

export class RunPageResponse {
  @ApiProperty({ type: [RunResponse] }) items!: RunResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class PreviewChange {
  @ApiProperty({ format: 'uuid' }) keywordId!: string;
  @ApiProperty() oldBid!: number;
  @ApiProperty() newBid!: number;
  @ApiProperty({ type: Object }) reason!: Record<string, unknown>;
}

export class PreviewResponse {
  @ApiProperty() asOf!: string;
  @ApiProperty({ type: [PreviewChange] }) changes!: PreviewChange[];
  @ApiProperty({ type: Object }) summary!: Record<string, unknown>;
}

export class BidChangeResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) keywordId!: string;
  @ApiProperty() hour!: string;
  @ApiProperty() oldBid!: number;
  @ApiProperty() newBid!: number;
  @ApiProperty({ enum: BID_CHANGE_SOURCES }) source!: BidChangeSource;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'uuid' }) runId!: string | null;
  @ApiProperty({ type: Object }) reason!: Record<string, unknown>;
  @ApiProperty() createdAt!: string;
}

export class BidChangePageResponse {
  @ApiProperty({ type: [BidChangeResponse] }) items!: BidChangeResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class BidExportQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: "the run whose changes to export; default: the plan's latest run that changed bids" })
  @IsOptionalDefined()
  @IsUUID('all')
  runId?: string;
}
