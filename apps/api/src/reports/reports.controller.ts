import { Controller, Get, Logger, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Advertiser } from '@kuaiche/domain';
import type { Response } from 'express';
import { CurrentAdvertiser } from '../common/auth';
import { ReportQueryDto, ReportResponse } from './dto/report.dto';
import { ReportsService } from './reports.service';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1/reports')
export class ReportsController {
  private readonly logger = new Logger(ReportsController.name);

  constructor(private readonly reports: ReportsService) {}

  @Get()
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: ReportResponse })
  async report(@CurrentAdvertiser() a: Advertiser, @Query() q: ReportQueryDto, @Res() res: Response): Promise<void> {
    if (q.format !== 'csv') {
      res.status(200).json(await this.reports.report(a, q));
      return;
    }
    const chunks = this.reports.csv(a, q);
    // The first chunk is produced before the headers go out, so a bad query still answers 400.
    const first = await chunks.next();
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="kuaiche-report-${q.level ?? 'plan'}-${q.from}-${q.to}.csv"`);
    if (!first.done) res.write(first.value);
    try {
      for await (const chunk of chunks) res.write(chunk);
      res.end();
    } catch (err) {
      // Headers are out: the only honest signal left is a cut connection (no partial file
      // that looks complete).
      this.logger.error({ err, msg: 'CSV report failed mid-stream' });
      res.destroy(err as Error);
    }
  }
}
