import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type Advertiser, type Page } from '@kuaiche/domain';
import { CurrentAdvertiser } from '../common/auth';
import { uuidPipe } from '../common/uuid';
import { CreateNegativeKeywordDto, ListNegativeKeywordsQueryDto, NegativeKeywordPageResponse, NegativeKeywordResponse } from './dto/negative-keyword.dto';
import { NegativeKeywordsService } from './negative-keywords.service';

@ApiTags('negative-keywords')
@ApiBearerAuth()
@Controller('v1')
export class NegativeKeywordsController {
  constructor(private readonly negatives: NegativeKeywordsService) {}

  @Post('units/:unitId/negative-keywords')
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiCreatedResponse({ type: NegativeKeywordResponse })
  create(@CurrentAdvertiser() a: Advertiser, @Param('unitId', uuidPipe) unitId: string, @Body() dto: CreateNegativeKeywordDto): Promise<NegativeKeywordResponse> {
    return this.negatives.create(a.id, unitId, dto);
  }

  @Get('units/:unitId/negative-keywords')
  @ApiOkResponse({ type: NegativeKeywordPageResponse })
  list(@CurrentAdvertiser() a: Advertiser, @Param('unitId', uuidPipe) unitId: string, @Query() q: ListNegativeKeywordsQueryDto): Promise<Page<NegativeKeywordResponse>> {
    return this.negatives.list(a.id, unitId, q);
  }

  @Delete('negative-keywords/:id')
  @HttpCode(204)
  @ApiNoContentResponse()
  delete(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string): Promise<void> {
    return this.negatives.delete(a.id, id);
  }
}
