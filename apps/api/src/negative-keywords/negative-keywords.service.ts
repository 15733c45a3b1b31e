import { Injectable } from '@nestjs/common';
import { ConflictError, newId, NegativeKeywordsRepository, NotFoundError, type Page, toPage, UnitsRepository } from '@kuaiche/domain';
import { pageArgs } from '../common/pagination';
import { CreateNegativeKeywordDto, ListNegativeKeywordsQueryDto, NegativeKeywordResponse, toNegativeKeywordResponse } from './dto/negative-keyword.dto';

@Injectable()
export class NegativeKeywordsService {
  constructor(
    private readonly units: UnitsRepository,
    private readonly negatives: NegativeKeywordsRepository,
  ) {}

  async create(advertiserId: string, unitId: string, dto: CreateNegativeKeywordDto): Promise<NegativeKeywordResponse> {
    const unit = await this.units.findById(advertiserId, unitId);
    if (!unit) throw new NotFoundError('unit');
    const row = await this.negatives.insert(advertiserId, { id: newId(), planId: unit.planId, unitId, text: dto.text, matchType: dto.matchType });
    if (!row) throw new ConflictError(`negative keyword "${dto.text}" (${dto.matchType}) already exists in this unit`);
    return toNegativeKeywordResponse(row);
  }

  async list(advertiserId: string, unitId: string, q: ListNegativeKeywordsQueryDto): Promise<Page<NegativeKeywordResponse>> {
    const { limit, afterId } = pageArgs(q);
    if (!(await this.units.findById(advertiserId, unitId))) throw new NotFoundError('unit');
    return toPage(await this.negatives.list(advertiserId, unitId, { afterId, limit }), limit, toNegativeKeywordResponse);
  }

  async delete(advertiserId: string, id: string): Promise<void> {
    if (!(await this.negatives.delete(advertiserId, id))) throw new NotFoundError('negative keyword');
  }
}
