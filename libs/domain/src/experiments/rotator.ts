import { type ArmHour, type ArmResult, mulberry32, rotateExperiment, type RotationOutcome, seedFrom } from '@kuaiche/bidding';
import type { Db, Tx } from '../db/db';
import { ConflictError, NotFoundError, ValidationFailedError } from '../errors';
import type { Experiment, ExperimentsRepository } from '../repositories/experiments.repository';
import type { UnitsRepository } from '../repositories/units.repository';
import { HOUR_MS, isoInZone } from '../time';
import type { Advertiser } from '../types';

export type RotationTrigger = 'schedule' | 'api';

export interface RotationResult {
  experiment: Experiment;
  /** False when the hour had already been rotated (a retry): nothing was written. */
  rotated: boolean;
  hour: Date;
}

/** Per-creative figures as stored in `experiments.results` (and shown by the API): the rotation's, keyed by creative. */
export type StoredArmResult = Omit<ArmResult, 'id'> & { creativeId: string };

export const EXPERIMENT_EVENTS = { decided: 'experiment.decided', fatigued: 'creative.fatigued' } as const;

function toStored({ id, ...rest }: ArmResult): StoredArmResult {
  return { creativeId: id, ...rest };
}

const hourIndex = (d: Date) => Math.round(d.getTime() / HOUR_MS);
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * One hour of creative rotation for one experiment: posteriors from the per-creative hourly stats
 * of [startHour, asOf), new serving weights and their history row, the decision (winner takes all,
 * losers paused if asked), the fatigue watch of a decided winner, and the domain events of what
 * happened, all in one transaction. The (experiment, hour) key of the history makes a retried
 * rotation a no-op; the Monte Carlo is seeded by (experiment, hour), so a rotation rolled back
 * and run again computes the same thing. Time is `asOf` only.
 */
export class Rotator {
  constructor(
    private readonly db: Db,
    private readonly experiments: ExperimentsRepository,
    private readonly units: UnitsRepository,
  ) {}

  async rotate(advertiser: Advertiser, experimentId: string, asOf: Date, trigger: RotationTrigger): Promise<RotationResult> {
    if (asOf.getTime() % HOUR_MS !== 0) throw new ValidationFailedError([{ path: 'asOf', message: 'asOf must be at a whole hour' }]);
    return this.db.tx(async (tx) => {
      const e = await this.experiments.findById(advertiser.id, experimentId, tx, true);
      if (!e) throw new NotFoundError('experiment');
      if (await this.experiments.findRotation(advertiser.id, e.id, asOf, tx)) return { experiment: e, rotated: false, hour: asOf };
      if (e.status === 'stopped') throw new ConflictError('the experiment is stopped; start a new one to test again');
      if (e.lastRotatedHour && asOf.getTime() < e.lastRotatedHour.getTime()) {
        throw new ConflictError(`the experiment was already rotated for a later hour (${isoInZone(e.lastRotatedHour, advertiser.timezone)}); hours are rotated in order`);
      }
      if (asOf.getTime() <= e.startHour.getTime()) {
        throw new ValidationFailedError([{ path: 'asOf', message: `asOf must be after the experiment's start (${isoInZone(e.startHour, advertiser.timezone)})` }]);
      }
      return this.apply(advertiser, e, asOf, trigger, tx);
    });
  }

