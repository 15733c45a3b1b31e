import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ALL_QUEUES, Db } from '@kuaiche/domain';
import type { Queue } from 'bullmq';
import { Gauge } from 'prom-client';
import { MetricsService } from './metrics.service';

/** A scrape must answer even when Redis does not: a collector that takes over 2 s reports nothing. */
function inTime<T>(p: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p.catch(() => undefined), new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 2000)))]).finally(() => clearTimeout(timer));
}

const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized', 'waiting-children'] as const;

/**
 * Queue health in /metrics, read at scrape time: jobs per queue and state (depth), jobs
 * completed and failed as counted by the workers (BullMQ metrics), and how long the last hour's
 * optimization runs took (from optimization_runs, whichever worker ran them).
 */
@Injectable()
export class QueueMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly moduleRef: ModuleRef,
    private readonly db: Db,
  ) {}

  onModuleInit(): void {
    const queues = ALL_QUEUES.map((name) => this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }));
    const registers = [this.metrics.registry];
    new Gauge({
      name: 'kuaiche_queue_jobs',
      help: 'jobs in each queue by state (waiting and delayed are the backlog; failed are kept for inspection)',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        const counts = await inTime(Promise.all(queues.map((q) => q.getJobCounts(...STATES))));
        this.reset();
        counts?.forEach((c, i) => STATES.forEach((s) => this.set({ queue: queues[i].name, state: s }, c[s] ?? 0)));
      },
    });
    new Gauge({
      name: 'kuaiche_queue_jobs_processed_total',
      help: 'jobs finished by the workers since the queue metrics began, by outcome (BullMQ metrics)',
      labelNames: ['queue', 'outcome'],
      registers,
      async collect() {
        const all = await inTime(Promise.all(queues.flatMap((q) => (['completed', 'failed'] as const).map(async (outcome) => ({ q: q.name, outcome, n: (await q.getMetrics(outcome, 0, 0)).meta.count })))));
        this.reset();
        for (const m of all ?? []) this.set({ queue: m.q, outcome: m.outcome }, m.n);
      },
    });
    const db = this.db;
    new Gauge({
      name: 'kuaiche_optimization_run_seconds',
      help: 'duration of the optimization runs finished in the last hour: quantiles, and the count and failures',
      labelNames: ['stat'],
      registers,
      async collect() {
        const rows = await inTime(db.rows<{ n: number; failed: number; p50: number | null; p95: number | null; max: number | null }>(
          `SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'failed')::int AS failed,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) / 1000 AS p50,
                  percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) / 1000 AS p95, max(duration_ms)::float8 / 1000 AS max
           FROM optimization_runs WHERE finished_at > now() - interval '1 hour'`,
        ));
        this.reset();
        const r = rows?.[0];
        if (!r) return;
        this.set({ stat: 'count' }, r.n);
        this.set({ stat: 'failed' }, r.failed);
        if (r.p50 !== null) this.set({ stat: 'p50' }, r.p50);
        if (r.p95 !== null) this.set({ stat: 'p95' }, r.p95);
        if (r.max !== null) this.set({ stat: 'max' }, r.max);
      },
    });
  }
}
