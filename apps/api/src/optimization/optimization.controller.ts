import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Advertiser, Page } from '@kuaiche/domain';
import type { Response } from 'express';
import { CurrentAdvertiser } from '../common/auth';
import { uuidPipe } from '../common/uuid';
import {
  BidChangePageResponse,
  BidExportQueryDto,
  type BidChangeResponse,
  BidChangesQueryDto,
  OptimizeBodyDto,
  OptimizeQueryDto,
  PreviewResponse,
  RunEnvelope,
  RunPageResponse,
  RunResponse,
  RunsQueryDto,
} from './dto/optimization.dto';
import { OptimizationService } from './optimization.service';

@ApiTags('optimization')
@ApiBearerAuth()
@Controller('v1')
export class OptimizationController {
  constructor(private readonly optimization: OptimizationService) {}

  @Post('plans/:id/optimize')
  @ApiOkResponse({ description: 'dryRun: the changes with their explanations (PreviewResponse); wait=true: the finished run (RunEnvelope)', type: PreviewResponse })
  @ApiAcceptedResponse({ type: RunEnvelope, description: 'enqueued (or still running after 60 s)' })
  async optimize(
    @CurrentAdvertiser() a: Advertiser,
    @Param('id', uuidPipe) id: string,
    @Body() body: OptimizeBodyDto,
    @Query() q: OptimizeQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PreviewResponse | RunEnvelope> {
    if (body.dryRun) {
      res.status(200);
      return this.optimization.preview(a, id, body);
    }
    const r = await this.optimization.apply(a, id, body, q.wait ?? false);
    res.status(r.finished ? 200 : 202);
    return { run: r.run };
  }

  @Get('plans/:id/bid-changes')
  @ApiOkResponse({ type: BidChangePageResponse })
  bidChanges(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string, @Query() q: BidChangesQueryDto): Promise<Page<BidChangeResponse>> {
    return this.optimization.bidChanges(a, id, q);
  }

  @Get('plans/:id/bid-export.csv')
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: "Kuaiche bulk-edit CSV (UTF-8 with BOM) of a run's bid changes, for upload in the platform's back end" })
  async bidExport(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string, @Query() q: BidExportQueryDto, @Res() res: Response): Promise<void> {
    const out = await this.optimization.bidExport(a, id, q.runId);
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="kuaiche-bids-${id}${out.runId ? `-${out.runId}` : ''}.csv"`);
    if (out.runId) res.setHeader('X-Run-Id', out.runId);
    res.send(out.csv);
  }

  @Get('optimization-runs')
  @ApiOkResponse({ type: RunPageResponse })
  runs(@CurrentAdvertiser() a: Advertiser, @Query() q: RunsQueryDto): Promise<Page<RunResponse>> {
    return this.optimization.listRuns(a, q);
  }

  @Get('optimization-runs/:id')
  @ApiOkResponse({ type: RunResponse })
  run(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string): Promise<RunResponse> {
    return this.optimization.getRun(a, id);
  }
}