  private async apply(advertiser: Advertiser, e: Experiment, asOf: Date, trigger: RotationTrigger, tx: Tx): Promise<RotationResult> {
    const unit = await this.units.findById(advertiser.id, e.unitId, tx);
    const facts = await this.experiments.creativeHours(advertiser.id, e.planId, e.unitId, e.creativeIds, e.startHour, asOf, tx);
    const byCreative = new Map<string, ArmHour[]>(e.creativeIds.map((id) => [id, []]));
    for (const f of facts) byCreative.get(f.creativeId)?.push({ hour: hourIndex(f.hour), impressions: f.impressions, clicks: f.clicks, orders: f.orders, gmvFen: f.gmvFen });

    const decision = (e.decision ?? {}) as Record<string, unknown>;
    const decided = e.status === 'decided';
    const superseded = decided && (await this.experiments.isSuperseded(advertiser.id, e, tx));
    const outcome = rotateExperiment({
      mode: e.mode,
      metric: e.metric,
      armIds: e.creativeIds,
      rows: e.creativeIds.map((id) => byCreative.get(id)!),
      asOf: hourIndex(asOf),
      startHour: hourIndex(e.startHour),
      status: decided ? 'decided' : 'running',
      winnerId: e.winnerId,
      decidedHour: typeof decision.hour === 'string' ? hourIndex(new Date(decision.hour)) : null,
      baselineCtr: typeof decision.baselineCtr === 'number' ? decision.baselineCtr : null,
      fatigued: e.fatiguedAt !== null || superseded,
      minP: e.testState.minP ?? {},
      maxDays: e.maxDays,
      priorOrderValueFen: unit?.skuPriceFen ?? undefined,
      random: mulberry32(seedFrom(`${e.id}|${asOf.toISOString()}`)),
      config: { floor: e.weightFloor },
    });
    const results = outcome.results.map(toStored);
    const hourIso = asOf.toISOString();
    const probBest = Object.fromEntries(results.map((r) => [r.creativeId, r.probBest]));

    let status = outcome.status;
    let winnerId = decided ? e.winnerId : null;
    let weights = outcome.weights;
    let startHour = e.startHour;
    let testState: Experiment['testState'] = { minP: outcome.minP };
    let fatiguedAt = e.fatiguedAt;
    let newDecision: Record<string, unknown> = decided ? decision : this.check(outcome, hourIso);
    let decidedNow = false;
    let clearDecidedAt = false;

    if (outcome.decided) {
      const d = outcome.decided;
      const leader = results.find((r) => r.creativeId === d.winnerId)!;
      const losers = e.creativeIds.filter((id) => id !== d.winnerId);
      const paused = e.pauseLosers ? await this.experiments.setCreativeStatus(advertiser.id, e.unitId, losers, 'active', 'paused', tx) : [];
      winnerId = d.winnerId;
      decidedNow = true;
      const why =
        d.rule === 'sequential'
          ? `the always-valid test found it better than every other creative (p <= ${outcome.check.alphaPair.toPrecision(3)} each)`
          : `P(best) ${pct(outcome.check.probBest)} >= 95%, expected loss ${pct(outcome.check.lossShare)} of its rate < 1%, and the always-valid test agrees`;
      newDecision = {
        decided: true,
        hour: hourIso,
        winnerId: d.winnerId,
        rule: d.rule,
        metric: e.metric,
        summary: `creative ${d.winnerId} wins on ${e.metric === 'ctr' ? 'CTR' : 'value per impression'}: ${why}`,
        probBest: outcome.check.probBest,
        expectedLossShare: outcome.check.lossShare,
        pValues: outcome.check.pValues,
        alphaPair: outcome.check.alphaPair,
        baselineCtr: d.baselineCtr,
        winnerCtrInterval: leader.ctrInterval,
        pausedCreativeIds: paused,
      };
      await this.experiments.appendEvent(
        advertiser.id,
        EXPERIMENT_EVENTS.decided,
        e.planId,
        {
          hour: hourIso,
          experimentId: e.id,
          unitId: e.unitId,
          winnerId: d.winnerId,
          loserIds: losers,
          pausedCreativeIds: paused,
          rule: d.rule,
          metric: e.metric,
          probBest: outcome.check.probBest,
          severity: 'info',
          message: `A/B test on unit ${unit?.name ?? e.unitId} decided: creative ${d.winnerId} wins (${why})`,
        },
        tx,
      );
    } else if (outcome.stopped) {
      newDecision = { ...this.check(outcome, hourIso), decided: false, stopped: true, summary: outcome.stopped.reason };
    } else if (outcome.fatigue) {
      const f = outcome.fatigue;
      fatiguedAt = asOf;
      const reopen = e.reopenOnFatigue;
      const fatigue = { hour: hourIso, creativeId: f.creativeId, baselineCtr: f.baselineCtr, observedCtr: f.observedCtr, alarmHour: f.alarmHour === null ? null : new Date(f.alarmHour * HOUR_MS).toISOString(), cusum: f.statistic, reopened: reopen };
      if (reopen) {
        // Exploration restarts from this hour with fresh posteriors: the old window would only
        // re-elect the tired winner. Creatives this experiment paused are served again.
        const pausedBefore = Array.isArray(decision.pausedCreativeIds) ? (decision.pausedCreativeIds as string[]) : [];
        const resumed = await this.experiments.setCreativeStatus(advertiser.id, e.unitId, pausedBefore, 'paused', 'active', tx);
        status = 'running';
        winnerId = null;
        startHour = asOf;
        testState = { minP: {} };
        weights = Object.fromEntries(e.creativeIds.map((id) => [id, 1 / e.creativeIds.length]));
        clearDecidedAt = true;
        newDecision = { decided: false, hour: hourIso, summary: `reopened: the winner ${f.creativeId} fatigued`, pending: ['exploration restarted after fatigue'], previous: decision, fatigue, resumedCreativeIds: resumed };
      } else {
        newDecision = { ...decision, fatigue };
      }
      await this.experiments.appendEvent(
        advertiser.id,
        EXPERIMENT_EVENTS.fatigued,
        e.planId,
        {
          hour: hourIso,
          experimentId: e.id,
          unitId: e.unitId,
          creativeId: f.creativeId,
          baselineCtr: f.baselineCtr,
          observedCtr: f.observedCtr,
          reopened: reopen,
          severity: 'warning',
          message: `creative ${f.creativeId} of unit ${unit?.name ?? e.unitId} is fatiguing: CTR ${f.observedCtr === null ? 'n/a' : pct(f.observedCtr)} since the decision against ${pct(f.baselineCtr)} before${reopen ? '; exploration reopened' : ''}`,
        },
        tx,
      );
    }

    await this.experiments.insertRotation(advertiser.id, e.id, { hour: asOf, status, servingWeights: weights, probBest, trigger }, tx);
    const updated = await this.experiments.update(
      advertiser.id,
      e.id,
      {
        status,
        winnerId,
        servingWeights: weights,
        startHour,
        lastRotatedHour: asOf,
        decision: newDecision,
        testState,
        results: results.map((r) => ({ ...r, weight: weights[r.creativeId] ?? 0 })),
        fatiguedAt,
        decidedNow,
        clearDecidedAt,
      },
      tx,
    );
    return { experiment: updated, rotated: true, hour: asOf };
  }

  /** The decision check of a running experiment: where it stands and what it still needs. */
  private check(outcome: RotationOutcome, hourIso: string): Record<string, unknown> {
    const c = outcome.check;
    return {
      decided: false,
      hour: hourIso,
      leaderId: c.leaderId,
      probBest: c.probBest,
      expectedLossShare: Number.isFinite(c.lossShare) ? c.lossShare : null,
      pValues: c.pValues,
      alphaPair: c.alphaPair,
      sampleOk: c.sampleOk,
      summary: c.pending.length ? `no decision yet: ${c.pending[0]}` : 'no decision yet',
      pending: c.pending,
    };
  }
}
