import { Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { Advertiser } from '@kuaiche/domain';
import { Transform } from 'class-transformer';
import { IsBoolean } from 'class-validator';
import type { Request } from 'express';
import { WithoutIdempotencyKey } from '../common/idempotency.interceptor';
import { ProblemException } from '../common/problem';
import { IsOptionalDefined } from '../common/validators';
import { CurrentAdvertiser } from '../common/auth';
import { AtomicQueryDto, BulkItems, BulkResultResponse } from '../common/bulk';
import { uuidPipe } from '../common/uuid';
import { HourlyStatsBodyDto, MAX_STAT_ROWS, SpendQueryDto, SpendResponse } from './dto/stat-row.dto';
import { StatsImportService } from './stats-import.service';
import { StatsService } from './stats.service';

export class ImportQueryDto {
  @ApiPropertyOptional({ description: 'true: apply the good lines and report the bad ones; default: all or nothing' })
  @IsOptionalDefined()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'partial must be true or false' })
  partial?: boolean;
}

export class ImportLineErrorResponse {
  @ApiProperty() line!: number;
  @ApiProperty({ nullable: true, type: String }) column!: string | null;
  @ApiProperty() message!: string;
}

export class ImportResultResponse {
  @ApiProperty() applied!: boolean;
  @ApiProperty() linesRead!: number;
  @ApiProperty() rowsApplied!: number;
  @ApiProperty() linesRejected!: number;
  @ApiProperty({ type: [ImportLineErrorResponse] }) errors!: ImportLineErrorResponse[];
  @ApiProperty() errorsTruncated!: boolean;
}

@ApiTags('stats')
@ApiBearerAuth()
@Controller('v1')
export class StatsController {
  constructor(
    private readonly stats: StatsService,
    private readonly importer: StatsImportService,
  ) {}

  @Post('stats/import')
  @HttpCode(200)
  @WithoutIdempotencyKey()
  @ApiConsumes('text/csv')
  @ApiBody({ schema: { type: 'string', description: 'a Kuaiche hourly keyword report export: Chinese or English headers, UTF-8 (BOM optional) or GB18030' } })
  @ApiOkResponse({ type: ImportResultResponse, description: 'all lines applied, or with ?partial=true the good ones; an all-or-nothing file with bad lines is a 400 listing them' })
  async import(@CurrentAdvertiser() a: Advertiser, @Req() req: Request, @Query() q: ImportQueryDto): Promise<ImportResultResponse> {
    const result = await this.importer.import(a, req, req.headers['content-type'], q.partial ?? false, Date.now());
    if (!result.applied) {
      throw new ProblemException(
        400,
        'Validation failed',
        `${result.linesRejected} of ${result.linesRead} lines rejected; nothing was applied (send ?partial=true to apply the good lines)`,
        result.errors.map((e) => ({ path: `line ${e.line}${e.column ? `, ${e.column}` : ''}`, message: e.message, line: e.line, column: e.column })),
      );
    }
    return result;
  }

  @Post('stats/hourly')
  @ApiBody({ type: HourlyStatsBodyDto })
  @HttpCode(200)
  @ApiOkResponse({
    type: BulkResultResponse,
    description: 'up to 50,000 rows keyed by (keyword, creative, hour); re-sending a key replaces the row. One result per row, in order.',
  })
  ingest(@CurrentAdvertiser() a: Advertiser, @BulkItems({ key: 'rows', max: MAX_STAT_ROWS }) rows: unknown[], @Query() q: AtomicQueryDto): Promise<BulkResultResponse> {
    // The wall clock only bounds how far ahead a row may be; decisions never read it.
    return this.stats.ingest(a, rows, q.atomic ?? false, Date.now());
  }

  @Get('plans/:id/spend')
  @ApiOkResponse({ type: SpendResponse, description: "spend so far in the budget day of asOf, over the hours before asOf" })
  spend(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string, @Query() q: SpendQueryDto): Promise<SpendResponse> {
    return this.stats.spendSoFar(a, id, q.asOf);
  }
}
