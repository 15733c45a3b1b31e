import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Advertiser } from '@kuaiche/domain';
import { CurrentAdvertiser } from '../common/auth';
import { AtomicQueryDto, BulkResultResponse } from '../common/bulk';
import { uuidPipe } from '../common/uuid';
import { HourlyStatsBodyDto, SpendQueryDto, SpendResponse } from './dto/stat-row.dto';
import { StatsService } from './stats.service';

@ApiTags('stats')
@ApiBearerAuth()
@Controller('v1')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Post('stats/hourly')
  @HttpCode(200)
  @ApiOkResponse({
    type: BulkResultResponse,
    description: 'up to 50,000 rows keyed by (keyword, creative, hour); re-sending a key replaces the row. One result per row, in order.',
  })
  ingest(@CurrentAdvertiser() a: Advertiser, @Body() body: HourlyStatsBodyDto, @Query() q: AtomicQueryDto): Promise<BulkResultResponse> {
    // The wall clock only bounds how far ahead a row may be; decisions never read it.
    return this.stats.ingest(a, body.rows, q.atomic ?? false, Date.now());
  }

  @Get('plans/:id/spend')
  @ApiOkResponse({ type: SpendResponse, description: "spend so far in the budget day of asOf, over the hours before asOf" })
  spend(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string, @Query() q: SpendQueryDto): Promise<SpendResponse> {
    return this.stats.spendSoFar(a, id, q.asOf);
  }
}
