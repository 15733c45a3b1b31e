import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import {
  type Advertiser,
  AlertsService,
  type BidChange,
  bidExportCsv,
  compactReason,
  fenToCny,
  isoInZone,
  JOBS,
  NotFoundError,
  type OptimizationRun,
  OptimizationRepository,
  optimizeJobId,
  type OptimizePlanPayload,
  Optimizer,
  type Page,
  PlansRepository,
  QUEUES,
  toPage,
  requireWholeHour,
} from '@kuaiche/domain';
import { Queue } from 'bullmq';
import { pageArgs } from '../common/pagination';
import type { BidChangeResponse, BidChangesQueryDto, OptimizeBodyDto, PreviewResponse, RunResponse, RunsQueryDto } from './dto/optimization.dto';

const WAIT_MS = 60_000;

export function toRunResponse(r: OptimizationRun, timeZone: string): RunResponse {
  return {
    id: r.id, planId: r.planId, asOf: isoInZone(r.asOf, timeZone), status: r.status, trigger: r.trigger,
    keywordsSeen: r.keywordsSeen, keywordsChanged: r.keywordsChanged, keywordsSkipped: r.keywordsSkipped,
    durationMs: r.durationMs, attempts: r.attempts, error: r.error, summary: r.summary,
    createdAt: r.createdAt.toISOString(), finishedAt: r.finishedAt ? r.finishedAt.toISOString() : null,
  };
}

function toBidChangeResponse(c: BidChange, timeZone: string): BidChangeResponse {
  return {
    id: c.id, keywordId: c.keywordId, hour: isoInZone(c.hour, timeZone), oldBid: fenToCny(c.oldBidFen), newBid: fenToCny(c.newBidFen),
    source: c.source, runId: c.runId, reason: c.reason, createdAt: c.createdAt.toISOString(),
  };
}

@Injectable()
export class OptimizationService {
  constructor(
    private readonly optimizer: Optimizer,
    private readonly runs: OptimizationRepository,
    private readonly plans: PlansRepository,
    private readonly alerts: AlertsService,
    @InjectQueue(QUEUES.bidOptimization) private readonly queue: Queue,
  ) {}

  private async requirePlan(advertiserId: string, planId: string): Promise<void> {
    if (!(await this.plans.findById(advertiserId, planId))) throw new NotFoundError('plan');
  }

  /** Dry run: the decisions and their explanations, nothing written. */
  async preview(a: Advertiser, planId: string, body: OptimizeBodyDto): Promise<PreviewResponse> {
    const asOf = requireWholeHour(body.asOf, 'asOf');
    await this.requirePlan(a.id, planId);
    const d = await this.optimizer.preview(a, planId, asOf);
    return {
      asOf: isoInZone(asOf, a.timezone),
      changes: d.result.decisions
        .filter((x) => x.action === 'changed')
        .map((x) => ({ keywordId: x.keywordId, oldBid: fenToCny(x.oldBidFen), newBid: fenToCny(x.newBidFen), reason: compactReason(x.reason) })),
      summary: d.skippedReason ? { note: d.skippedReason } : { ...d.result.summary, verdicts: d.result.verdicts },
    };
  }

  /**
   * Applies (plan, asOf): with `wait`, runs it here and answers with the finished run (or the run
   * as it stands after 60 s); otherwise enqueues the same job the scheduler would and answers
   * with the queued run. A plan-hour that already ran answers with that run.
   */
  async apply(a: Advertiser, planId: string, body: OptimizeBodyDto, wait: boolean): Promise<{ finished: boolean; run: RunResponse }> {
    const asOf = requireWholeHour(body.asOf, 'asOf');
    await this.requirePlan(a.id, planId);
    const existing = await this.runs.ensureRun(a.id, planId, asOf, 'api');
    const done = (r: OptimizationRun) => ({ finished: r.status === 'succeeded' || r.status === 'skipped' || r.status === 'failed', run: toRunResponse(r, a.timezone) });
    if (existing.status === 'succeeded' || existing.status === 'skipped') return done(existing);
    if (wait) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), WAIT_MS)));
      // The same as the worker's job: the run with the hour's alert rules in its transaction.
      const alerts = this.alerts.withRun(a, asOf);
      const running = this.optimizer
        .run(a, planId, asOf, 'api', { alongside: alerts.alongside })
        .then(async (run) => {
          await alerts.kick();
          return run;
        })
        .catch(() => null);
      const r = await Promise.race([running, timeout]);
      clearTimeout(timer);
      return done(r ?? (await this.runs.findRunByKey(a.id, planId, asOf))!);
    }
    await this.queue.add(JOBS.optimizePlan, { advertiserId: a.id, planId, asOf: asOf.toISOString(), trigger: 'api' } satisfies OptimizePlanPayload, {
      jobId: optimizeJobId(planId, asOf),
    });
    return { finished: false, run: toRunResponse(existing, a.timezone) };
  }

  async bidChanges(a: Advertiser, planId: string, q: BidChangesQueryDto): Promise<Page<BidChangeResponse>> {
    const { limit, afterId } = pageArgs(q);
    const from = q.from === undefined ? undefined : requireWholeHour(q.from, 'from');
    const to = q.to === undefined ? undefined : requireWholeHour(q.to, 'to');
    await this.requirePlan(a.id, planId);
    const rows = await this.runs.listBidChanges(a.id, planId, { keywordId: q.keywordId?.toLowerCase(), source: q.source, from, to, afterId, limit });
    return toPage(rows, limit, (r) => toBidChangeResponse(r, a.timezone));
  }

  async listRuns(a: Advertiser, q: RunsQueryDto): Promise<Page<RunResponse>> {
    const { limit, afterId } = pageArgs(q);
    const asOf = q.asOf === undefined ? undefined : requireWholeHour(q.asOf, 'asOf');
    const rows = await this.runs.listRuns(a.id, { planId: q.planId?.toLowerCase(), asOf, afterId, limit });
    return toPage(rows, limit, (r) => toRunResponse(r, a.timezone));
  }

  /** The bulk-edit sheet of one run (default: the plan's latest run that changed bids). */
  async bidExport(a: Advertiser, planId: string, runId: string | undefined): Promise<{ csv: string; runId: string | null }> {
    await this.requirePlan(a.id, planId);
    let id = runId?.toLowerCase() ?? null;
    if (id) {
      const run = await this.runs.findRun(a.id, id);
      if (!run || run.planId !== planId) throw new NotFoundError('optimization run');
    } else id = (await this.runs.latestAppliedRun(a.id, planId))?.id ?? null;
    return { csv: bidExportCsv(id ? await this.runs.bidExportRows(a.id, planId, id) : []), runId: id };
  }

  async getRun(a: Advertiser, id: string): Promise<RunResponse> {
    const r = await this.runs.findRun(a.id, id);
    if (!r) throw new NotFoundError('optimization run');
    return toRunResponse(r, a.timezone);
  }
}
