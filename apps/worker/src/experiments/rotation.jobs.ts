import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import {
  AdvertisersRepository,
  Db,
  Env,
  isUuid,
  JOBS,
  PlatformSync,
  QUEUES,
  ROTATE_SCHEDULER_ID,
  rotateJobId,
  Rotator,
  type RotateExperimentPayload,
  type RotationResult,
  type RotateFanoutPayload,
} from '@kuaiche/domain';
import { type Job, Queue, UnrecoverableError } from 'bullmq';
import { addInChunks, fanoutArgs, jobHour, scheduleFanout } from '../queues/fanout';

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
    private readonly platform: PlatformSync,
    @InjectQueue(QUEUES.creativeRotation) private readonly queue: Queue,
  ) {}

  onApplicationBootstrap(): Promise<void> {
    return scheduleFanout(this.queue, this.env, this.logger, { id: ROTATE_SCHEDULER_ID, cron: this.env.ROTATE_CRON, job: JOBS.rotateFanout, what: 'hourly creative rotation' });
  }

  async fanout(job: Job<RotateFanoutPayload>): Promise<{ asOf: string; experiments: number }> {
    const { asOf, only } = fanoutArgs(job);
    const rows = await this.db.rows<{ advertiserId: string; experimentId: string }>(
      `SELECT e.advertiser_id AS "advertiserId", e.id AS "experimentId"
       FROM experiments e JOIN advertisers a ON a.id = e.advertiser_id
       WHERE a.clock = 'wall' AND e.status IN ('running', 'decided') AND ($1::uuid[] IS NULL OR a.id = ANY($1::uuid[]))
         AND e.start_hour < $2
         AND (e.status = 'running' OR (e.fatigued_at IS NULL AND NOT EXISTS (
               SELECT 1 FROM experiments n WHERE n.advertiser_id = e.advertiser_id AND n.unit_id = e.unit_id AND n.id > e.id)))
       ORDER BY e.advertiser_id, e.id`,
      [only, asOf.toISOString()],
    );
    await addInChunks(
      this.queue,
      rows.map((r) => ({
        name: JOBS.rotateExperiment,
        data: { advertiserId: r.advertiserId, experimentId: r.experimentId, asOf: asOf.toISOString(), trigger: 'schedule' } satisfies RotateExperimentPayload,
        opts: { jobId: rotateJobId(r.experimentId, asOf) },
      })),
    );
    return { asOf: asOf.toISOString(), experiments: rows.length };
  }

  async rotateExperiment(job: Job<RotateExperimentPayload>): Promise<{ experimentId: string; status: string; rotated: boolean }> {
    const { advertiserId, experimentId, asOf, trigger } = job.data ?? ({} as RotateExperimentPayload);
    const advertiser = advertiserId ? await this.advertisers.findById(advertiserId) : null;
    if (!advertiser) throw new UnrecoverableError(`advertiser ${advertiserId} not found`);
    if (!isUuid(experimentId)) throw new UnrecoverableError(`experiment id ${experimentId} is not a UUID`);
    const hour = jobHour(asOf);
    let r: RotationResult;
    try {
      r = await this.rotator.rotate(advertiser, experimentId, hour, trigger === 'api' ? 'api' : 'schedule');
    } catch (err) {
      // A stopped or deleted experiment, or an hour older than its last rotation: nothing to retry.
      const status = (err as { status?: number }).status;
      if (status === 404 || status === 409 || status === 400) throw new UnrecoverableError((err as Error).message);
      throw err;
    }
    // The hour's weights to the platform (also when this was a retry that rotated nothing: its
    // push may be what failed). A failed push fails the job and the retry pushes again.
    await this.platform.pushServingWeights(advertiser, r.experiment, hour);
    return { experimentId, status: r.experiment.status, rotated: r.rotated };
  }
}
