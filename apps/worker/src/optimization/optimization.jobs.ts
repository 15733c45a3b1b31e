import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import {
  AdvertisersRepository,
  AlertsService,
  Db,
  Env,
  JOBS,
  OPTIMIZE_SCHEDULER_ID,
  optimizeJobId,
  Optimizer,
  PlatformSync,
  QUEUES,
  type OptimizeFanoutPayload,
  type OptimizePlanPayload,
} from '@kuaiche/domain';
import { type Job, Queue, UnrecoverableError } from 'bullmq';
import { addInChunks, fanoutArgs, jobHour, scheduleFanout } from '../queues/fanout';

/**
 * The hourly loop. A BullMQ Job Scheduler (upserted on every worker boot: any number of workers
 * register the same one) fires `optimize.fanout`, which enqueues one `optimize.plan` job per
 * active, non-manual plan of every advertiser on the wall clock, with job id
 * `optimize-<planId>-<hour>`: a plan-hour is one job however often it is asked for, and the
 * run's unique (plan, asOf) key makes even a late duplicate a no-op.
 */
@Injectable()
export class OptimizationJobs implements OnApplicationBootstrap {
  private readonly logger = new Logger('optimization');

  constructor(
    private readonly env: Env,
    private readonly db: Db,
    private readonly advertisers: AdvertisersRepository,
    private readonly optimizer: Optimizer,
    private readonly alerts: AlertsService,
    private readonly platform: PlatformSync,
    @InjectQueue(QUEUES.bidOptimization) private readonly queue: Queue,
  ) {}

  onApplicationBootstrap(): Promise<void> {
    return scheduleFanout(this.queue, this.env, this.logger, { id: OPTIMIZE_SCHEDULER_ID, cron: this.env.OPTIMIZE_CRON, job: JOBS.optimizeFanout, what: 'hourly optimization' });
  }

  async fanout(job: Job<OptimizeFanoutPayload>): Promise<{ asOf: string; plans: number }> {
    const { asOf, only } = fanoutArgs(job);
    const plans = await this.db.rows<{ advertiserId: string; planId: string }>(
      `SELECT p.advertiser_id AS "advertiserId", p.id AS "planId"
       FROM plans p JOIN advertisers a ON a.id = p.advertiser_id
       WHERE a.clock = 'wall' AND p.status = 'active' AND p.bid_strategy <> 'manual' AND ($1::uuid[] IS NULL OR a.id = ANY($1::uuid[]))
       ORDER BY p.advertiser_id, p.id`,
      [only],
    );
    await addInChunks(
      this.queue,
      plans.map((p) => ({
        name: JOBS.optimizePlan,
        data: { advertiserId: p.advertiserId, planId: p.planId, asOf: asOf.toISOString(), trigger: 'schedule' } satisfies OptimizePlanPayload,
        opts: { jobId: optimizeJobId(p.planId, asOf) },
      })),
    );
    return { asOf: asOf.toISOString(), plans: plans.length };
  }

  async optimizePlan(job: Job<OptimizePlanPayload>): Promise<{ runId: string; status: string; changed: number; pushed: number }> {
    const { advertiserId, planId, asOf, trigger } = job.data ?? ({} as OptimizePlanPayload);
    const advertiser = advertiserId ? await this.advertisers.findById(advertiserId) : null;
    if (!advertiser) throw new UnrecoverableError(`advertiser ${advertiserId} not found`);
    const hour = jobHour(asOf);
    // The hour's budget and performance rules, on the same hours the run read, raised in the run's
    // transaction: they commit with it, once (a retry that finds the run done raises nothing).
    const alerts = this.alerts.withRun(advertiser, hour);
    const run = await this.optimizer.run(advertiser, planId, hour, trigger === 'api' ? 'api' : 'schedule', { pauseMs: this.env.OPTIMIZER_TEST_PAUSE_MS, alongside: alerts.alongside });
    await alerts.kick();
    // The new bids to the platform, for the hour they are for (a no-op for csv: the seller
    // downloads them). A failed push fails the job; the retry finds the run done and pushes again.
    const pushed = run.status === 'succeeded' && run.keywordsChanged > 0 ? await this.platform.pushRun(advertiser, planId, run.id, hour) : 0;
    return { runId: run.id, status: run.status, changed: run.keywordsChanged, pushed };
  }
}
