import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type Advertiser, type Page } from '@kuaiche/domain';
import { CurrentAdvertiser } from '../common/auth';
import { IfMatch } from '../common/if-match';
import { uuidPipe } from '../common/uuid';
import { CreateUnitDto, ListUnitsQueryDto, UnitPageResponse, UnitResponse, UpdateUnitDto } from './dto/unit.dto';
import { UnitsService } from './units.service';

@ApiTags('units')
@ApiBearerAuth()
@Controller('v1')
export class UnitsController {
  constructor(private readonly units: UnitsService) {}

  @Post('plans/:planId/units')
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiCreatedResponse({ type: UnitResponse })
  create(@CurrentAdvertiser() a: Advertiser, @Param('planId', uuidPipe) planId: string, @Body() dto: CreateUnitDto): Promise<UnitResponse> {
    return this.units.create(a.id, planId, dto);
  }

  @Get('plans/:planId/units')
  @ApiOkResponse({ type: UnitPageResponse })
  list(@CurrentAdvertiser() a: Advertiser, @Param('planId', uuidPipe) planId: string, @Query() q: ListUnitsQueryDto): Promise<Page<UnitResponse>> {
    return this.units.list(a.id, planId, q);
  }

  @Get('units/:id')
  @ApiOkResponse({ type: UnitResponse })
  get(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string): Promise<UnitResponse> {
    return this.units.get(a.id, id);
  }

  @Patch('units/:id')
  @ApiHeader({ name: 'If-Match', required: false })
  @ApiOkResponse({ type: UnitResponse })
  update(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string, @Body() dto: UpdateUnitDto, @IfMatch() ifMatch?: number): Promise<UnitResponse> {
    return this.units.update(a.id, id, dto, ifMatch);
  }
}
