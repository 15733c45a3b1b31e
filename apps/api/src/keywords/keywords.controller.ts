import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type Advertiser, LIMITS, type Page } from '@kuaiche/domain';
import { CurrentAdvertiser } from '../common/auth';
import { AtomicQueryDto, BulkBodyDto, BulkItems, BulkResultResponse } from '../common/bulk';
import { IfMatch } from '../common/if-match';
import { uuidPipe } from '../common/uuid';
import { KeywordPageResponse, KeywordResponse, ListKeywordsQueryDto, UpdateKeywordDto } from './dto/keyword.dto';
import { KeywordsService } from './keywords.service';

@ApiTags('keywords')
@ApiBearerAuth()
@Controller('v1')
export class KeywordsController {
  constructor(private readonly keywords: KeywordsService) {}

  @Post('units/:unitId/keywords')
  @ApiBody({ type: BulkBodyDto })
  @HttpCode(200)
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiOkResponse({ type: BulkResultResponse, description: 'items: CreateKeywordItemDto[] (up to 10,000); one result per item, in order' })
  createInUnit(
    @CurrentAdvertiser() a: Advertiser,
    @Param('unitId', uuidPipe) unitId: string,
    @BulkItems({ key: 'items', max: LIMITS.bulkItems }) items: unknown[],
    @Query() q: AtomicQueryDto,
  ): Promise<BulkResultResponse> {
    return this.keywords.createMany(a.id, items, { unitId, atomic: q.atomic ?? false });
  }

  @Post('keywords')
  @ApiBody({ type: BulkBodyDto })
  @HttpCode(200)
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiOkResponse({ type: BulkResultResponse, description: 'items: CreateKeywordItemWithUnitDto[] across units (up to 10,000)' })
  create(@CurrentAdvertiser() a: Advertiser, @BulkItems({ key: 'items', max: LIMITS.bulkItems }) items: unknown[], @Query() q: AtomicQueryDto): Promise<BulkResultResponse> {
    return this.keywords.createMany(a.id, items, { atomic: q.atomic ?? false });
  }

  @Get('keywords')
  @ApiOkResponse({ type: KeywordPageResponse })
  list(@CurrentAdvertiser() a: Advertiser, @Query() q: ListKeywordsQueryDto): Promise<Page<KeywordResponse>> {
    return this.keywords.list(a.id, q);
  }

  @Get('keywords/:id')
  @ApiOkResponse({ type: KeywordResponse })
  get(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string): Promise<KeywordResponse> {
    return this.keywords.get(a.id, id);
  }

  @Patch('keywords')
  @ApiBody({ type: BulkBodyDto })
  @ApiOkResponse({ type: BulkResultResponse, description: 'items: BulkUpdateKeywordItemDto[] (up to 10,000)' })
  updateMany(@CurrentAdvertiser() a: Advertiser, @BulkItems({ key: 'items', max: LIMITS.bulkItems }) items: unknown[], @Query() q: AtomicQueryDto): Promise<BulkResultResponse> {
    return this.keywords.updateMany(a.id, items, q.atomic ?? false);
  }

  @Patch('keywords/:id')
  @ApiHeader({ name: 'If-Match', required: false })
  @ApiOkResponse({ type: KeywordResponse })
  update(@CurrentAdvertiser() a: Advertiser, @Param('id', uuidPipe) id: string, @Body() dto: UpdateKeywordDto, @IfMatch() ifMatch?: number): Promise<KeywordResponse> {
    return this.keywords.update(a.id, id, dto, ifMatch);
  }
}
