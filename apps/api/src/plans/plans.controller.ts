import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type Advertiser, type Page } from '@kuaiche/domain';
import { CurrentAdvertiser } from '../common/auth';
import { IfMatch } from '../common/if-match';
import { uuidPipe } from '../common/uuid';
import { CreatePlanDto, ListPlansQueryDto, PlanPageResponse, PlanResponse, UpdatePlanDto } from './dto/plan.dto';
import { PlansService } from './plans.service';

@ApiTags('plans')
@ApiBearerAuth()
@Controller('v1/plans')
export class PlansController {
  constructor(private readonly plans: PlansService) {}

  @Post()
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiCreatedResponse({ type: PlanResponse })
  create(@CurrentAdvertiser() a: Advertiser, @Body() dto: CreatePlanDto): Promise<PlanResponse> {
    return this.plans.create(a.id, dto);
  }

  @Get()
  @ApiOkResponse({ type: PlanPageResponse })
  list(@CurrentAdvertiser() a: Advertiser, @Query() q: ListPlansQueryDto): Promise<Page<PlanResponse>> {
    return this.plans.list(a.id, q);
  }

  @Get(':id')
  @ApiOkResponse({ type: PlanResponse })
  get(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string): Promise<PlanResponse> {
    return this.plans.get(a.id, id);
  }

  @Patch(':id')
  @ApiHeader({ name: 'If-Match', required: false, description: 'version last read; 412 if it moved' })
  @ApiOkResponse({ type: PlanResponse })
  update(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string, @Body() dto: UpdatePlanDto, @IfMatch() ifMatch?: number): Promise<PlanResponse> {
    return this.plans.update(a.id, id, dto, ifMatch);
  }

  @Delete(':id')
  @ApiOkResponse({ type: PlanResponse, description: 'archives the plan' })
  archive(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string, @IfMatch() ifMatch?: number): Promise<PlanResponse> {
    return this.plans.archive(a.id, id, ifMatch);
  }
}
