import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import {
  AdvertisersRepository,
  Db,
  Env,
  isUuid,
  JOBS,
  QUEUES,
  ROTATE_SCHEDULER_ID,
  rotateJobId,
  Rotator,
  type RotateExperimentPayload,
  type RotateFanoutPayload,
} from '@kuaiche/domain';
import { type Job, Queue, UnrecoverableError } from 'bullmq';

const HOUR_MS = 3_600_000;

/**
 * The hourly creative rotation. A BullMQ Job Scheduler (upserted on every worker boot) fires
 * `rotate.fanout`, which enqueues one `rotate.experiment` job per experiment to rotate: running
 * ones, and decided ones still watched for fatigue (the newest of their unit, no alarm yet), of
 * advertisers on the wall clock. Job id `rotate-<experimentId>-<hour>`; the history's
 * (experiment, hour) key makes even a late duplicate a no-op.
 */
@Injectable()
export class RotationJobs implements OnApplicationBootstrap {
  private readonly logger = new Logger('rotation');

  constructor(
    private readonly env: Env,
    private readonly db: Db,
    private readonly advertisers: AdvertisersRepository,
    private readonly rotator: Rotator,
    @InjectQueue(QUEUES.creativeRotation) private readonly queue: Queue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.env.SCHEDULER_ENABLED) {
      await this.queue.removeJobScheduler(ROTATE_SCHEDULER_ID);
      this.logger.log({ msg: 'hourly creative rotation schedule off (SCHEDULER_ENABLED=false)' });
      return;
    }
    await this.queue.upsertJobScheduler(
      ROTATE_SCHEDULER_ID,
      { pattern: this.env.ROTATE_CRON, tz: this.env.OPTIMIZE_TZ },
      { name: JOBS.rotateFanout, data: {} satisfies RotateFanoutPayload },
    );
    this.logger.log({ msg: 'hourly creative rotation scheduled', cron: this.env.ROTATE_CRON, tz: this.env.OPTIMIZE_TZ });
  }

  /** The hour a fan-out rotates for: the one given, or the hour the scheduler fired in. */
  static fanoutHour(job: Job<RotateFanoutPayload>): Date {
    if (job.data?.asOf !== undefined) {
      const t = Date.parse(job.data.asOf);
      if (Number.isNaN(t) || t % HOUR_MS !== 0) throw new UnrecoverableError(`asOf ${job.data.asOf} is not a whole hour`);
      return new Date(t);
    }
    return new Date(Math.floor((job.timestamp + (job.delay ?? 0)) / HOUR_MS) * HOUR_MS);
  }

  async fanout(job: Job<RotateFanoutPayload>): Promise<{ asOf: string; experiments: number }> {
    const asOf = RotationJobs.fanoutHour(job);
    const only = job.data?.advertiserIds;
    if (only !== undefined && !(Array.isArray(only) && only.every((x) => typeof x === 'string' && isUuid(x)))) {
      throw new UnrecoverableError('advertiserIds must be a list of UUIDs');
    }
    const rows = await this.db.rows<{ advertiserId: string; experimentId: string }>(
      `SELECT e.advertiser_id AS "advertiserId", e.id AS "experimentId"
       FROM experiments e JOIN advertisers a ON a.id = e.advertiser_id
       WHERE a.clock = 'wall' AND e.status IN ('running', 'decided') AND ($1::uuid[] IS NULL OR a.id = ANY($1::uuid[]))
         AND e.start_hour < $2
         AND (e.status = 'running' OR (e.fatigued_at IS NULL AND NOT EXISTS (
               SELECT 1 FROM experiments n WHERE n.advertiser_id = e.advertiser_id AND n.unit_id = e.unit_id AND n.id > e.id)))
       ORDER BY e.advertiser_id, e.id`,
      [only ?? null, asOf.toISOString()],
    );
    const CHUNK = 1000;
    for (let i = 0; i < rows.length; i += CHUNK) {
      await this.queue.addBulk(
        rows.slice(i, i + CHUNK).map((r) => ({
          name: JOBS.rotateExperiment,
          data: { advertiserId: r.advertiserId, experimentId: r.experimentId, asOf: asOf.toISOString(), trigger: 'schedule' } satisfies RotateExperimentPayload,
          opts: { jobId: rotateJobId(r.experimentId, asOf) },
        })),
      );
    }
    return { asOf: asOf.toISOString(), experiments: rows.length };
  }

  async rotateExperiment(job: Job<RotateExperimentPayload>): Promise<{ experimentId: string; status: string; rotated: boolean }> {
    const { advertiserId, experimentId, asOf, trigger } = job.data ?? ({} as RotateExperimentPayload);
    const advertiser = advertiserId ? await this.advertisers.findById(advertiserId) : null;
    if (!advertiser) throw new UnrecoverableError(`advertiser ${advertiserId} not found`);
    if (!isUuid(experimentId)) throw new UnrecoverableError(`experiment id ${experimentId} is not a UUID`);
    const t = Date.parse(asOf);
    if (Number.isNaN(t) || t % HOUR_MS !== 0) throw new UnrecoverableError(`asOf ${asOf} is not a whole hour`);
    try {
      const r = await this.rotator.rotate(advertiser, experimentId, new Date(t), trigger === 'api' ? 'api' : 'schedule');
      return { experimentId, status: r.experiment.status, rotated: r.rotated };
    } catch (err) {
      // A stopped or deleted experiment, or an hour older than its last rotation: nothing to retry.
      const status = (err as { status?: number }).status;
      if (status === 404 || status === 409 || status === 400) throw new UnrecoverableError((err as Error).message);
      throw err;
    }
  }
}
