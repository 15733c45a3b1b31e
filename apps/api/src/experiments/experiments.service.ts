import { Injectable } from '@nestjs/common';
import {
  type Advertiser,
  ConflictError,
  CreativesRepository,
  Db,
  type Experiment,
  ExperimentsRepository,
  type FieldError,
  fenToCny,
  isoInZone,
  NotFoundError,
  type Page,
  Rotator,
  type StoredArmResult,
  toPage,
  UnitsRepository,
  ValidationFailedError,
  hourStart,
  requireWholeHour,
} from '@kuaiche/domain';
import { pageArgs } from '../common/pagination';
import type { CreateExperimentDto, ExperimentResponse, ExperimentResultResponse, ListExperimentsQueryDto, RotateBodyDto, RotateResponse } from './dto/experiment.dto';

const DEFAULT_FLOOR = 0.05;

const round = (x: number, digits: number) => Number(x.toFixed(digits));

function toResult(r: StoredArmResult, weight: number): ExperimentResultResponse {
  return {
    creativeId: r.creativeId,
    impressions: r.impressions,
    clicks: r.clicks,
    ctr: r.ctr === null ? null : round(r.ctr, 6),
    ctrInterval: [round(r.ctrInterval[0], 6), round(r.ctrInterval[1], 6)],
    orders: r.orders,
    gmv: fenToCny(Math.round(r.gmvFen)),
    valuePerImpression: round(r.valuePerImpressionFen / 100, 4),
    valueInterval: r.valueInterval ? [round(r.valueInterval[0] / 100, 4), round(r.valueInterval[1] / 100, 4)] : null,
    probBest: round(r.probBest, 4),
    weight,
  };
}

export function toExperimentResponse(e: Experiment, timeZone: string): ExperimentResponse {
  const K = e.creativeIds.length;
  const stored = new Map(((e.results ?? []) as unknown as StoredArmResult[]).map((r) => [r.creativeId, r]));
  return {
    id: e.id,
    planId: e.planId,
    unitId: e.unitId,
    creativeIds: e.creativeIds,
    mode: e.mode,
    metric: e.metric,
    status: e.status,
    winnerId: e.winnerId,
    servingWeights: e.servingWeights,
    floor: e.weightFloor,
    pauseLosers: e.pauseLosers,
    reopenOnFatigue: e.reopenOnFatigue,
    maxDays: e.maxDays,
    startAt: isoInZone(e.startHour, timeZone),
    asOf: e.lastRotatedHour ? isoInZone(e.lastRotatedHour, timeZone) : null,
    // Before the first rotation: no data, the uniform prior (CTR interval of Beta(1, 1)).
    results: e.creativeIds.map((id) => {
      const r = stored.get(id);
      const weight = e.servingWeights[id] ?? 0;
      return r
        ? toResult(r, weight)
        : { creativeId: id, impressions: 0, clicks: 0, ctr: null, ctrInterval: [0.025, 0.975], orders: 0, gmv: 0, valuePerImpression: 0, valueInterval: null, probBest: round(1 / K, 4), weight };
    }),
    decision: e.decision,
    version: e.version,
    createdAt: e.createdAt.toISOString(),
    decidedAt: e.decidedAt ? e.decidedAt.toISOString() : null,
    fatiguedAt: e.fatiguedAt ? e.fatiguedAt.toISOString() : null,
  };
}

@Injectable()
export class ExperimentsService {
  constructor(
    private readonly db: Db,
    private readonly units: UnitsRepository,
    private readonly creatives: CreativesRepository,
    private readonly experiments: ExperimentsRepository,
    private readonly rotator: Rotator,
  ) {}

