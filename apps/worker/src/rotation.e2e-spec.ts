import { JOBS, QUEUES, ROTATE_SCHEDULER_ID, rotateJobId } from '@kuaiche/domain';
import { Queue } from 'bullmq';
import { createCreative, createKeywords, createPlan, createTenant, createUnit, startApi, type Tenant, type TestApi } from '../../../test/factories';
import { HOUR_MS, sendStats } from '../../../test/optimization-kit';
import { redisConnection, startWorker, until } from '../../../test/worker-process';

const START = Date.parse('2026-11-02T00:00:00+08:00');
const ASOF = START + 30 * HOUR_MS;

describe('hourly creative rotation in a real worker process', () => {
  const prefix = `kuaiche-test-rot-${process.pid}`;
  const queue = new Queue(QUEUES.creativeRotation, { connection: redisConnection, prefix });
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await api.close();
  });

  /** A tenant with one unit, two creatives (the second twice as clicky), 30 hours of stats and an equal-mode experiment. */
  async function seed(clock: 'wall' | 'external'): Promise<{ tenant: Tenant; experimentId: string; creativeIds: string[] }> {
    const tenant = await createTenant(api, { clock });
    const planId = (await createPlan(api, tenant)).id;
    const unitId = (await createUnit(api, tenant, planId)).id;
    const [keywordId] = await createKeywords(api, tenant, unitId, 1);
    const creativeIds = [(await createCreative(api, tenant, unitId)).id, (await createCreative(api, tenant, unitId)).id];
    const rows = [];
    for (let h = 0; h < 30; h++) {
      for (const [i, creativeId] of creativeIds.entries()) {
        const clicks = i === 0 ? 20 : 40;
        rows.push({ keywordId, creativeId, hour: new Date(START + h * HOUR_MS).toISOString(), impressions: 1000, clicks, cost: clicks * 0.8, orders: 1, gmv: 199 });
      }
    }
    await sendStats(api, tenant, rows);
    const e = await api.http.post(`/v1/units/${unitId}/experiments`).set(tenant.auth).send({ creativeIds, mode: 'equal', pauseLosers: true, startAt: new Date(START).toISOString() });
    if (e.status !== 201) throw new Error(`experiment: ${e.status} ${JSON.stringify(e.body)}`);
    return { tenant, experimentId: e.body.id, creativeIds };
  }

  it('registers the schedule on boot; a fan-out fired twice rotates each wall-clock experiment once for the hour, and decides', async () => {
    const wall = await seed('wall');
    const external = await seed('external');
    const worker = startWorker(prefix, { SCHEDULER_ENABLED: 'true' });
    try {
      const scheduler = await until(async () => (await queue.getJobScheduler(ROTATE_SCHEDULER_ID)) ?? undefined, 'rotation scheduler registered');
      expect(scheduler).toMatchObject({ pattern: '0 0 1 1 *', tz: 'Asia/Shanghai' });
      const only = { asOf: new Date(ASOF).toISOString(), advertiserIds: [wall.tenant.id, external.tenant.id] };
      await queue.add(JOBS.rotateFanout, only);
      await queue.add(JOBS.rotateFanout, only);
      const rotations = async (experimentId: string) => (await api.db.query(`SELECT hour, status, trigger FROM experiment_rotations WHERE experiment_id = $1`, [experimentId])) as { hour: Date; status: string; trigger: string }[];
      await until(async () => (await rotations(wall.experimentId)).length > 0 || undefined, 'the wall-clock experiment rotated');
      await until(async () => (await queue.getJobCounts('waiting', 'active')).waiting + (await queue.getJobCounts('active')).active === 0 || undefined, 'queue drained');
      const got = await rotations(wall.experimentId);
      expect(got.map((r) => [new Date(r.hour).getTime(), r.status, r.trigger])).toEqual([[ASOF, 'decided', 'schedule']]);
      expect(await rotations(external.experimentId)).toEqual([]);
      expect(await queue.getJob(rotateJobId(wall.experimentId, new Date(ASOF)))).toBeTruthy();
      const e = await api.http.get(`/v1/experiments/${wall.experimentId}`).set(wall.tenant.auth);
      expect(e.body).toMatchObject({ status: 'decided', winnerId: wall.creativeIds[1], servingWeights: { [wall.creativeIds[1]]: 1, [wall.creativeIds[0]]: 0 } });
      // The advertiser is on the sandbox (the default platform): the hour's weights were pushed to it.
      const pushed = await api.db.query(`SELECT weights, as_of FROM sandbox_serving_weights WHERE advertiser_id = $1`, [wall.tenant.id]);
      expect(pushed.map((p: { weights: unknown; as_of: Date }) => [p.weights, new Date(p.as_of).getTime()])).toEqual([[e.body.servingWeights, ASOF]]);
      const [loser] = await api.db.query(`SELECT status FROM creatives WHERE id = $1`, [wall.creativeIds[0]]);
      expect(loser.status).toBe('paused');
      const events = await api.db.query(`SELECT type FROM domain_events WHERE advertiser_id = $1`, [wall.tenant.id]);
      expect(events.map((x: { type: string }) => x.type)).toEqual(['experiment.decided']);
    } finally {
      await worker.stop();
      await queue.removeJobScheduler(ROTATE_SCHEDULER_ID);
    }
  });
});
