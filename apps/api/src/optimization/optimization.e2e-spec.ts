import { decayedStateFromRows, type DecayedState, resolveConfig, stateAgg, type StatRow, advanceState } from '@kuaiche/bidding';
import { AdvertisersRepository, decodeState, localClock, Optimizer } from '@kuaiche/domain';
import { createCreative, createTenant, startApi, tenantSnapshot, type TestApi } from '../../../../test/factories';
import { bidsOf, HOUR_MS, seedOptimizable, sendStats, statRows } from '../../../../test/optimization-kit';

const ASOF = Date.parse('2026-06-10T12:00:00+08:00');

describe('bid optimization through the API', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  const optimize = (t: { auth: object }, planId: string, body: object, query = '') => api.http.post(`/v1/plans/${planId}/optimize${query}`).set(t.auth as Record<string, string>).send(body);

  it('a dry run writes nothing; applying afterwards makes exactly the previewed changes, once', async () => {
    const acc = await seedOptimizable(api, ASOF);
    const asOf = new Date(ASOF).toISOString();
    const before = await tenantSnapshot(api, acc.tenant.id);
    const preview = await optimize(acc.tenant, acc.planId, { asOf, dryRun: true });
    expect(preview.status).toBe(200);
    expect(preview.body.changes.length).toBeGreaterThan(0);
    expect(preview.body.summary.keywordsSeen).toBe(acc.keywordIds.length);
    for (const c of preview.body.changes) {
      expect(c.newBid).not.toBe(c.oldBid);
      expect(typeof c.reason.summary).toBe('string');
      expect(c.reason.cvr).toBeDefined();
    }
    expect(await tenantSnapshot(api, acc.tenant.id)).toEqual(before);

    const applied = await optimize(acc.tenant, acc.planId, { asOf }, '?wait=true');
    expect(applied.status).toBe(200);
    expect(applied.body.run).toMatchObject({ planId: acc.planId, status: 'succeeded', keywordsSeen: acc.keywordIds.length, keywordsChanged: preview.body.changes.length });
    const bids = await bidsOf(api, acc.planId);
    for (const c of preview.body.changes) expect(bids.get(c.keywordId)).toBe(Math.round(c.newBid * 100));
    const audit = await api.http.get(`/v1/plans/${acc.planId}/bid-changes?limit=1000`).set(acc.tenant.auth);
    expect(audit.status).toBe(200);
    const fromAudit = audit.body.items.map((i: any) => [i.keywordId, i.oldBid, i.newBid, i.source, i.runId]).sort();
    const fromPreview = preview.body.changes.map((c: any) => [c.keywordId, c.oldBid, c.newBid, 'optimizer', applied.body.run.id]).sort();
    expect(fromAudit).toEqual(fromPreview);
    expect(audit.body.items[0].reason).toEqual(preview.body.changes.find((c: any) => c.keywordId === audit.body.items[0].keywordId).reason);

    // The same plan-hour again, queued or waited for: that run, not a second one.
    const again = await optimize(acc.tenant, acc.planId, { asOf }, '?wait=true');
    const queued = await optimize(acc.tenant, acc.planId, { asOf });
    expect([again.status, queued.status]).toEqual([200, 200]);
    expect(again.body.run.id).toBe(applied.body.run.id);
    expect(queued.body.run.id).toBe(applied.body.run.id);
    const [{ n }] = await api.db.query(`SELECT count(*)::int AS n FROM bid_changes WHERE plan_id = $1`, [acc.planId]);
    expect(n).toBe(preview.body.changes.length);
    const runs = await api.http.get(`/v1/optimization-runs?planId=${acc.planId}`).set(acc.tenant.auth);
    expect(runs.body.items.map((r: any) => r.id)).toEqual([applied.body.run.id]);
  });

  it('never touches locked or paused keywords, nor those of an archived unit', async () => {
    const acc = await seedOptimizable(api, ASOF);
    const [locked, paused] = acc.keywordIds;
    expect((await api.http.patch('/v1/keywords').set(acc.tenant.auth).send({ items: [{ id: locked, locked: true }, { id: paused, status: 'paused' }] })).status).toBe(200);
    expect((await api.http.patch(`/v1/units/${acc.unitIds[1]}`).set(acc.tenant.auth).send({ status: 'archived' })).status).toBe(200);
    const before = await bidsOf(api, acc.planId);
    const res = await optimize(acc.tenant, acc.planId, { asOf: new Date(ASOF).toISOString() }, '?wait=true');
    expect(res.body.run.status).toBe('succeeded');
    const after = await bidsOf(api, acc.planId);
    const untouched = [locked, paused, ...acc.keywordIds.slice(acc.keywordIds.length / 2)];
    for (const id of untouched) expect(after.get(id)).toBe(before.get(id));
    expect(res.body.run.keywordsChanged).toBeGreaterThan(0);
    const [{ n }] = await api.db.query(`SELECT count(*)::int AS n FROM bid_changes WHERE keyword_id = ANY($1::uuid[])`, [untouched]);
    expect(n).toBe(0);
  });

  it('skips a keyword a seller edits between the read and the write, and counts it', async () => {
    const acc = await seedOptimizable(api, ASOF);
    const asOf = new Date(ASOF);
    const preview = await optimize(acc.tenant, acc.planId, { asOf: asOf.toISOString(), dryRun: true });
    const target = preview.body.changes[0].keywordId as string;
    const advertiser = (await api.app.get(AdvertisersRepository).findById(acc.tenant.id))!;
    const running = api.app.get(Optimizer).run(advertiser, acc.planId, asOf, 'api', { pauseMs: 1500 });
    await new Promise((r) => setTimeout(r, 500));
    const edit = await api.http.patch(`/v1/keywords/${target}`).set(acc.tenant.auth).send({ bid: 2.22 });
    expect(edit.status).toBe(200);
    const run = await running;
    expect(run.status).toBe('succeeded');
    expect(run.keywordsChanged).toBe(preview.body.changes.length - 1);
    expect(run.summary).toMatchObject({ editedMeanwhile: 1 });
    expect((await bidsOf(api, acc.planId)).get(target)).toBe(222);
    const audit = await api.http.get(`/v1/plans/${acc.planId}/bid-changes?keywordId=${target}`).set(acc.tenant.auth);
    expect(audit.body.items.map((i: any) => [i.source, i.newBid])).toEqual([['manual', 2.22]]);
  });

  it('records manual bid changes with source manual, and filters the trail by source and keyword', async () => {
    const acc = await seedOptimizable(api, ASOF, { perUnit: 2, hours: 2 });
    const [a, b] = acc.keywordIds;
    await api.http.patch('/v1/keywords').set(acc.tenant.auth).send({ items: [{ id: a, bid: 1.8 }, { id: b, locked: true }] });
    const res = await api.http.get(`/v1/plans/${acc.planId}/bid-changes?source=manual`).set(acc.tenant.auth);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({ keywordId: a, oldBid: 1.5, newBid: 1.8, source: 'manual', runId: null });
    expect((await api.http.get(`/v1/plans/${acc.planId}/bid-changes?source=optimizer`).set(acc.tenant.auth)).body.items).toHaveLength(0);
  });

  it("rolls keyword states forward hour by hour, and late rows and corrections of absorbed hours still reach them", async () => {
    const acc = await seedOptimizable(api, ASOF, { perUnit: 6 });
    const t0 = new Date(ASOF);
    const first = (await optimize(acc.tenant, acc.planId, { asOf: t0.toISOString() }, '?wait=true')).body.run;
    expect(first.status).toBe('succeeded');
    // The first run builds every keyword's state from its facts; the next ones roll them forward.
    expect(first.summary.statesRebuilt).toBe(acc.keywordIds.length);
    // Hour T arrives, hour T-5 is re-sent with more orders, and a row for T-3 that was missing.
    await sendStats(api, acc.tenant, statRows(acc.keywordIds, [ASOF], 7));
    const [old] = await api.db.query(`SELECT keyword_id, hour, impressions, clicks, cost_fen, orders, gmv_fen FROM keyword_stats_hourly WHERE plan_id = $1 AND hour = $2 LIMIT 1`, [acc.planId, new Date(ASOF - 5 * HOUR_MS)]);
    await sendStats(api, acc.tenant, [{ keywordId: old.keyword_id, hour: new Date(ASOF - 5 * HOUR_MS).toISOString(), impressions: Number(old.impressions), clicks: Number(old.clicks), cost: Number(old.cost_fen) / 100, orders: Number(old.orders) + 3, gmv: Number(old.gmv_fen) / 100 + 597 }]);
    const [missing] = await api.db.query(
      `SELECT k.id FROM keywords k WHERE k.plan_id = $1 AND NOT EXISTS (SELECT 1 FROM keyword_stats_hourly s WHERE s.keyword_id = k.id AND s.hour = $2) LIMIT 1`,
      [acc.planId, new Date(ASOF - 3 * HOUR_MS)],
    );
    await sendStats(api, acc.tenant, [{ keywordId: missing.id, hour: new Date(ASOF - 3 * HOUR_MS).toISOString(), impressions: 90, clicks: 6, cost: 5.4, orders: 2, gmv: 398 }]);
    const corrections = await api.db.query(`SELECT keyword_id, old_orders FROM keyword_stats_corrections WHERE plan_id = $1 ORDER BY seq`, [acc.planId]);
    expect(corrections.map((c: any) => [c.keyword_id, c.old_orders === null ? null : Number(c.old_orders)])).toEqual([[old.keyword_id, Number(old.orders)], [missing.id, null]]);

    const t1 = new Date(ASOF + HOUR_MS);
    const next = (await optimize(acc.tenant, acc.planId, { asOf: t1.toISOString() }, '?wait=true')).body.run;
    expect(next.status).toBe('succeeded');
    expect(next.summary.statesRebuilt).toBe(0);
    // Each keyword's state now equals the one built from all its rows at T+1 (in what does not
    // depend on the bid each hour was served at).
    const advertiser = (await api.app.get(AdvertisersRepository).findById(acc.tenant.id))!;
    const clock = localClock(t1, advertiser.timezone);
    const at = { asOf: t1.getTime() / HOUR_MS, hourOfDay: clock.hourOfDay, dayOfWeek: clock.dayOfWeek, plan: { type: 'core_word' as const, schedule: null } };
    const template = decayedStateFromRows([], 0, at, resolveConfig());
    const states = await api.db.query(`SELECT keyword_id, state FROM keyword_bid_state WHERE plan_id = $1`, [acc.planId]);
    expect(states).toHaveLength(acc.keywordIds.length);
    const facts = await api.db.query(`SELECT keyword_id, hour, impressions, clicks, cost_fen, orders, gmv_fen FROM keyword_stats_hourly WHERE plan_id = $1`, [acc.planId]);
    for (const s of states) {
      let kept = decodeState(s.state, template) as DecayedState;
      if (kept.asOf < at.asOf) kept = advanceState(kept, at.asOf, []);
      const rows: StatRow[] = facts
        .filter((f: any) => f.keyword_id === s.keyword_id)
        .map((f: any) => ({ hour: new Date(f.hour).getTime() / HOUR_MS, impressions: Number(f.impressions), clicks: Number(f.clicks), costFen: Number(f.cost_fen), orders: Number(f.orders), gmvFen: Number(f.gmv_fen) }));
      const fresh = stateAgg(decayedStateFromRows(rows, 150, at, resolveConfig()));
      const got = stateAgg(kept);
      for (const k of ['impressions', 'clicks', 'maturedClicks', 'orders', 'gmvFen', 'costFen', 'roiGmv', 'roiMaturedClicks', 'roiMaturedCost', 'rawClicks', 'todayCostFen'] as const) {
        expect({ keyword: s.keyword_id, field: k, value: got[k] }).toEqual({ keyword: s.keyword_id, field: k, value: expect.closeTo(fresh[k], 6) });
      }
    }
  });

  it('decides the same bids however the hours were split across creatives (the model works per keyword-hour)', async () => {
    const plain = await seedOptimizable(api, ASOF, { perUnit: 6, hours: 0 });
    const split = await seedOptimizable(api, ASOF, { perUnit: 6, hours: 0 });
    const creatives: string[][] = [];
    for (const u of split.unitIds) creatives.push([(await createCreative(api, split.tenant, u)).id, (await createCreative(api, split.tenant, u)).id]);
    const half = (n: number, cents = false) => (cents ? Math.floor((n * 100) / 3) / 100 : Math.floor(n / 3));
    const splitOf = (rows: Record<string, any>[]) =>
      rows.flatMap((r) => {
        const i = plain.keywordIds.indexOf(r.keywordId);
        const [c1, c2] = creatives[i < plain.keywordIds.length / 2 ? 0 : 1];
        const a = { impressions: half(r.impressions), clicks: Math.min(half(r.clicks), half(r.impressions)), cost: half(r.cost, true), orders: half(r.orders), gmv: half(r.gmv, true) };
        const b = { impressions: r.impressions - a.impressions, clicks: r.clicks - a.clicks, cost: Math.round((r.cost - a.cost) * 100) / 100, orders: r.orders - a.orders, gmv: Math.round((r.gmv - a.gmv) * 100) / 100 };
        return [{ ...a, keywordId: split.keywordIds[i], creativeId: c1, hour: r.hour }, { ...b, keywordId: split.keywordIds[i], creativeId: c2, hour: r.hour }];
      });
    const history = statRows(plain.keywordIds, Array.from({ length: 24 }, (_, i) => ASOF - (24 - i) * HOUR_MS), 11);
    await sendStats(api, plain.tenant, history);
    await sendStats(api, split.tenant, splitOf(history));
    // Hour after hour the bids move, so each keyword's bid landscape sees several bids.
    for (let h = 0; h < 6; h++) {
      const asOf = new Date(ASOF + h * HOUR_MS).toISOString();
      for (const acc of [plain, split]) expect((await optimize(acc.tenant, acc.planId, { asOf }, '?wait=true')).body.run.status).toBe('succeeded');
      const hour = statRows(plain.keywordIds, [ASOF + h * HOUR_MS], 100 + h).map((r) => ({ ...r, impressions: (r.impressions as number) * (1 + h) }));
      await sendStats(api, plain.tenant, hour);
      await sendStats(api, split.tenant, splitOf(hour));
    }
    // Every bid change of the six hours, with what explained it, keyword by keyword in creation order.
    const trail = async (acc: typeof plain) => {
      const rows = await api.db.query(`SELECT keyword_id, hour, new_bid_fen, reason FROM bid_changes WHERE plan_id = $1 AND source = 'optimizer' ORDER BY hour`, [acc.planId]);
      return rows.map((r: any) => ({ keyword: acc.keywordIds.indexOf(r.keyword_id), hour: new Date(r.hour).toISOString(), bid: Number(r.new_bid_fen), reason: r.reason })).sort((x: any, y: any) => x.hour.localeCompare(y.hour) || x.keyword - y.keyword);
    };
    const p = await trail(plain);
    expect(new Set(p.map((x: any) => x.hour)).size).toBeGreaterThan(1);
    expect(await trail(split)).toEqual(p);
  });

  it('refuses a bad asOf or dryRun naming the field, and changes nothing', async () => {
    const acc = await seedOptimizable(api, ASOF, { perUnit: 2, hours: 2 });
    const before = await tenantSnapshot(api, acc.tenant.id);
    const notHour = await optimize(acc.tenant, acc.planId, { asOf: '2026-06-10T12:30:00+08:00' });
    expect(notHour.status).toBe(400);
    expect(notHour.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(notHour.body)).toContain('asOf');
    const badDry = await optimize(acc.tenant, acc.planId, { asOf: new Date(ASOF).toISOString(), dryRun: 'yes' });
    expect(badDry.status).toBe(400);
    expect(JSON.stringify(badDry.body)).toContain('dryRun');
    const badFilter = await api.http.get(`/v1/plans/${acc.planId}/bid-changes?source=robot&from=yesterday`).set(acc.tenant.auth);
    expect(badFilter.status).toBe(400);
    expect(JSON.stringify(badFilter.body)).toContain('source');
    expect(JSON.stringify(badFilter.body)).toContain('from');
    expect(await tenantSnapshot(api, acc.tenant.id)).toEqual(before);
  });

  it("answers 404 for another advertiser's plan and run, and lists only the caller's runs", async () => {
    const mine = await seedOptimizable(api, ASOF, { perUnit: 3, hours: 6 });
    const theirs = await createTenant(api);
    const run = await optimize(mine.tenant, mine.planId, { asOf: new Date(ASOF).toISOString() }, '?wait=true');
    const before = await tenantSnapshot(api, mine.tenant.id);
    for (const dryRun of [true, false]) expect((await optimize(theirs, mine.planId, { asOf: new Date(ASOF + HOUR_MS).toISOString(), dryRun })).status).toBe(404);
    expect((await api.http.get(`/v1/plans/${mine.planId}/bid-changes`).set(theirs.auth)).status).toBe(404);
    expect((await api.http.get(`/v1/optimization-runs/${run.body.run.id}`).set(theirs.auth)).status).toBe(404);
    expect((await api.http.get(`/v1/optimization-runs`).set(theirs.auth)).body.items).toEqual([]);
    expect((await api.http.get(`/v1/optimization-runs/${run.body.run.id}`).set(mine.tenant.auth)).body.id).toBe(run.body.run.id);
    expect(await tenantSnapshot(api, mine.tenant.id)).toEqual(before);
  });
});
