import { Injectable } from '@nestjs/common';
import { ConflictError, CreativesRepository, Db, LIMITS, newId, NotFoundError, type Page, PreconditionFailedError, toPage, UnitsRepository } from '@kuaiche/domain';
import { pageArgs } from '../common/pagination';
import { CreateCreativeDto, CreativeResponse, ListCreativesQueryDto, toCreativeResponse, UpdateCreativeDto } from './dto/creative.dto';

@Injectable()
export class CreativesService {
  constructor(
    private readonly db: Db,
    private readonly units: UnitsRepository,
    private readonly creatives: CreativesRepository,
  ) {}

  async create(advertiserId: string, unitId: string, dto: CreateCreativeDto): Promise<CreativeResponse> {
    return this.db.tx(async (tx) => {
      const [unit] = await this.units.lockWithPlans(advertiserId, [unitId], tx);
      if (!unit) throw new NotFoundError('unit');
      if (unit.planStatus === 'archived' || unit.status === 'archived') throw new ConflictError(`${unit.planStatus === 'archived' ? 'plan' : 'unit'} is archived`);
      if ((await this.creatives.countLive(advertiserId, unitId, tx)) >= LIMITS.creativesPerUnit) {
        throw new ConflictError(`a unit holds at most ${LIMITS.creativesPerUnit} creatives`);
      }
      const c = await this.creatives.insert(
        advertiserId,
        { id: newId(), planId: unit.planId, unitId, title: dto.title, imageUrl: dto.imageUrl, status: dto.status ?? 'active' },
        tx,
      );
      return toCreativeResponse(c);
    });
  }

  async list(advertiserId: string, unitId: string, q: ListCreativesQueryDto): Promise<Page<CreativeResponse>> {
    const { limit, afterId } = pageArgs(q);
    if (!(await this.units.findById(advertiserId, unitId))) throw new NotFoundError('unit');
    return toPage(await this.creatives.list(advertiserId, unitId, { status: q.status, afterId, limit }), limit, toCreativeResponse);
  }

  async get(advertiserId: string, id: string): Promise<CreativeResponse> {
    const c = await this.creatives.findById(advertiserId, id);
    if (!c) throw new NotFoundError('creative');
    return toCreativeResponse(c);
  }

  async update(advertiserId: string, id: string, dto: UpdateCreativeDto, ifMatch?: number): Promise<CreativeResponse> {
    const current = await this.creatives.findById(advertiserId, id);
    if (!current) throw new NotFoundError('creative');
    if (ifMatch !== undefined && ifMatch !== current.version) throw new PreconditionFailedError(`creative is at version ${current.version}, not ${ifMatch}`);
    if (current.status === 'deleted') throw new ConflictError('creative is deleted');
    const updated = await this.creatives.update(
      advertiserId,
      { id, title: dto.title ?? current.title, imageUrl: dto.imageUrl ?? current.imageUrl, status: dto.status ?? current.status },
      current.version,
    );
    if (!updated) throw new PreconditionFailedError('creative changed while this request ran; reload and retry');
    return toCreativeResponse(updated);
  }
}
