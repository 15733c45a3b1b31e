import { JOBS, OPTIMIZE_SCHEDULER_ID, optimizeJobId, QUEUES } from '@kuaiche/domain';
import { Queue } from 'bullmq';
import { startApi, type TestApi } from '../../../test/factories';
import { bidsOf, seedOptimizable } from '../../../test/optimization-kit';
import { redisConnection, startWorker, until } from '../../../test/worker-process';

const ASOF = Date.parse('2026-06-10T12:00:00+08:00');

describe('hourly optimization in real worker processes', () => {
  const prefix = `kuaiche-test-opt-${process.pid}`;
  const queue = new Queue(QUEUES.bidOptimization, { connection: redisConnection, prefix });
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await api.close();
  });

  const runsOf = async (planIds: string[]) =>
    (await api.db.query(`SELECT plan_id, as_of, status, attempts FROM optimization_runs WHERE plan_id = ANY($1::uuid[]) ORDER BY plan_id, as_of`, [planIds])) as {
      plan_id: string; as_of: Date; status: string; attempts: number;
    }[];

  it('two workers and a fan-out fired twice for the same hour make one run per plan-hour; the schedule is registered on boot', async () => {
    // Two advertisers on the wall clock with one plan each (the fan-out picks wall-clock advertisers).
    const a = await seedOptimizable(api, ASOF, { perUnit: 5, hours: 12, clock: 'wall' });
    const b = await seedOptimizable(api, ASOF, { perUnit: 5, hours: 12, clock: 'wall', seed: 2 });
    const workers = [0, 1].map(() => startWorker(prefix, { SCHEDULER_ENABLED: 'true' }));
    try {
      const scheduler = await until(async () => (await queue.getJobScheduler(OPTIMIZE_SCHEDULER_ID)) ?? undefined, 'job scheduler registered');
      expect(scheduler).toMatchObject({ pattern: '0 0 1 1 *', tz: 'Asia/Shanghai' });
      const only = { asOf: new Date(ASOF).toISOString(), advertiserIds: [a.tenant.id, b.tenant.id] };
      await queue.add(JOBS.optimizeFanout, only);
      await queue.add(JOBS.optimizeFanout, only);
      const plans = [a.planId, b.planId];
      await until(async () => {
        const runs = await runsOf(plans);
        return runs.length === 2 && runs.every((r) => r.status === 'succeeded') && runs;
      }, 'both plan-hours optimized');
      // Let any duplicate that might still be on its way arrive.
      await until(async () => (await queue.getJobCounts('waiting', 'active', 'delayed')).waiting + (await queue.getJobCounts('active')).active === 0 || undefined, 'queue drained');
      const runs = await runsOf(plans);
      expect(runs.map((r) => [r.plan_id, r.status, r.attempts])).toEqual(plans.sort().map((p) => [p, 'succeeded', 1]));
      for (const p of plans) expect(await queue.getJob(optimizeJobId(p, new Date(ASOF)))).toBeTruthy();
      const [{ dup }] = await api.db.query(`SELECT count(*) - count(DISTINCT (run_id, keyword_id)) AS dup FROM bid_changes WHERE plan_id = ANY($1::uuid[])`, [plans]);
      expect(Number(dup)).toBe(0);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await queue.removeJobScheduler(OPTIMIZE_SCHEDULER_ID);
    }
  });

  it('a worker killed with SIGKILL mid-run leaves the plan as it was; the retried job makes the bids a single run makes, without duplicate audit rows', async () => {
    const acc = await seedOptimizable(api, ASOF, { perUnit: 8, hours: 24 });
    const asOf = new Date(ASOF).toISOString();
    const preview = await api.http.post(`/v1/plans/${acc.planId}/optimize`).set(acc.tenant.auth).send({ asOf, dryRun: true });
    expect(preview.body.changes.length).toBeGreaterThan(0);
    const before = await bidsOf(api, acc.planId);

    // A queue of its own: BullMQ's stalled-job check runs at most once per stalledInterval per
    // queue, and the workers of the other test held it for their default 30 s.
    const killPrefix = `${prefix}-kill`;
    const queue = new Queue(QUEUES.bidOptimization, { connection: redisConnection, prefix: killPrefix });
    const slow = startWorker(killPrefix, { OPTIMIZER_TEST_PAUSE_MS: '4000', WORKER_LOCK_MS: '2000' });
    let rescuer: ReturnType<typeof startWorker> | undefined;
    try {
      await queue.add(JOBS.optimizePlan, { advertiserId: acc.tenant.id, planId: acc.planId, asOf, trigger: 'api' }, { jobId: optimizeJobId(acc.planId, new Date(ASOF)) });
      await until(async () => (await runsOf([acc.planId]))[0]?.status === 'running' || undefined, 'run started');
      await new Promise((r) => setTimeout(r, 1000)); // inside the run's transaction, before its commit
      await slow.stop(true);
      expect(await bidsOf(api, acc.planId)).toEqual(before);
      const [{ n }] = await api.db.query(`SELECT count(*)::int AS n FROM bid_changes WHERE plan_id = $1`, [acc.planId]);
      expect(n).toBe(0);

      rescuer = startWorker(killPrefix, { WORKER_LOCK_MS: '2000' });
      const run = await until(async () => {
        const [r] = await runsOf([acc.planId]);
        return r?.status === 'succeeded' && r;
      }, 'run retried and finished', 30_000);
      expect(run.attempts).toBe(2);
      const after = await bidsOf(api, acc.planId);
      const want = new Map(before);
      for (const c of preview.body.changes) want.set(c.keywordId, Math.round(c.newBid * 100));
      expect(after).toEqual(want);
      const audit = await api.db.query(`SELECT keyword_id, new_bid_fen FROM bid_changes WHERE plan_id = $1 ORDER BY keyword_id`, [acc.planId]);
      expect(audit.map((r: any) => [r.keyword_id, Number(r.new_bid_fen)])).toEqual(
        preview.body.changes.map((c: any) => [c.keywordId, Math.round(c.newBid * 100)]).sort((x: any, y: any) => (x[0] < y[0] ? -1 : 1)),
      );
    } finally {
      await slow.stop(true);
      if (rescuer) await rescuer.stop();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    }
  }, 60_000);
});
