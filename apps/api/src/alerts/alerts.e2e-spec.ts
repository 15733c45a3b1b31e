import { DEFAULT_TRAFFIC_CURVE } from '@kuaiche/bidding';
import { AdvertisersRepository, AlertsRepository, AlertsService, Db, newId, PlansRepository } from '@kuaiche/domain';
import { createKeywords, createPlan, createTenant, createUnit, startApi, type Tenant, type TestApi } from '../../../../test/factories';
import { HOUR_MS, sendStats } from '../../../../test/optimization-kit';

/** Local midnight of the simulated budget day (Asia/Shanghai). */
const DAY = Date.parse('2026-06-10T00:00:00+08:00');

describe('alerts', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  async function account(budget = 240): Promise<{ tenant: Tenant; planId: string; keywordId: string }> {
    const tenant = await createTenant(api, { timezone: 'Asia/Shanghai', clock: 'external' });
    const plan = await createPlan(api, tenant, { dailyBudget: budget, targetRoi: 3 });
    const unit = await createUnit(api, tenant, plan.id);
    const [keywordId] = await createKeywords(api, tenant, unit.id, 1);
    return { tenant, planId: plan.id, keywordId };
  }

  const evaluate = (t: Tenant, planId: string, asOfMs: number) =>
    api.http.post(`/v1/plans/${planId}/evaluate-alerts`).set(t.auth).send({ asOf: new Date(asOfMs).toISOString() });

  /**
   * A simulated day whose spend follows the traffic curve at 1.5 times the budget (so it runs out
   * in the evening's first hours), hour by hour: stats of hour h, then the rules at h + 1, twice.
   */
  async function simulateDay(acc: { tenant: Tenant; planId: string; keywordId: string }, budgetFen: number) {
    const raised: { asOfHour: number; alert: any }[] = [];
    let spent = 0;
    for (let h = 0; h < 24; h++) {
      const costFen = Math.min(Math.round(1.5 * budgetFen * DEFAULT_TRAFFIC_CURVE[h]), budgetFen - spent);
      spent += costFen;
      const clicks = Math.round(costFen / 100);
      await sendStats(api, acc.tenant, [{ keywordId: acc.keywordId, hour: new Date(DAY + h * HOUR_MS).toISOString(), impressions: clicks * 20, clicks, cost: costFen / 100, orders: 0, gmv: 0 }]);
      const res = await evaluate(acc.tenant, acc.planId, DAY + (h + 1) * HOUR_MS);
      expect(res.status).toBe(200);
      for (const alert of res.body.raised) raised.push({ asOfHour: h + 1, alert });
      // The same hour again raises nothing.
      const again = await evaluate(acc.tenant, acc.planId, DAY + (h + 1) * HOUR_MS);
      expect(again.body.raised).toEqual([]);
    }
    return raised;
  }

  it('a simulated day: budget.depleting fires at least 2 hours before exhaustion, once per severity; escalation and exhaustion fire once each; each with its webhook delivery in the same commit', async () => {
    const acc = await account(240);
    const endpoint = await api.http.post('/v1/webhook-endpoints').set(acc.tenant.auth).send({ url: 'http://127.0.0.1:9/hooks', eventTypes: ['budget.depleting', 'budget.exhausted'] });
    expect(endpoint.status).toBe(201);
    const raised = await simulateDay(acc, 24_000);
    const seq = raised.map((r) => [r.asOfHour, r.alert.type, r.alert.severity]);
    const warn = raised.find((r) => r.alert.type === 'budget.depleting' && r.alert.severity === 'warning')!;
    const crit = raised.find((r) => r.alert.type === 'budget.depleting' && r.alert.severity === 'critical')!;
    const out = raised.find((r) => r.alert.type === 'budget.exhausted')!;
    expect(seq).toEqual([
      [warn.asOfHour, 'budget.depleting', 'warning'],
      [crit.asOfHour, 'budget.depleting', 'critical'],
      [out.asOfHour, 'budget.exhausted', 'critical'],
    ]);
    expect(out.asOfHour - warn.asOfHour).toBeGreaterThanOrEqual(2);
    expect(warn.alert.data).toMatchObject({ kind: 'projection', budget: 240, budgetDay: '2026-06-10' });
    expect(warn.alert.data.hoursLeft).toBeGreaterThanOrEqual(2);
    expect(warn.alert.data.runOutHour).toBeLessThan(22);
    // Projected run-out against the real one: within an hour.
    expect(Math.abs(warn.alert.data.runOutHour - (out.asOfHour - 0.5))).toBeLessThan(1);
    expect(warn.alert.hour).toBe(`2026-06-10T${String(warn.asOfHour).padStart(2, '0')}:00:00+08:00`);
    expect(out.alert.message).toMatch(/stops serving/);

    const listed = await api.http.get(`/v1/alerts?planId=${acc.planId}`).set(acc.tenant.auth);
    expect(listed.body.items.map((a: any) => a.id)).toEqual([out.alert.id, crit.alert.id, warn.alert.id]);
    const deliveries = await api.db.query(`SELECT alert_id, status, event_id FROM webhook_deliveries WHERE advertiser_id = $1 ORDER BY id`, [acc.tenant.id]);
    expect(deliveries.map((d: any) => d.alert_id)).toEqual([warn.alert.id, crit.alert.id, out.alert.id]);
    expect(deliveries.every((d: any) => d.event_id === d.alert_id)).toBe(true);

    // The next budget day is a new episode.
    const next = DAY + 24 * HOUR_MS;
    const rows = Array.from({ length: 10 }, (_, h) => ({ keywordId: acc.keywordId, hour: new Date(next + h * HOUR_MS).toISOString(), impressions: 400, clicks: 10, cost: 10, orders: 0, gmv: 0 }));
    await sendStats(api, acc.tenant, rows);
    const nextDay = await evaluate(acc.tenant, acc.planId, next + 10 * HOUR_MS);
    const again = nextDay.body.raised.find((a: any) => a.type === 'budget.depleting');
    expect(again.data.budgetDay).toBe('2026-06-11');
    // 340 clicks without an order over the last 3 days: ROI 0 against 3.
    expect(nextDay.body.raised.find((a: any) => a.type === 'roi.below_target')).toMatchObject({ severity: 'critical', data: { roi: 0, targetRoi: 3 } });
  });

  it("an optimization run raises the hour's alerts in its own transaction: a dry run raises none, a run raises what the rules find, once", async () => {
    const acc = await account(240);
    // Hours 0-15 at 1.5 times the budget's pace: by 16:00 most of the day's 240 CNY is spent.
    let spent = 0;
    const rows = [];
    for (let h = 0; h < 16; h++) {
      const costFen = Math.min(Math.round(1.5 * 24_000 * DEFAULT_TRAFFIC_CURVE[h]), 24_000 - spent);
      spent += costFen;
      const clicks = Math.max(1, Math.round(costFen / 100));
      rows.push({ keywordId: acc.keywordId, hour: new Date(DAY + h * HOUR_MS).toISOString(), impressions: clicks * 20, clicks, cost: costFen / 100, orders: 0, gmv: 0 });
    }
    await sendStats(api, acc.tenant, rows);
    const asOf = new Date(DAY + 16 * HOUR_MS).toISOString();
    // What the rules find at 16:00, without raising it.
    const advertiser = (await api.app.get(AdvertisersRepository).findById(acc.tenant.id))!;
    const plan = (await api.app.get(PlansRepository).findById(acc.tenant.id, acc.planId))!;
    const found = await api.app.get(AlertsService).findings(advertiser, plan, new Date(asOf));
    expect(found.findings.length).toBeGreaterThan(0);
    const alerts = async () => (await api.http.get(`/v1/alerts?planId=${acc.planId}`).set(acc.tenant.auth)).body.items;

    const dry = await api.http.post(`/v1/plans/${acc.planId}/optimize`).set(acc.tenant.auth).send({ asOf, dryRun: true });
    expect(dry.status).toBe(200);
    expect(await alerts()).toEqual([]);

    const run = await api.http.post(`/v1/plans/${acc.planId}/optimize?wait=true`).set(acc.tenant.auth).send({ asOf });
    expect(run.body.run.status).toBe('succeeded');
    const raised = await alerts();
    expect(raised.map((a: any) => [a.type, a.severity]).sort()).toEqual(found.findings.map((f) => [f.type, f.severity]).sort());
    for (const a of raised) expect(a.hour).toBe('2026-06-10T16:00:00+08:00');
    // Committed with the run: the run's row and the alerts have the same transaction id.
    const [tx] = await api.db.query(
      `SELECT (SELECT xmin::text FROM optimization_runs WHERE id = $1) AS run, array_agg(DISTINCT xmin::text) AS alerts FROM alerts WHERE plan_id = $2`,
      [run.body.run.id, acc.planId],
    );
    expect(tx.alerts).toEqual([tx.run]);
    // Neither the rules for the same hour nor the same run again raise anything more.
    expect((await evaluate(acc.tenant, acc.planId, DAY + 16 * HOUR_MS)).body.raised).toEqual([]);
    const again = await api.http.post(`/v1/plans/${acc.planId}/optimize?wait=true`).set(acc.tenant.auth).send({ asOf });
    expect(again.body.run.id).toBe(run.body.run.id);
    expect((await alerts()).map((a: any) => a.id)).toEqual(raised.map((a: any) => a.id));
  });

  it('filters by plan, type, severity and hour, pages, and refuses bad filters naming each field', async () => {
    const acc = await account(240);
    const raised = await simulateDay(acc, 24_000);
    expect(raised).toHaveLength(3);
    const get = (q: string) => api.http.get(`/v1/alerts?${q}`).set(acc.tenant.auth);
    expect((await get('type=budget.depleting')).body.items.map((a: any) => a.severity)).toEqual(['critical', 'warning']);
    expect((await get('severity=critical')).body.items.map((a: any) => a.type)).toEqual(['budget.exhausted', 'budget.depleting']);
    const exhaustedAt = raised[2].alert.hour;
    expect((await get(`from=${encodeURIComponent(exhaustedAt)}`)).body.items.map((a: any) => a.type)).toEqual(['budget.exhausted']);
    expect((await get(`to=${encodeURIComponent(exhaustedAt)}`)).body.items).toHaveLength(2);
    const p1 = await get('limit=2');
    expect(p1.body.items).toHaveLength(2);
    const p2 = await get(`limit=2&cursor=${p1.body.nextCursor}`);
    expect(p2.body.items).toHaveLength(1);
    expect(p2.body.nextCursor).toBeNull();
    expect((await api.http.get(`/v1/alerts/${raised[0].alert.id}`).set(acc.tenant.auth)).body).toEqual(raised[0].alert);

    const bad = await get('severity=urgent&from=yesterday&type=budget.gone&planId=42');
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.body.errors.map((e: any) => e.path).sort()).toEqual(['from', 'planId', 'severity', 'type']);
    const badEval = await api.http.post(`/v1/plans/${acc.planId}/evaluate-alerts`).set(acc.tenant.auth).send({ asOf: '2026-06-10T10:30:00+08:00', now: true });
    expect(badEval.status).toBe(400);
    expect(badEval.body.errors.map((e: any) => e.path).sort()).toEqual(['asOf', 'now']);
  });

  it("answers 404 for another advertiser's alerts and plans, and lists none of them", async () => {
    const acc = await account(240);
    const raised = await simulateDay(acc, 24_000);
    const other = await createTenant(api);
    expect((await api.http.get(`/v1/alerts/${raised[0].alert.id}`).set(other.auth)).status).toBe(404);
    expect((await api.http.get(`/v1/alerts?planId=${acc.planId}`).set(other.auth)).body.items).toEqual([]);
    expect((await api.http.get(`/v1/alerts`).set(other.auth)).body.items).toEqual([]);
    expect((await evaluate(other, acc.planId, DAY + 12 * HOUR_MS)).status).toBe(404);
    expect((await api.http.get(`/v1/alerts/not-a-uuid`).set(acc.tenant.auth)).status).toBe(404);
  });

  it('writes an alert and its deliveries in the caller’s transaction: a rollback leaves neither', async () => {
    const acc = await account(240);
    await api.http.post('/v1/webhook-endpoints').set(acc.tenant.auth).send({ url: 'http://127.0.0.1:9/hooks', eventTypes: ['*'] });
    const db = api.app.get(Db);
    const repo = api.app.get(AlertsRepository);
    const alert = { planId: acc.planId, type: 'roi.below_target', severity: 'warning' as const, hour: new Date(DAY), episode: '2026-06-10', message: 'm', data: {} };
    await expect(
      db.tx(async (tx) => {
        const r = await repo.raise(acc.tenant.id, alert, tx);
        expect(r!.deliveryIds).toHaveLength(1);
        throw new Error('crash before commit');
      }),
    ).rejects.toThrow('crash before commit');
    const count = async (table: string) => (await api.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE advertiser_id = $1`, [acc.tenant.id]))[0].n;
    expect([await count('alerts'), await count('webhook_deliveries'), await count('alert_episodes')]).toEqual([0, 0, 0]);
    // Committed: both, once; the same again is deduplicated; a higher severity escalates.
    expect(await db.tx((tx) => repo.raise(acc.tenant.id, alert, tx))).not.toBeNull();
    expect(await db.tx((tx) => repo.raise(acc.tenant.id, alert, tx))).toBeNull();
    expect(await db.tx((tx) => repo.raise(acc.tenant.id, { ...alert, severity: 'info' }, tx))).toBeNull();
    expect(await db.tx((tx) => repo.raise(acc.tenant.id, { ...alert, severity: 'critical' }, tx))).not.toBeNull();
    expect([await count('alerts'), await count('webhook_deliveries')]).toEqual([2, 2]);
  });

  it("turns the other features' domain events into alerts exactly once; plan.optimized only for endpoints that opt in", async () => {
    const acc = await account(240);
    const decided = newId();
    const optimized = newId();
    await api.db.query(`INSERT INTO domain_events (id, advertiser_id, type, plan_id, payload) VALUES ($1, $2, 'experiment.decided', $3, $4), ($5, $2, 'plan.optimized', $3, $6)`, [
      decided, acc.tenant.id, acc.planId, JSON.stringify({ experimentId: 'e1', winnerId: 'c2', hour: '2026-06-10T12:00:00+08:00' }), optimized, JSON.stringify({ keywordsChanged: 3 }),
    ]);
    const service = api.app.get(AlertsService);
    await service.consumeDomainEvents();
    await service.consumeDomainEvents();
    const alerts = (await api.http.get(`/v1/alerts`).set(acc.tenant.auth)).body.items;
    expect(alerts.map((a: any) => [a.type, a.severity, a.hour, a.data.winnerId])).toEqual([['experiment.decided', 'info', '2026-06-10T12:00:00+08:00', 'c2']]);
  });
});
