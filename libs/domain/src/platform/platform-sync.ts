import { Injectable } from '@nestjs/common';
import type { FieldError } from '../errors';
import type { Experiment } from '../repositories/experiments.repository';
import { PlatformSyncsRepository } from '../repositories/platform-syncs.repository';
import { StatsIngestion, type StatRowInput } from '../stats/stats-ingestion';
import { HOUR_MS } from '../time';
import type { Advertiser } from '../types';
import type { PulledRow } from './platform-adapter';
import { Platforms } from './platforms';

const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * The worker's side of a platform: what it pulls (the hourly report, ingested like
 * `POST /v1/stats/hourly`) and what it pushes (a run's bid changes, the account's keyword bids and
 * statuses, a rotation's creative weights), each logged once in `platform_syncs`. A failing pull
 * or push throws, so the job fails and BullMQ retries it; a pull and its rows commit together, so
 * a retry never ingests an hour twice, and pushes are idempotent.
 */
@Injectable()
export class PlatformSync {
  constructor(
    private readonly platforms: Platforms,
    private readonly syncs: PlatformSyncsRepository,
    private readonly ingestion: StatsIngestion,
  ) {}

  /** Pulls the report of the hour before `hour` and ingests it, unless that hour was pulled already. */
  async pullHour(advertiser: Advertiser, hour: Date): Promise<{ rows: number; ingested: boolean }> {
    const adapter = this.platforms.platformFor(advertiser);
    const from = new Date(hour.getTime() - HOUR_MS);
    if (!adapter.syncs || (await this.syncs.logged(advertiser.id, 'pull', 'report', from))) return { rows: 0, ingested: false };
    const pulled = await adapter.pullHourly(advertiser, from, hour);
    const rows = await this.resolve(advertiser, pulled, from, hour);
    const ingested = await this.ingestion.write(advertiser, rows, (tx) => this.syncs.log(advertiser.id, { kind: 'pull', subject: 'report', hour: from, rows: rows.length }, tx));
    return { rows: ingested ? rows.length : 0, ingested };
  }

  /** Pushes the bid changes of optimization run `runId` (plan `planId`, for `hour`). */
  async pushRun(advertiser: Advertiser, planId: string, runId: string, hour: Date): Promise<number> {
    const adapter = this.platforms.platformFor(advertiser);
    if (!adapter.syncs) return 0;
    const bids = await this.syncs.runBids(advertiser.id, runId);
    const changed = await adapter.pushBids(advertiser, hour, bids);
    await this.syncs.log(advertiser.id, { kind: 'push', subject: 'bids', hour, planId, rows: bids.length });
    return changed;
  }

  /** Pushes every keyword's bid and status as the account holds them (the seller's own edits included), for `hour`. */
  async pushKeywords(advertiser: Advertiser, hour: Date): Promise<number> {
    const adapter = this.platforms.platformFor(advertiser);
    if (!adapter.syncs) return 0;
    const changed = await adapter.pushKeywords(advertiser, hour, await this.syncs.keywordStates(advertiser.id));
    await this.syncs.log(advertiser.id, { kind: 'push', subject: 'keywords', hour, rows: changed });
    return changed;
  }

  /** Pushes an experiment's serving weights for its unit, in force from `hour`. */
  async pushServingWeights(advertiser: Advertiser, experiment: Experiment, hour: Date): Promise<number> {
    const adapter = this.platforms.platformFor(advertiser);
    if (!adapter.syncs) return 0;
    const weights = experiment.servingWeights;
    const changed = await adapter.pushServingWeights(advertiser, hour, experiment.unitId, weights);
    await this.syncs.log(advertiser.id, { kind: 'push', subject: 'weights', hour, planId: experiment.planId, unitId: experiment.unitId, rows: Object.keys(weights).length });
    return changed;
  }

  /** The pulled rows checked as the API checks a request's, matched to the account; any bad row fails the whole pull. */
  private async resolve(advertiser: Advertiser, pulled: PulledRow[], from: Date, to: Date) {
    const paths = pulled.map((_, i) => `pulled[${i}]`);
    const errors: FieldError[][] = pulled.map(() => []);
    const parsed = pulled.map((r, i): StatRowInput | undefined => {
      const t = r.hour.getTime();
      if (!(t % HOUR_MS === 0 && t >= from.getTime() && t < to.getTime())) errors[i].push({ path: `${paths[i]}.hour`, message: `hour outside [${from.toISOString()}, ${to.toISOString()})` });
      for (const k of ['impressions', 'clicks', 'costFen', 'orders', 'gmvFen'] as const) {
        if (!count(r[k])) errors[i].push({ path: `${paths[i]}.${k}`, message: `${k} must be a whole number >= 0` });
      }
      if (r.clicks > r.impressions) errors[i].push({ path: `${paths[i]}.clicks`, message: 'clicks must not exceed impressions' });
      return errors[i].length ? undefined : { ...r, avgPosition: null };
    });
    const resolved = await this.ingestion.resolve(advertiser.id, parsed, paths, errors);
    const bad = errors.flat();
    if (bad.length) {
      throw new Error(`the ${advertiser.platform} platform's report for ${from.toISOString()} has ${bad.length} bad row(s), nothing ingested: ${bad.slice(0, 3).map((e) => `${e.path}: ${e.message}`).join('; ')}`);
    }
    return resolved.rows;
  }
}