  /**
   * Starts an A/B test of 2-5 active creatives of the unit. Creatives of another unit or another
   * advertiser are refused like unknown ones (the field names the entry, nothing tells them apart).
   */
  async create(a: Advertiser, unitId: string, dto: CreateExperimentDto): Promise<ExperimentResponse> {
    const ids = dto.creativeIds.map((id) => id.toLowerCase());
    const startHour = dto.startAt !== undefined ? requireWholeHour(dto.startAt, 'startAt') : hourStart(Date.now());
    return this.db.tx(async (tx) => {
      const [unit] = await this.units.lockWithPlans(a.id, [unitId], tx);
      if (!unit) throw new NotFoundError('unit');
      if (unit.planStatus === 'archived' || unit.status === 'archived') throw new ConflictError(`${unit.planStatus === 'archived' ? 'plan' : 'unit'} is archived`);
      const errors: FieldError[] = [];
      const seen = new Set<string>();
      for (const [i, id] of ids.entries()) {
        if (seen.has(id)) {
          errors.push({ path: `creativeIds[${i}]`, message: 'each creative may be listed once' });
          continue;
        }
        seen.add(id);
        const c = await this.creatives.findById(a.id, id, tx);
        if (!c || c.unitId !== unitId) errors.push({ path: `creativeIds[${i}]`, message: 'no creative of this unit has this id' });
        else if (c.status !== 'active') errors.push({ path: `creativeIds[${i}]`, message: `creative is ${c.status}; only active creatives can be tested` });
      }
      if (errors.length) throw new ValidationFailedError(errors);
      const e = await this.experiments.insert(
        a.id,
        {
          planId: unit.planId,
          unitId,
          creativeIds: ids,
          mode: dto.mode ?? 'bandit',
          metric: dto.metric ?? 'ctr',
          servingWeights: Object.fromEntries(ids.map((id) => [id, 1 / ids.length])),
          weightFloor: dto.floor ?? DEFAULT_FLOOR,
          pauseLosers: dto.pauseLosers ?? false,
          reopenOnFatigue: dto.reopenOnFatigue ?? false,
          maxDays: dto.maxDays ?? null,
          startHour,
        },
        tx,
      );
      if (!e) {
        const running = await this.experiments.findRunningForUnit(a.id, unitId, tx);
        throw new ConflictError(`the unit already has a running experiment${running ? ` (${running.id})` : ''}; stop it or wait for its decision`);
      }
      return toExperimentResponse(e, a.timezone);
    });
  }

  async get(a: Advertiser, id: string): Promise<ExperimentResponse> {
    const e = await this.experiments.findById(a.id, id);
    if (!e) throw new NotFoundError('experiment');
    return toExperimentResponse(e, a.timezone);
  }

  async list(a: Advertiser, unitId: string, q: ListExperimentsQueryDto): Promise<Page<ExperimentResponse>> {
    const { limit, afterId } = pageArgs(q);
    if (!(await this.units.findById(a.id, unitId))) throw new NotFoundError('unit');
    return toPage(await this.experiments.listForUnit(a.id, unitId, { afterId, limit }), limit, (e) => toExperimentResponse(e, a.timezone));
  }

  /** Rotates for the hour `asOf` (from the stats of the hours before it); an hour already rotated changes nothing. */
  async rotate(a: Advertiser, id: string, body: RotateBodyDto): Promise<RotateResponse> {
    const asOf = requireWholeHour(body.asOf, 'asOf');
    const r = await this.rotator.rotate(a, id, asOf, 'api');
    return { rotated: r.rotated, experiment: toExperimentResponse(r.experiment, a.timezone) };
  }

  /** Stops a running experiment without a winner; the creatives keep their status. */
  async stop(a: Advertiser, id: string): Promise<ExperimentResponse> {
    return this.db.tx(async (tx) => {
      const e = await this.experiments.findById(a.id, id, tx, true);
      if (!e) throw new NotFoundError('experiment');
      if (e.status !== 'running') throw new ConflictError(`the experiment is ${e.status}; only a running one can be stopped`);
      const stopped = await this.experiments.stop(a.id, id, { ...(e.decision ?? {}), decided: false, stopped: true, summary: 'stopped by the seller' }, tx);
      return toExperimentResponse(stopped!, a.timezone);
    });
  }
}
