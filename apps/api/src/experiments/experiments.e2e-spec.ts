import fc from 'fast-check';
import { createCreative, createKeywords, createPlan, createTenant, createUnit, startApi, type Tenant, tenantSnapshot, type TestApi } from '../../../../test/factories';
import { HOUR_MS, sendStats } from '../../../../test/optimization-kit';

const START = Date.parse('2026-11-02T00:00:00+08:00');
const iso = (ms: number) => new Date(ms).toISOString();

interface Arm {
  ctr: number;
  /** Orders per click. */
  cvr?: number;
}

/** Deterministic hourly rows: each keyword shows each creative `imps` times an hour at its CTR and CVR. */
function creativeRows(keywordIds: string[], creativeIds: string[], arms: Arm[], fromMs: number, hours: number, imps = 500): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (let h = 0; h < hours; h++) {
    for (const keywordId of keywordIds) {
      creativeIds.forEach((creativeId, i) => {
        const clicks = Math.round(imps * arms[i].ctr);
        const orders = Math.round(clicks * (arms[i].cvr ?? 0.05));
        rows.push({ keywordId, creativeId, hour: iso(fromMs + h * HOUR_MS), impressions: imps, clicks, cost: clicks * 0.8, orders, gmv: orders * 199 });
      });
    }
  }
  return rows;
}

interface Setup {
  tenant: Tenant;
  planId: string;
  unitId: string;
  keywordIds: string[];
  creativeIds: string[];
}

async function setup(api: TestApi, creatives = 3, clock: 'wall' | 'external' = 'external'): Promise<Setup> {
  const tenant = await createTenant(api, { clock });
  const planId = (await createPlan(api, tenant)).id;
  const unitId = (await createUnit(api, tenant, planId)).id;
  const keywordIds = await createKeywords(api, tenant, unitId, 2);
  const creativeIds: string[] = [];
  for (let i = 0; i < creatives; i++) creativeIds.push((await createCreative(api, tenant, unitId, { title: `创意 ${i}` })).id);
  return { tenant, planId, unitId, keywordIds, creativeIds };
}

/** Everything an experiment touches, for "nothing changed" assertions. */
async function experimentState(api: TestApi, advertiserId: string): Promise<unknown> {
  const [e] = await api.db.query(`SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t.id)), '') AS d FROM experiments t WHERE advertiser_id = $1`, [advertiserId]);
  const [r] = await api.db.query(`SELECT count(*)::int AS n, coalesce(md5(string_agg(t::text, '|' ORDER BY t.experiment_id, t.hour)), '') AS d FROM experiment_rotations t WHERE advertiser_id = $1`, [advertiserId]);
  const [v] = await api.db.query(`SELECT count(*)::int AS n FROM domain_events WHERE advertiser_id = $1`, [advertiserId]);
  return { experiments: e.d, rotations: r, events: v.n, tenant: await tenantSnapshot(api, advertiserId) };
}

