import { Injectable } from '@nestjs/common';
import { cnyToFen, ConflictError, Db, isUniqueViolation, LIMITS, newId, NotFoundError, type Page, PlansRepository, PreconditionFailedError, toPage, UnitsRepository } from '@kuaiche/domain';
import { pageArgs } from '../common/pagination';
import { CreateUnitDto, ListUnitsQueryDto, toUnitResponse, UnitResponse, UpdateUnitDto } from './dto/unit.dto';

@Injectable()
export class UnitsService {
  constructor(
    private readonly db: Db,
    private readonly plans: PlansRepository,
    private readonly units: UnitsRepository,
  ) {}

  async create(advertiserId: string, planId: string, dto: CreateUnitDto): Promise<UnitResponse> {
    return this.db
      .tx(async (tx) => {
        // Locking the plan serializes unit creation per plan, so the limit holds under concurrency.
        const plan = await this.plans.findById(advertiserId, planId, tx, true);
        if (!plan) throw new NotFoundError('plan');
        if (plan.status === 'archived') throw new ConflictError('plan is archived');
        if ((await this.units.countLive(advertiserId, planId, tx)) >= LIMITS.unitsPerPlan) {
          throw new ConflictError(`a plan holds at most ${LIMITS.unitsPerPlan} units`);
        }
        const unit = await this.units.insert(
          advertiserId,
          { id: newId(), planId, name: dto.name, skuId: dto.skuId, skuPriceFen: cnyToFen(dto.skuPrice), status: dto.status ?? 'active' },
          tx,
        );
        return toUnitResponse(unit);
      })
      .catch((err) => this.rethrowName(err, dto.name));
  }

  async list(advertiserId: string, planId: string, q: ListUnitsQueryDto): Promise<Page<UnitResponse>> {
    const { limit, afterId } = pageArgs(q);
    if (!(await this.plans.findById(advertiserId, planId))) throw new NotFoundError('plan');
    return toPage(await this.units.list(advertiserId, planId, { status: q.status, afterId, limit }), limit, toUnitResponse);
  }

  async get(advertiserId: string, id: string): Promise<UnitResponse> {
    const unit = await this.units.findById(advertiserId, id);
    if (!unit) throw new NotFoundError('unit');
    return toUnitResponse(unit);
  }

  async update(advertiserId: string, id: string, dto: UpdateUnitDto, ifMatch?: number): Promise<UnitResponse> {
    return this.db
      .tx(async (tx) => {
        const [current] = await this.units.lockWithPlans(advertiserId, [id], tx);
        if (!current) throw new NotFoundError('unit');
        if (ifMatch !== undefined && ifMatch !== current.version) {
          throw new PreconditionFailedError(`unit is at version ${current.version}, not ${ifMatch}`);
        }
        if (current.planStatus === 'archived') throw new ConflictError('plan is archived');
        if (current.status === 'archived' && dto.status !== undefined && dto.status !== 'archived') {
          // Reviving a unit must respect the plan's unit limit.
          if ((await this.units.countLive(advertiserId, current.planId, tx)) >= LIMITS.unitsPerPlan) {
            throw new ConflictError(`a plan holds at most ${LIMITS.unitsPerPlan} units`);
          }
        }
        const updated = await this.units.update(
          advertiserId,
          {
            id,
            name: dto.name ?? current.name,
            skuId: dto.skuId ?? current.skuId,
            skuPriceFen: dto.skuPrice === undefined ? current.skuPriceFen : cnyToFen(dto.skuPrice),
            status: dto.status ?? current.status,
          },
          current.version,
          tx,
        );
        return toUnitResponse(updated!);
      })
      .catch((err) => this.rethrowName(err, dto.name ?? ''));
  }

  private rethrowName(err: unknown, name: string): never {
    if (isUniqueViolation(err, 'units_live_name_key')) throw new ConflictError(`a unit named "${name}" already exists in this plan`);
    throw err;
  }
}
