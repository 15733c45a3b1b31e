import { Body, Controller, Get, Param, Post, Query, HttpCode } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Advertiser, Page } from '@kuaiche/domain';
import { CurrentAdvertiser } from '../common/auth';
import { uuidPipe } from '../common/uuid';
import { AlertPageResponse, AlertResponse, AlertsQueryDto, EvaluateAlertsBodyDto, EvaluateAlertsResponse } from './dto/alert.dto';
import { AlertsApiService } from './alerts.service';

@ApiTags('alerts')
@ApiBearerAuth()
@Controller('v1')
export class AlertsController {
  constructor(private readonly alerts: AlertsApiService) {}

  @Get('alerts')
  @ApiOkResponse({ type: AlertPageResponse, description: 'newest first; filter by plan, type, severity and alert hour' })
  list(@CurrentAdvertiser() a: Advertiser, @Query() q: AlertsQueryDto): Promise<Page<AlertResponse>> {
    return this.alerts.list(a, q);
  }

  @Get('alerts/:id')
  @ApiOkResponse({ type: AlertResponse })
  get(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string): Promise<AlertResponse> {
    return this.alerts.get(a, id);
  }

  /** Runs the alert rules for one plan at an explicit hour (backfills, simulations, advertisers on the external clock). */
  @Post('plans/:id/evaluate-alerts')
  @HttpCode(200)
  @ApiOkResponse({ type: EvaluateAlertsResponse })
  evaluate(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string, @Body() body: EvaluateAlertsBodyDto): Promise<EvaluateAlertsResponse> {
    return this.alerts.evaluate(a, id, body.asOf);
  }
}