describe('creative A/B experiments', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  const start = (s: Setup, body: Record<string, unknown>) => api.http.post(`/v1/units/${s.unitId}/experiments`).set(s.tenant.auth).send({ startAt: iso(START), ...body });
  const rotate = (t: Tenant, id: string, asOfMs: number) => api.http.post(`/v1/experiments/${id}/rotate`).set(t.auth).send({ asOf: iso(asOfMs) });

  it('starts an experiment with even weights and the prior; a second running one on the unit is a 409', async () => {
    const s = await setup(api);
    const res = await start(s, { creativeIds: s.creativeIds, mode: 'bandit', metric: 'ctr' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ unitId: s.unitId, planId: s.planId, creativeIds: s.creativeIds, mode: 'bandit', metric: 'ctr', status: 'running', winnerId: null, floor: 0.05, pauseLosers: false, asOf: null });
    expect(res.body.startAt).toBe('2026-11-02T00:00:00+08:00');
    for (const id of s.creativeIds) expect(res.body.servingWeights[id]).toBeCloseTo(1 / 3, 12);
    expect(res.body.results[0]).toMatchObject({ impressions: 0, clicks: 0, ctr: null, ctrInterval: [0.025, 0.975], probBest: 0.3333 });
    const again = await start(s, { creativeIds: s.creativeIds.slice(0, 2) });
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((await api.http.get(`/v1/experiments/${res.body.id}`).set(s.tenant.auth)).body).toEqual(res.body);
    const list = await api.http.get(`/v1/units/${s.unitId}/experiments`).set(s.tenant.auth);
    expect(list.body.items.map((e: { id: string }) => e.id)).toEqual([res.body.id]);
  });

  it('a rotation retried for the same hour changes nothing; an earlier hour is refused', async () => {
    const s = await setup(api);
    await sendStats(api, s.tenant, creativeRows(s.keywordIds, s.creativeIds, [{ ctr: 0.03 }, { ctr: 0.032 }, { ctr: 0.028 }], START, 6, 100));
    const e = (await start(s, { creativeIds: s.creativeIds })).body;
    const first = await rotate(s.tenant, e.id, START + 6 * HOUR_MS);
    expect(first.status).toBe(200);
    expect(first.body.rotated).toBe(true);
    const x = first.body.experiment;
    expect(x).toMatchObject({ status: 'running', asOf: '2026-11-02T06:00:00+08:00' });
    expect(Object.values(x.servingWeights as Record<string, number>).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (const w of Object.values(x.servingWeights as Record<string, number>)) expect(w).toBeGreaterThanOrEqual(0.05 - 1e-12);
    const r0 = x.results.find((r: { creativeId: string }) => r.creativeId === s.creativeIds[0]);
    expect(r0).toMatchObject({ impressions: 1200, clicks: 36, ctr: 0.03 });
    expect(r0.ctrInterval[0]).toBeLessThan(0.03);
    expect(r0.ctrInterval[1]).toBeGreaterThan(0.03);
    expect(x.decision).toMatchObject({ decided: false });
    expect(x.decision.pending.join(' ')).toContain('hours needed');

    const before = await experimentState(api, s.tenant.id);
    // The same hour again, sequentially and twice at once: the stored answer, nothing written.
    const again = await rotate(s.tenant, e.id, START + 6 * HOUR_MS);
    const both = await Promise.all([rotate(s.tenant, e.id, START + 6 * HOUR_MS), rotate(s.tenant, e.id, START + 6 * HOUR_MS)]);
    for (const r of [again, ...both]) {
      expect(r.status).toBe(200);
      expect(r.body.rotated).toBe(false);
      expect(r.body.experiment).toEqual(x);
    }
    expect(await experimentState(api, s.tenant.id)).toEqual(before);

    // A new hour twice at once: one rotation.
    const next = await Promise.all([rotate(s.tenant, e.id, START + 7 * HOUR_MS), rotate(s.tenant, e.id, START + 7 * HOUR_MS)]);
    expect(next.map((r) => r.body.rotated).sort()).toEqual([false, true]);
    const [{ n }] = await api.db.query(`SELECT count(*)::int AS n FROM experiment_rotations WHERE experiment_id = $1`, [e.id]);
    expect(n).toBe(2);
    const older = await rotate(s.tenant, e.id, START + 5 * HOUR_MS);
    expect(older.status).toBe(409);
  });

  it('equal mode: a clearly better creative wins, takes all the traffic, the losers are paused and experiment.decided is recorded', async () => {
    const s = await setup(api);
    const e = (await start(s, { creativeIds: s.creativeIds, mode: 'equal', pauseLosers: true })).body;
    await sendStats(api, s.tenant, creativeRows(s.keywordIds, s.creativeIds, [{ ctr: 0.02 }, { ctr: 0.04 }, { ctr: 0.021 }], START, 30));
    // Before a full day: no decision, even split.
    const early = await rotate(s.tenant, e.id, START + 12 * HOUR_MS);
    expect(early.body.experiment.status).toBe('running');
    for (const id of s.creativeIds) expect(early.body.experiment.servingWeights[id]).toBeCloseTo(1 / 3, 12);
    const res = await rotate(s.tenant, e.id, START + 24 * HOUR_MS);
    const x = res.body.experiment;
    const [loserA, winner, loserB] = s.creativeIds;
    expect(x).toMatchObject({ status: 'decided', winnerId: winner, servingWeights: { [winner]: 1, [loserA]: 0, [loserB]: 0 } });
    expect(x.decidedAt).not.toBeNull();
    expect(x.decision).toMatchObject({ decided: true, winnerId: winner, rule: 'sequential', pausedCreativeIds: expect.arrayContaining([loserA, loserB]) });
    expect(x.decision.summary).toContain(winner);
    for (const p of Object.values(x.decision.pValues as Record<string, number>)) expect(p).toBeLessThanOrEqual(0.025);
    const statuses = await api.db.query(`SELECT id, status FROM creatives WHERE unit_id = $1`, [s.unitId]);
    expect(Object.fromEntries(statuses.map((c: { id: string; status: string }) => [c.id, c.status]))).toEqual({ [winner]: 'active', [loserA]: 'paused', [loserB]: 'paused' });
    const events = await api.db.query(`SELECT type, plan_id, payload FROM domain_events WHERE advertiser_id = $1`, [s.tenant.id]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'experiment.decided', plan_id: s.planId, payload: { experimentId: e.id, winnerId: winner, unitId: s.unitId, hour: iso(START + 24 * HOUR_MS) } });
    // Later hours keep the winner; no second event; a new experiment on the unit may start.
    const later = await rotate(s.tenant, e.id, START + 25 * HOUR_MS);
    expect(later.body.experiment).toMatchObject({ status: 'decided', winnerId: winner, servingWeights: { [winner]: 1 } });
    expect((await api.db.query(`SELECT count(*)::int AS n FROM domain_events WHERE advertiser_id = $1`, [s.tenant.id]))[0].n).toBe(1);
    expect((await api.http.get(`/v1/experiments/${e.id}`).set(s.tenant.auth)).body.status).toBe('decided');
  });

  it('bandit mode on value: the creative that sells wins over the one that only gets clicks', async () => {
    const s = await setup(api, 2);
    const e = (await start(s, { creativeIds: s.creativeIds, mode: 'bandit', metric: 'value' })).body;
    // Creative 0: 5% CTR, 1% of clicks order; creative 1: 3.5% CTR, 6% order.
    await sendStats(api, s.tenant, creativeRows(s.keywordIds, s.creativeIds, [{ ctr: 0.05, cvr: 0.01 }, { ctr: 0.035, cvr: 0.06 }], START, 72, 1000));
    const mid = await rotate(s.tenant, e.id, START + 12 * HOUR_MS);
    const w = mid.body.experiment.servingWeights;
    expect(w[s.creativeIds[1]]).toBeGreaterThan(w[s.creativeIds[0]]);
    expect(w[s.creativeIds[0]]).toBeGreaterThanOrEqual(0.05 - 1e-12);
    const res = await rotate(s.tenant, e.id, START + 72 * HOUR_MS);
    const x = res.body.experiment;
    expect(x).toMatchObject({ status: 'decided', winnerId: s.creativeIds[1] });
    expect(x.decision).toMatchObject({ rule: 'bayes+sequential', metric: 'value' });
    const [clicky, seller] = s.creativeIds.map((id) => x.results.find((r: { creativeId: string }) => r.creativeId === id));
    expect(clicky.ctr).toBeGreaterThan(seller.ctr);
    expect(seller.valuePerImpression).toBeGreaterThan(clicky.valuePerImpression);
    expect(seller.valueInterval[0]).toBeGreaterThan(clicky.valueInterval[1]);
    expect(seller.probBest).toBeGreaterThanOrEqual(0.95);
  });

  it('a decided winner whose CTR falls raises creative.fatigued once; with reopenOnFatigue the test restarts and paused losers come back', async () => {
    for (const reopen of [false, true]) {
      const s = await setup(api, 2);
      const e = (await start(s, { creativeIds: s.creativeIds, mode: 'equal', pauseLosers: true, reopenOnFatigue: reopen })).body;
      await sendStats(api, s.tenant, creativeRows(s.keywordIds, s.creativeIds, [{ ctr: 0.02 }, { ctr: 0.04 }], START, 24));
      expect((await rotate(s.tenant, e.id, START + 24 * HOUR_MS)).body.experiment.winnerId).toBe(s.creativeIds[1]);
      // After the decision the winner alone is served, and its CTR halves.
      await sendStats(api, s.tenant, creativeRows(s.keywordIds, [s.creativeIds[1]], [{ ctr: 0.02 }], START + 24 * HOUR_MS, 24));
      const res = await rotate(s.tenant, e.id, START + 48 * HOUR_MS);
      const x = res.body.experiment;
      const events = await api.db.query(`SELECT type, payload FROM domain_events WHERE advertiser_id = $1 ORDER BY id`, [s.tenant.id]);
      expect(events.map((v: { type: string }) => v.type)).toEqual(['experiment.decided', 'creative.fatigued']);
      expect(events[1].payload).toMatchObject({ experimentId: e.id, creativeId: s.creativeIds[1], reopened: reopen, baselineCtr: expect.any(Number) });
      expect(x.fatiguedAt).not.toBeNull();
      const loserStatus = (await api.db.query(`SELECT status FROM creatives WHERE id = $1`, [s.creativeIds[0]]))[0].status;
      if (reopen) {
        expect(x).toMatchObject({ status: 'running', winnerId: null, startAt: '2026-11-04T00:00:00+08:00', decidedAt: null });
        expect(x.servingWeights).toEqual({ [s.creativeIds[0]]: 0.5, [s.creativeIds[1]]: 0.5 });
        expect(x.decision).toMatchObject({ decided: false, resumedCreativeIds: [s.creativeIds[0]], fatigue: { creativeId: s.creativeIds[1] } });
        expect(loserStatus).toBe('active');
      } else {
        expect(x).toMatchObject({ status: 'decided', winnerId: s.creativeIds[1] });
        expect(x.decision.fatigue).toMatchObject({ creativeId: s.creativeIds[1], reopened: false });
        expect(loserStatus).toBe('paused');
        // Still decided and still tired an hour later: no second alarm.
        await rotate(s.tenant, e.id, START + 49 * HOUR_MS);
        expect((await api.db.query(`SELECT count(*)::int AS n FROM domain_events WHERE advertiser_id = $1`, [s.tenant.id]))[0].n).toBe(2);
      }
    }
  });

  it('stops a running experiment (409 once it is not running), and a stopped one is not rotated', async () => {
    const s = await setup(api, 2);
    const e = (await start(s, { creativeIds: s.creativeIds })).body;
    const stopped = await api.http.post(`/v1/experiments/${e.id}/stop`).set(s.tenant.auth).send({});
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ status: 'stopped', winnerId: null, decision: { stopped: true } });
    expect((await api.http.post(`/v1/experiments/${e.id}/stop`).set(s.tenant.auth).send({})).status).toBe(409);
    expect((await rotate(s.tenant, e.id, START + 5 * HOUR_MS)).status).toBe(409);
    expect((await start(s, { creativeIds: s.creativeIds })).status).toBe(201);
  });

  it("answers 404 for another advertiser's unit and experiment on every endpoint, and changes nothing", async () => {
    const mine = await setup(api);
    const theirs = await setup(api);
    await sendStats(api, mine.tenant, creativeRows(mine.keywordIds, mine.creativeIds, [{ ctr: 0.02 }, { ctr: 0.04 }, { ctr: 0.02 }], START, 30));
    const e = (await start(mine, { creativeIds: mine.creativeIds, mode: 'equal', pauseLosers: true })).body;
    await rotate(mine.tenant, e.id, START + 3 * HOUR_MS);
    const before = await experimentState(api, mine.tenant.id);
    const other = theirs.tenant;
    expect((await api.http.post(`/v1/units/${mine.unitId}/experiments`).set(other.auth).send({ creativeIds: mine.creativeIds, startAt: iso(START) })).status).toBe(404);
    expect((await api.http.get(`/v1/units/${mine.unitId}/experiments`).set(other.auth)).status).toBe(404);
    expect((await api.http.get(`/v1/experiments/${e.id}`).set(other.auth)).status).toBe(404);
    expect((await api.http.post(`/v1/experiments/${e.id}/rotate`).set(other.auth).send({ asOf: iso(START + 24 * HOUR_MS) })).status).toBe(404);
    expect((await api.http.post(`/v1/experiments/${e.id}/stop`).set(other.auth).send({})).status).toBe(404);
    // Their own unit with my creatives: refused naming the entries, like unknown ids.
    const mixed = await api.http.post(`/v1/units/${theirs.unitId}/experiments`).set(other.auth).send({ creativeIds: [theirs.creativeIds[0], mine.creativeIds[0]], startAt: iso(START) });
    expect(mixed.status).toBe(400);
    expect(mixed.body.errors).toEqual([{ path: 'creativeIds[1]', message: 'no creative of this unit has this id' }]);
    expect(await experimentState(api, mine.tenant.id)).toEqual(before);
    expect((await api.db.query(`SELECT count(*)::int AS n FROM experiments WHERE advertiser_id = $1`, [other.id]))[0].n).toBe(0);
  });

  it('never answers 500 to arbitrary bodies on create and rotate (fast-check), and a 4xx writes nothing', async () => {
    const s = await setup(api);
    const e = (await start(s, { creativeIds: s.creativeIds.slice(0, 2) })).body;
    await api.http.post(`/v1/experiments/${e.id}/stop`).set(s.tenant.auth).send({});
    const valid = { creativeIds: s.creativeIds, mode: 'bandit', metric: 'value', pauseLosers: true, reopenOnFatigue: false, floor: 0.05, maxDays: 14, startAt: iso(START) };
    const body = fc.oneof(
      fc.anything(),
      fc.record({ key: fc.constantFrom(...Object.keys(valid)), value: fc.anything() }).map(({ key, value }) => ({ ...valid, [key]: value })),
      fc.constantFrom(...Object.keys(valid)).map((key) => Object.fromEntries(Object.entries(valid).filter(([k]) => k !== key))),
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const before = await experimentState(api, s.tenant.id);
        const res = await api.http.post(`/v1/units/${s.unitId}/experiments`).set(s.tenant.auth).set('Content-Type', 'application/json').send(JSON.stringify(b) ?? 'null');
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
          expect(await experimentState(api, s.tenant.id)).toEqual(before);
        } else {
          // Created: stop it so the next run may start one again.
          await api.http.post(`/v1/experiments/${res.body.id}/stop`).set(s.tenant.auth).send({});
        }
        const r = await api.http.post(`/v1/experiments/${e.id}/rotate`).set(s.tenant.auth).set('Content-Type', 'application/json').send(JSON.stringify(b) ?? 'null');
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(r.status).toBeLessThan(500);
      }),
      { numRuns: 40 },
    );
  });

  it('refuses bad input with 4xx naming every field, and changes nothing', async () => {
    const s = await setup(api);
    const before = await experimentState(api, s.tenant.id);
    const paths = async (body: Record<string, unknown>) => {
      const res = await api.http.post(`/v1/units/${s.unitId}/experiments`).set(s.tenant.auth).send(body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      return res.body.errors.map((x: { path: string }) => x.path).sort();
    };
    expect(await paths({ creativeIds: [s.creativeIds[0]], mode: 'ab', metric: 'roi', floor: 0.5, maxDays: 0, startAt: '2026-11-02T00:30:00+08:00', pauseLosers: 'yes', extra: 1 })).toEqual(
      ['creativeIds', 'extra', 'floor', 'maxDays', 'metric', 'mode', 'pauseLosers', 'startAt'],
    );
    expect(await paths({ creativeIds: ['not-a-uuid', s.creativeIds[0]] })).toEqual(['creativeIds']);
    expect(await paths({ creativeIds: [...s.creativeIds, ...s.creativeIds] })).toEqual(['creativeIds']);
    expect(await paths({ creativeIds: [s.creativeIds[0], s.creativeIds[0].toUpperCase()] })).toEqual(['creativeIds[1]']);
    expect(await paths({ creativeIds: null })).toEqual(['creativeIds']);
    await api.http.patch(`/v1/creatives/${s.creativeIds[2]}`).set(s.tenant.auth).send({ status: 'paused' });
    expect(await paths({ creativeIds: s.creativeIds })).toEqual(['creativeIds[2]']);
    const afterPause = await experimentState(api, s.tenant.id);
    expect((afterPause as { experiments: string }).experiments).toBe((before as { experiments: string }).experiments);

    const e = (await start(s, { creativeIds: s.creativeIds.slice(0, 2) })).body;
    for (const [body, field] of [
      [{ asOf: '2026-11-02T06:15:00+08:00' }, 'asOf'],
      [{}, 'asOf'],
      [{ asOf: iso(START + HOUR_MS), dryRun: true }, 'dryRun'],
    ] as const) {
      const res = await api.http.post(`/v1/experiments/${e.id}/rotate`).set(s.tenant.auth).send(body);
      expect(res.status).toBe(400);
      expect(res.body.errors.map((x: { path: string }) => x.path)).toContain(field);
    }
    const atStart = await rotate(s.tenant, e.id, START);
    expect(atStart.status).toBe(400);
    expect(atStart.body.errors[0].path).toBe('asOf');
    expect((await api.http.get(`/v1/experiments/not-a-uuid`).set(s.tenant.auth)).status).toBe(404);
    const [{ n }] = await api.db.query(`SELECT count(*)::int AS n FROM experiment_rotations WHERE experiment_id = $1`, [e.id]);
    expect(n).toBe(0);
  });
});
