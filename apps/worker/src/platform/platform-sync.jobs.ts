import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import {
  AdvertisersRepository,
  Db,
  Env,
  isUuid,
  JOBS,
  PLATFORM_SYNC_SCHEDULER_ID,
  Platforms,
  PlatformSync,
  platformSyncJobId,
  QUEUES,
  type PlatformSyncFanoutPayload,
  type PlatformSyncPayload,
} from '@kuaiche/domain';
import { type Job, Queue, UnrecoverableError } from 'bullmq';
import { addInChunks, fanoutArgs, jobHour, scheduleFanout } from '../queues/fanout';

/**
 * The hourly platform sync. A BullMQ Job Scheduler (upserted on every worker boot, at
 * PLATFORM_SYNC_CRON: minute 1, before the optimization at minute 5) fires `platform-sync.fanout`,
 * which enqueues one `platform.sync` job per advertiser on the wall clock whose platform syncs
 * (sandbox; csv accounts move files by hand), with job id `sync-<advertiserId>-<hour>`. The job
 * pulls the hour before its hour through the advertiser's adapter and ingests it as
 * `POST /v1/stats/hourly` would (rollups, corrections, alert rules); the pull's log row commits
 * with the rows, so a duplicate or retried job ingests nothing twice. Then it pushes the
 * account's keyword bids and statuses, so the seller's own edits reach the platform.
 */
@Injectable()
export class PlatformSyncJobs implements OnApplicationBootstrap {
  private readonly logger = new Logger('platform-sync');

  constructor(
    private readonly env: Env,
    private readonly db: Db,
    private readonly advertisers: AdvertisersRepository,
    private readonly sync: PlatformSync,
    private readonly platforms: Platforms,
    @InjectQueue(QUEUES.platformSync) private readonly queue: Queue,
  ) {}

  onApplicationBootstrap(): Promise<void> {
    return scheduleFanout(this.queue, this.env, this.logger, { id: PLATFORM_SYNC_SCHEDULER_ID, cron: this.env.PLATFORM_SYNC_CRON, job: JOBS.platformSyncFanout, what: 'hourly platform sync' });
  }

  async fanout(job: Job<PlatformSyncFanoutPayload>): Promise<{ asOf: string; advertisers: number }> {
    const { asOf, only } = fanoutArgs(job);
    const rows = await this.db.rows<{ advertiserId: string }>(
      `SELECT id AS "advertiserId" FROM advertisers
       WHERE clock = 'wall' AND platform = ANY($2::text[]) AND ($1::uuid[] IS NULL OR id = ANY($1::uuid[]))
       ORDER BY id`,
      [only, this.platforms.syncing],
    );
    await addInChunks(
      this.queue,
      rows.map((r) => ({
        name: JOBS.platformSync,
        data: { advertiserId: r.advertiserId, asOf: asOf.toISOString() } satisfies PlatformSyncPayload,
        opts: { jobId: platformSyncJobId(r.advertiserId, asOf) },
      })),
    );
    return { asOf: asOf.toISOString(), advertisers: rows.length };
  }

  async syncAdvertiser(job: Job<PlatformSyncPayload>): Promise<{ advertiserId: string; pulled: number; ingested: boolean; keywordsPushed: number }> {
    const { advertiserId, asOf } = job.data ?? ({} as PlatformSyncPayload);
    const advertiser = isUuid(advertiserId) ? await this.advertisers.findById(advertiserId) : null;
    if (!advertiser) throw new UnrecoverableError(`advertiser ${advertiserId} not found`);
    const hour = jobHour(asOf);
    // Pull first: the past hour was served at what was in force then; the keywords pushed next are for this hour.
    const pull = await this.sync.pullHour(advertiser, hour);
    const keywordsPushed = await this.sync.pushKeywords(advertiser, hour);
    return { advertiserId, pulled: pull.rows, ingested: pull.ingested, keywordsPushed };
  }
}
