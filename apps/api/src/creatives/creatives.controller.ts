import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type Advertiser, type Page } from '@kuaiche/domain';
import { CurrentAdvertiser } from '../common/auth';
import { IfMatch } from '../common/if-match';
import { uuidPipe } from '../common/uuid';
import { CreateCreativeDto, CreativePageResponse, CreativeResponse, ListCreativesQueryDto, UpdateCreativeDto } from './dto/creative.dto';
import { CreativesService } from './creatives.service';

@ApiTags('creatives')
@ApiBearerAuth()
@Controller('v1')
export class CreativesController {
  constructor(private readonly creatives: CreativesService) {}

  @Post('units/:unitId/creatives')
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiCreatedResponse({ type: CreativeResponse })
  create(@CurrentAdvertiser() a: Advertiser, @Param('unitId', uuidPipe) unitId: string, @Body() dto: CreateCreativeDto): Promise<CreativeResponse> {
    return this.creatives.create(a.id, unitId, dto);
  }

  @Get('units/:unitId/creatives')
  @ApiOkResponse({ type: CreativePageResponse })
  list(@CurrentAdvertiser() a: Advertiser, @Param('unitId', uuidPipe) unitId: string, @Query() q: ListCreativesQueryDto): Promise<Page<CreativeResponse>> {
    return this.creatives.list(a.id, unitId, q);
  }

  @Get('creatives/:id')
  @ApiOkResponse({ type: CreativeResponse })
  get(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string): Promise<CreativeResponse> {
    return this.creatives.get(a.id, id);
  }

  @Patch('creatives/:id')
  @ApiHeader({ name: 'If-Match', required: false })
  @ApiOkResponse({ type: CreativeResponse })
  update(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string, @Body() dto: UpdateCreativeDto, @IfMatch() ifMatch?: number): Promise<CreativeResponse> {
    return this.creatives.update(a.id, id, dto, ifMatch);
  }
}
