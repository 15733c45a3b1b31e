import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Advertiser, Page } from '@kuaiche/domain';
import { CurrentAdvertiser } from '../common/auth';
import { uuidPipe } from '../common/uuid';
import { CreateExperimentDto, ExperimentPageResponse, ExperimentResponse, ListExperimentsQueryDto, RotateBodyDto, RotateResponse } from './dto/experiment.dto';
import { ExperimentsService } from './experiments.service';

@ApiTags('experiments')
@ApiBearerAuth()
@Controller('v1')
export class ExperimentsController {
  constructor(private readonly experiments: ExperimentsService) {}

  @Post('units/:unitId/experiments')
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiCreatedResponse({ type: ExperimentResponse, description: 'started; 409 when the unit already has a running experiment' })
  create(@CurrentAdvertiser() a: Advertiser, @Param('unitId', uuidPipe) unitId: string, @Body() dto: CreateExperimentDto): Promise<ExperimentResponse> {
    return this.experiments.create(a, unitId, dto);
  }

  @Get('units/:unitId/experiments')
  @ApiOkResponse({ type: ExperimentPageResponse, description: 'newest first' })
  list(@CurrentAdvertiser() a: Advertiser, @Param('unitId', uuidPipe) unitId: string, @Query() q: ListExperimentsQueryDto): Promise<Page<ExperimentResponse>> {
    return this.experiments.list(a, unitId, q);
  }

  @Get('experiments/:id')
  @ApiOkResponse({ type: ExperimentResponse })
  get(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string): Promise<ExperimentResponse> {
    return this.experiments.get(a, id);
  }

  @Post('experiments/:id/rotate')
  @HttpCode(200)
  @ApiOkResponse({ type: RotateResponse, description: 'the weights for the hour asOf; an hour already rotated answers rotated=false and changes nothing' })
  rotate(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string, @Body() body: RotateBodyDto): Promise<RotateResponse> {
    return this.experiments.rotate(a, id, body);
  }

  @Post('experiments/:id/stop')
  @HttpCode(200)
  @ApiOkResponse({ type: ExperimentResponse, description: 'stopped without a winner; 409 unless running' })
  stop(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string): Promise<ExperimentResponse> {
    return this.experiments.stop(a, id);
  }
}
