import { Injectable } from '@nestjs/common';
import { AdvertisersRepository, cnyToFen, ConflictError, Db, type FieldError, isUniqueViolation, LIMITS, newId, NotFoundError, type Page, type Plan, PlansRepository, type PlanWrite, PreconditionFailedError, type PromoConfig, resolvePromo, toPage, ValidationFailedError } from '@kuaiche/domain';
import { pageArgs } from '../common/pagination';
import { CreatePlanDto, ListPlansQueryDto, PlanResponse, PromoDto, toPlanResponse, UpdatePlanDto } from './dto/plan.dto';

function roundRoi(r: number): number {
  return Math.round(r * 10_000) / 10_000;
}

@Injectable()
export class PlansService {
  constructor(
    private readonly db: Db,
    private readonly plans: PlansRepository,
    private readonly advertisers: AdvertisersRepository,
  ) {}

  async create(advertiserId: string, dto: CreatePlanDto): Promise<PlanResponse> {
    const plan: PlanWrite = {
      id: newId(),
      name: dto.name,
      type: dto.type,
      status: dto.status ?? 'active',
      dailyBudgetFen: cnyToFen(dto.dailyBudget),
      targetRoi: roundRoi(dto.targetRoi),
      bidStrategy: dto.bidStrategy ?? 'target_roi',
      minBidFen: dto.minBid === undefined ? LIMITS.minBidFen : cnyToFen(dto.minBid),
      maxBidFen: dto.maxBid === undefined ? LIMITS.maxBidFen : cnyToFen(dto.maxBid),
      schedule: dto.schedule ?? null,
      promo: null,
    };
    plan.promo = this.check(plan, dto.promo);
    return this.db
      .tx(async (tx) => {
        await this.advertisers.lock(advertiserId, tx);
        if ((await this.plans.countLive(advertiserId, tx)) >= LIMITS.plansPerAdvertiser) {
          throw new ConflictError(`an account holds at most ${LIMITS.plansPerAdvertiser} plans; archive one first`);
        }
        return toPlanResponse(await this.plans.insert(advertiserId, plan, tx));
      })
      .catch((err) => this.rethrowName(err, plan.name));
  }

  async get(advertiserId: string, id: string): Promise<PlanResponse> {
    return toPlanResponse(await this.load(advertiserId, id));
  }

  async list(advertiserId: string, q: ListPlansQueryDto): Promise<Page<PlanResponse>> {
    const { limit, afterId } = pageArgs(q);
    const rows = await this.plans.list(advertiserId, { status: q.status, type: q.type, afterId, limit });
    return toPage(rows, limit, toPlanResponse);
  }

  async update(advertiserId: string, id: string, dto: UpdatePlanDto, ifMatch?: number): Promise<PlanResponse> {
    return this.db
      .tx(async (tx) => {
        const current = await this.plans.findById(advertiserId, id, tx, true);
        if (!current) throw new NotFoundError('plan');
        if (ifMatch !== undefined && ifMatch !== current.version) {
          throw new PreconditionFailedError(`plan is at version ${current.version}, not ${ifMatch}`);
        }
        if (current.status === 'archived') throw new ConflictError('plan is archived and can no longer change');
        const next: PlanWrite = {
          ...current,
          name: dto.name ?? current.name,
          status: dto.status ?? current.status,
          dailyBudgetFen: dto.dailyBudget === undefined ? current.dailyBudgetFen : cnyToFen(dto.dailyBudget),
          targetRoi: dto.targetRoi === undefined ? current.targetRoi : roundRoi(dto.targetRoi),
          bidStrategy: dto.bidStrategy ?? current.bidStrategy,
          minBidFen: dto.minBid === undefined ? current.minBidFen : cnyToFen(dto.minBid),
          maxBidFen: dto.maxBid === undefined ? current.maxBidFen : cnyToFen(dto.maxBid),
          schedule: dto.schedule === undefined ? current.schedule : dto.schedule,
        };
        // Cross-field rules run on every PATCH; an absent promo keeps the stored calendar.
        const promo = this.check(next, dto.promo);
        next.promo = dto.promo === undefined ? current.promo : promo;
        const updated = await this.plans.update(advertiserId, next, current.version, tx);
        if (!updated) throw new PreconditionFailedError('plan changed while this request ran; reload and retry');
        return toPlanResponse(updated);
      })
      .catch((err) => this.rethrowName(err, dto.name ?? ''));
  }

  /** DELETE archives: the plan stops serving and its keywords stop counting as active. */
  async archive(advertiserId: string, id: string, ifMatch?: number): Promise<PlanResponse> {
    return this.db.tx(async (tx) => {
      const current = await this.plans.findById(advertiserId, id, tx, true);
      if (!current) throw new NotFoundError('plan');
      if (ifMatch !== undefined && ifMatch !== current.version) {
        throw new PreconditionFailedError(`plan is at version ${current.version}, not ${ifMatch}`);
      }
      if (current.status === 'archived') return toPlanResponse(current);
      const updated = await this.plans.update(advertiserId, { ...current, status: 'archived' }, current.version, tx, true);
      return toPlanResponse(updated!);
    });
  }

  async load(advertiserId: string, id: string): Promise<Plan> {
    const plan = await this.plans.findById(advertiserId, id);
    if (!plan) throw new NotFoundError('plan');
    return plan;
  }

  /** Cross-field rules the DTO cannot see on its own; returns the resolved promo calendar. */
  private check(plan: PlanWrite, promo: PromoDto | null | undefined): PromoConfig | null {
    const errors: FieldError[] = [];
    if (plan.maxBidFen < plan.minBidFen) errors.push({ path: 'maxBid', message: 'maxBid must not be below minBid' });
    let resolved: PromoConfig | null = null;
    if (promo) {
      if (plan.type !== 'promo') {
        errors.push({ path: 'promo', message: 'only promo plans take a promo calendar' });
      } else {
        const r = resolvePromo({
          phases: promo.phases.map((p) => ({ ...p, budgetFen: p.budget === undefined ? undefined : cnyToFen(p.budget) })),
          totalBudgetFen: promo.totalBudget === undefined ? undefined : cnyToFen(promo.totalBudget),
        });
        errors.push(...r.errors);
        resolved = r.value ?? null;
      }
    }
    if (errors.length) throw new ValidationFailedError(errors);
    return resolved;
  }

  private rethrowName(err: unknown, name: string): never {
    if (isUniqueViolation(err, 'plans_live_name_key')) throw new ConflictError(`a plan named "${name}" already exists`);
    throw err;
  }
}
