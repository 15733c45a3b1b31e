import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { REPORT_GRANULARITIES, REPORT_LEVELS, REPORT_SORT_FIELDS, type ReportGranularity, type ReportLevel } from '@kuaiche/domain';
import { IsIn, IsString, IsUUID, Matches } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { IsCalendarDate, IsOptionalDefined } from '../../common/validators';

export class ReportQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: REPORT_LEVELS, default: 'plan' })
  @IsOptionalDefined()
  @IsIn(REPORT_LEVELS)
  level?: ReportLevel;

  @ApiPropertyOptional({ enum: REPORT_GRANULARITIES, default: 'day' })
  @IsOptionalDefined()
  @IsIn(REPORT_GRANULARITIES)
  granularity?: ReportGranularity;

  @ApiProperty({ example: '2026-06-01', description: "first budget day, in the advertiser's timezone" })
  @IsCalendarDate()
  from!: string;

  @ApiProperty({ example: '2026-06-30', description: 'last budget day (inclusive)' })
  @IsCalendarDate()
  to!: string;

  @ApiPropertyOptional({ format: 'uuid' }) @IsOptionalDefined() @IsUUID('all') planId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptionalDefined() @IsUUID('all') unitId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptionalDefined() @IsUUID('all') keywordId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptionalDefined() @IsUUID('all') creativeId?: string;

  @ApiPropertyOptional({ description: `a metric, '-' for descending: ${REPORT_SORT_FIELDS.join(', ')}`, example: '-cost' })
  @IsOptionalDefined()
  @IsString()
  @Matches(new RegExp(`^-?(${REPORT_SORT_FIELDS.join('|')})$`), { message: `sort must be one of ${REPORT_SORT_FIELDS.join(', ')}, optionally prefixed with -` })
  sort?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json', description: 'csv: every row, Chinese headers, UTF-8 with BOM (opens in Excel)' })
  @IsOptionalDefined()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

export class ReportKey {
  @ApiPropertyOptional({ format: 'uuid' }) planId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) unitId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) keywordId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) creativeId?: string;
  @ApiProperty({ nullable: true, type: String, description: 'ISO hour with offset, YYYY-MM-DD, or null for total' }) period!: string | null;
}

export class ReportMetrics {
  @ApiProperty() impressions!: number;
  @ApiProperty() clicks!: number;
  @ApiProperty({ nullable: true, type: Number }) ctr!: number | null;
  @ApiProperty() cost!: number;
  @ApiProperty({ nullable: true, type: Number }) cpc!: number | null;
  @ApiProperty({ nullable: true, type: Number }) cpm!: number | null;
  @ApiProperty() orders!: number;
  @ApiProperty() gmv!: number;
  @ApiProperty({ nullable: true, type: Number }) cvr!: number | null;
  @ApiProperty({ nullable: true, type: Number }) roi!: number | null;
}

export class ReportRowResponse extends ReportMetrics {
  @ApiProperty({ type: ReportKey }) key!: ReportKey;
}

export class ReportResponse {
  @ApiProperty({ type: [ReportRowResponse] }) items!: ReportRowResponse[];
  @ApiProperty({ type: ReportMetrics, description: 'sums over every row of the report, not just this page' }) totals!: ReportMetrics;
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
