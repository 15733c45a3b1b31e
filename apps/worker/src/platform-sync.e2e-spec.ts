import {
  JOBS,
  OPTIMIZE_SCHEDULER_ID,
  optimizeJobId,
  PLATFORM_SYNC_SCHEDULER_ID,
  platformSyncJobId,
  QUEUES,
  ROTATE_SCHEDULER_ID,
  type SandboxKeyword,
  serveHour,
} from '@kuaiche/domain';
import { type Job, Queue } from 'bullmq';
import { startApi, type TestApi } from '../../../test/factories';
import { bidsOf, HOUR_MS, seedOptimizable } from '../../../test/optimization-kit';
import { redisConnection, startWorker, until } from '../../../test/worker-process';

/** 12:00 in Shanghai; the accounts' stats end at 10:00, so the sync of 12:00 pulls a fresh hour (11:00). */
const ASOF = Date.parse('2026-06-10T12:00:00+08:00');
const iso = (ms: number) => new Date(ms).toISOString();

describe('platform sync in real worker processes', () => {
  const prefix = `kuaiche-test-sync-${process.pid}`;
  const syncQueue = new Queue(QUEUES.platformSync, { connection: redisConnection, prefix });
  const optimizeQueue = new Queue(QUEUES.bidOptimization, { connection: redisConnection, prefix });
  const alertsQueue = new Queue(QUEUES.alerts, { connection: redisConnection, prefix });
  const rotationQueue = new Queue(QUEUES.creativeRotation, { connection: redisConnection, prefix });
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    for (const q of [syncQueue, optimizeQueue, alertsQueue, rotationQueue]) {
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
    }
    await api.close();
  });

  const finished = (queue: Queue, id: string, what: string) =>
    until(async () => {
      const j = await queue.getJob(id);
      if (j?.failedReason) throw new Error(`${what} failed: ${j.failedReason}`);
      return j?.finishedOn ? (j as Job) : undefined;
    }, what, 30_000);
  // Not 'delayed': a job scheduler keeps its next fire there.
  const drained = (queue: Queue) =>
    until(async () => {
      const c = await queue.getJobCounts('waiting', 'active', 'prioritized');
      return c.waiting + c.active + c.prioritized === 0 || undefined;
    }, `${queue.name} drained`);
  const syncsOf = async (advertiserId: string) =>
    (await api.db.query(`SELECT kind, subject, hour, plan_id, unit_id, rows FROM platform_syncs WHERE advertiser_id = $1 ORDER BY hour, kind, subject`, [advertiserId])).map(
      (r: { kind: string; subject: string; hour: Date; plan_id: string | null; unit_id: string | null; rows: number }) => [r.kind, r.subject, new Date(r.hour).getTime(), r.plan_id, r.rows],
    );
  /** The rows of one hour in `table` (the facts or the sandbox's report), comparable. */
  const rowsOf = async (table: 'keyword_stats_hourly' | 'sandbox_reports', advertiserId: string, hourMs: number) =>
    (await api.db.query(
      `SELECT keyword_id, creative_id, impressions, clicks, cost_fen, orders, gmv_fen FROM ${table} WHERE advertiser_id = $1 AND hour = $2 ORDER BY keyword_id, creative_id`,
      [advertiserId, iso(hourMs)],
    )).map((r: Record<string, string | number>) => [r.keyword_id, r.creative_id, ...['impressions', 'clicks', 'cost_fen', 'orders', 'gmv_fen'].map((k) => Number(r[k]))]);
  const sync = async (advertiserId: string, hourMs: number) => {
    const id = platformSyncJobId(advertiserId, new Date(hourMs));
    await syncQueue.add(JOBS.platformSync, { advertiserId, asOf: iso(hourMs) }, { jobId: id });
    return (await finished(syncQueue, id, `the sync of ${iso(hourMs)}`)).returnvalue;
  };

  it('registers the schedule on boot; a fan-out fired twice pulls the hour before once and ingests it as POST /v1/stats/hourly does; a retried pull adds nothing; a csv account is not pulled', async () => {
    const sandbox = await seedOptimizable(api, ASOF - HOUR_MS, { perUnit: 10, hours: 24, clock: 'wall' });
    const csv = await seedOptimizable(api, ASOF - HOUR_MS, { perUnit: 3, hours: 2, clock: 'wall', platform: 'csv' });
    const a = sandbox.tenant.id;
    const worker = startWorker(prefix, { SCHEDULER_ENABLED: 'true' });
    try {
      const scheduler = await until(async () => (await syncQueue.getJobScheduler(PLATFORM_SYNC_SCHEDULER_ID)) ?? undefined, 'platform sync scheduler registered');
      expect(scheduler).toMatchObject({ pattern: '0 0 1 1 *', tz: 'Asia/Shanghai' });
      const only = { asOf: iso(ASOF), advertiserIds: [a, csv.tenant.id] };
      await syncQueue.add(JOBS.platformSyncFanout, only);
      await syncQueue.add(JOBS.platformSyncFanout, only);
      const job = await finished(syncQueue, platformSyncJobId(a, new Date(ASOF)), 'the sandbox account synced');
      await drained(syncQueue);

      // The hour before, as the sandbox served it, is now the facts, once.
      const served = await rowsOf('sandbox_reports', a, ASOF - HOUR_MS);
      expect(served.length).toBeGreaterThan(5);
      expect(await rowsOf('keyword_stats_hourly', a, ASOF - HOUR_MS)).toEqual(served);
      expect(job.returnvalue).toEqual({ advertiserId: a, pulled: served.length, ingested: true, keywordsPushed: 0 });
      // The rollups agree with the facts: the plan-hour, and the budget days over every hour sent.
      const [plan] = await api.db.query(`SELECT impressions, clicks, cost_fen, orders, gmv_fen FROM plan_stats_hourly WHERE advertiser_id = $1 AND plan_id = $2 AND hour = $3`, [a, sandbox.planId, iso(ASOF - HOUR_MS)]);
      const sums = [2, 3, 4, 5, 6].map((i) => served.reduce((s: number, r: number[]) => s + r[i], 0));
      expect([plan.impressions, plan.clicks, plan.cost_fen, plan.orders, plan.gmv_fen].map(Number)).toEqual(sums);
      const totals = `sum(impressions)::bigint AS i, sum(clicks)::bigint AS c, sum(cost_fen)::bigint AS k, sum(orders)::bigint AS o, sum(gmv_fen)::bigint AS g`;
      const [daily] = await api.db.query(`SELECT ${totals} FROM keyword_stats_daily WHERE advertiser_id = $1`, [a]);
      const [hourly] = await api.db.query(`SELECT ${totals} FROM keyword_stats_hourly WHERE advertiser_id = $1`, [a]);
      expect(daily).toEqual(hourly);
      // Logged: the pull (its rows), then the keywords pushed for the hour (none changed: the
      // sandbox took every keyword at its bid when it first saw it, serving the pulled hour).
      expect(await syncsOf(a)).toEqual([['pull', 'report', ASOF - HOUR_MS, null, served.length], ['push', 'keywords', ASOF, null, 0]]);
      // The alert rules were queued for the hour after the ingested one, as after POST /v1/stats/hourly.
      const evaluations = (await alertsQueue.getJobs(['delayed', 'waiting', 'active', 'completed'])).filter((j) => j.name === JOBS.alertsEvaluate && j.data.advertiserId === a);
      expect(evaluations.map((j) => j.data.asOf)).toContain(iso(ASOF));

      // A retried pull of the same hour ingests nothing new.
      const facts = await api.db.query(`SELECT keyword_id, updated_at FROM keyword_stats_hourly WHERE advertiser_id = $1 ORDER BY keyword_id, hour`, [a]);
      await syncQueue.add(JOBS.platformSync, { advertiserId: a, asOf: iso(ASOF) }, { jobId: `retry-${a}` });
      const retried = await finished(syncQueue, `retry-${a}`, 'the retried sync');
      expect(retried.returnvalue).toEqual({ advertiserId: a, pulled: 0, ingested: false, keywordsPushed: 0 });
      expect(await api.db.query(`SELECT keyword_id, updated_at FROM keyword_stats_hourly WHERE advertiser_id = $1 ORDER BY keyword_id, hour`, [a])).toEqual(facts);
      expect((await syncsOf(a)).length).toBe(2);

      // The csv account: no job, no pull, nothing served.
      expect(await syncQueue.getJob(platformSyncJobId(csv.tenant.id, new Date(ASOF)))).toBeFalsy();
      expect(await syncsOf(csv.tenant.id)).toEqual([]);
      const [{ n }] = await api.db.query(`SELECT count(*)::int AS n FROM sandbox_hours WHERE advertiser_id = $1`, [csv.tenant.id]);
      expect(n).toBe(0);
    } finally {
      await worker.stop();
      await syncQueue.removeJobScheduler(PLATFORM_SYNC_SCHEDULER_ID);
      await optimizeQueue.removeJobScheduler(OPTIMIZE_SCHEDULER_ID);
      await rotationQueue.removeJobScheduler(ROTATE_SCHEDULER_ID);
    }
  });

  it("pushes an optimizer run's changed bids; the next pull serves the hour at them, not at what the account holds; the seller's own bids reach the sandbox with the next sync", async () => {
    const acc = await seedOptimizable(api, ASOF - HOUR_MS, { perUnit: 8, hours: 24, clock: 'wall' });
    const csv = await seedOptimizable(api, ASOF, { perUnit: 4, hours: 24, clock: 'wall', platform: 'csv', seed: 3 });
    const a = acc.tenant.id;
    const worker = startWorker(prefix);
    try {
      await sync(a, ASOF);
      const optimize = async (planId: string, advertiserId: string) => {
        const id = optimizeJobId(planId, new Date(ASOF));
        await optimizeQueue.add(JOBS.optimizePlan, { advertiserId, planId, asOf: iso(ASOF), trigger: 'api' }, { jobId: id });
        return (await finished(optimizeQueue, id, 'the optimization')).returnvalue as { runId: string; status: string; changed: number; pushed: number };
      };
      const run = await optimize(acc.planId, a);
      expect(run.status).toBe('succeeded');
      expect(run.changed).toBeGreaterThan(0);
      expect(run.pushed).toBe(run.changed);

      // The sandbox holds the run's new bids for the hour, and every other keyword at the bid it had.
      const changes = await api.db.query(`SELECT keyword_id, new_bid_fen FROM bid_changes WHERE advertiser_id = $1 AND run_id = $2`, [a, run.runId]);
      expect(changes.length).toBe(run.changed);
      const pushed: { keyword_id: string; bid_fen: number; as_of: Date }[] = await api.db.query(`SELECT keyword_id, bid_fen, as_of FROM sandbox_keywords WHERE advertiser_id = $1`, [a]);
      const byId = new Map(pushed.map((p) => [p.keyword_id, p]));
      for (const c of changes) {
        expect(Number(byId.get(c.keyword_id)!.bid_fen)).toBe(Number(c.new_bid_fen));
        expect(new Date(byId.get(c.keyword_id)!.as_of).getTime()).toBe(ASOF);
      }
      expect(new Map(pushed.map((p) => [p.keyword_id, Number(p.bid_fen)]))).toEqual(await bidsOf(api, acc.planId));
      expect(await syncsOf(a)).toContainEqual(['push', 'bids', ASOF, acc.planId, changes.length]);

      // What the sandbox knows now, for the market computed by hand below.
      const known: SandboxKeyword[] = (await api.db.query(
        `SELECT s.keyword_id, k.unit_id, s.bid_fen, s.status, s.anchor_bid_fen, u.sku_price_fen FROM sandbox_keywords s
         JOIN keywords k ON k.id = s.keyword_id JOIN units u ON u.id = k.unit_id WHERE s.advertiser_id = $1`,
        [a],
      )).map((r: Record<string, string>) => ({
        id: r.keyword_id, planId: acc.planId, unitId: r.unit_id, bidFen: Number(r.bid_fen), status: r.status, anchorBidFen: Number(r.anchor_bid_fen),
        qualityScore: null, skuPriceFen: Number(r.sku_price_fen), unitActive: true,
      }));
      // The seller then sets half the keywords far above the market and half at the floor. The
      // next sync pulls the optimized hour first (served at the pushed bids), then pushes these.
      const high = acc.keywordIds.filter((_, i) => i % 2 === 0);
      const low = acc.keywordIds.filter((_, i) => i % 2 === 1);
      const patch = await api.http.patch('/v1/keywords').set(acc.tenant.auth).send({ items: [...high.map((id) => ({ id, bid: 30 })), ...low.map((id) => ({ id, bid: 0.3 }))] });
      expect(patch.status).toBe(200);

      const next = await sync(a, ASOF + HOUR_MS);
      expect(next).toMatchObject({ ingested: true, keywordsPushed: acc.keywordIds.length });
      const served = await rowsOf('sandbox_reports', a, ASOF);
      expect(await rowsOf('keyword_stats_hourly', a, ASOF)).toEqual(served);
      const [{ plans }] = await api.db.query(`SELECT plans FROM sandbox_hours WHERE advertiser_id = $1 AND hour = $2`, [a, iso(ASOF - HOUR_MS)]);
      const market = serveHour({
        hourIndex: ASOF / HOUR_MS,
        hourOfDay: 12,
        keywords: known,
        plans: new Map([[acc.planId, { multiplier: 1, budgetFen: 30_000, spentFen: plans[acc.planId].costFen, dark: plans[acc.planId].darkAt !== null }]]),
        weights: new Map(),
      });
      expect(market.rows.length).toBeGreaterThan(0);
      expect(served).toEqual(market.rows.map((r) => [r.keywordId, '00000000-0000-0000-0000-000000000000', r.impressions, r.clicks, r.costFen, r.orders, r.gmvFen]));

      // The hour after serves at the seller's bids: the keywords bid far above the market take
      // the impressions, the ones at the floor next to none.
      await sync(a, ASOF + 2 * HOUR_MS);
      const after = await rowsOf('sandbox_reports', a, ASOF + HOUR_MS);
      const impressions = (ids: string[]) => after.filter((r: unknown[]) => ids.includes(r[0] as string)).reduce((s: number, r: number[]) => s + r[2], 0);
      expect(impressions(high)).toBeGreaterThan(0);
      expect(impressions(high)).toBeGreaterThan(10 * impressions(low));
      expect(await syncsOf(a)).toContainEqual(['push', 'keywords', ASOF + HOUR_MS, null, acc.keywordIds.length]);

      // A csv account's run pushes nothing: the seller downloads the bulk-edit sheet.
      const csvRun = await optimize(csv.planId, csv.tenant.id);
      expect(csvRun).toMatchObject({ status: 'succeeded', pushed: 0 });
      expect(csvRun.changed).toBeGreaterThan(0);
      expect(await syncsOf(csv.tenant.id)).toEqual([]);
      const [{ n }] = await api.db.query(`SELECT count(*)::int AS n FROM sandbox_keywords WHERE advertiser_id = $1`, [csv.tenant.id]);
      expect(n).toBe(0);
    } finally {
      await worker.stop();
    }
  }, 90_000);
});
