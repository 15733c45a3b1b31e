import { createKeywords, createPlan, createTenant, createUnit, dbRow, keywordItems, startApi, type Tenant, type TestApi } from '../../../../test/factories';

describe('keywords', () => {
  let api: TestApi;
  let t: Tenant;
  let other: Tenant;

  beforeAll(async () => {
    api = await startApi();
    t = await createTenant(api);
    other = await createTenant(api);
  });
  afterAll(() => api.close());

  async function freshUnit(planOver: Record<string, unknown> = {}) {
    const plan = await createPlan(api, t, planOver);
    return createUnit(api, t, plan.id);
  }

  it('creates keywords in bulk, trimmed, with per-item results in order and bids stored in fen', async () => {
    const unit = await freshUnit();
    const res = await api.http
      .post(`/v1/units/${unit.id}/keywords`)
      .set(t.auth)
      .send({ items: [{ text: '  连衣裙 夏季  ', matchType: 'phrase', bid: 2.35, qualityScore: 8, suggestedBid: 2.1 }, { text: '连衣裙', matchType: 'exact', bid: 1 }] });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { index: 0, ok: true, id: expect.any(String) },
      { index: 1, ok: true, id: expect.any(String) },
    ]);
    const row = await dbRow(api, 'keywords', res.body.results[0].id);
    expect(row).toMatchObject({ text: '连衣裙 夏季', match_type: 'phrase', bid_fen: 235, quality_score: 8, suggested_bid_fen: 210, plan_id: unit.planId });
  });

  it('reports items[2].bid for a bid of 0.29 and applies only the valid items', async () => {
    const unit = await freshUnit();
    const items = keywordItems(4);
    items[2].bid = 0.29;
    const res = await api.http.post(`/v1/units/${unit.id}/keywords`).set(t.auth).send({ items });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, true, false, true]);
    expect(res.body.results[2].errors).toEqual([{ path: 'items[2].bid', message: expect.stringMatching(/0\.30/) }]);
    const [{ n }] = await api.db.query(`SELECT count(*)::int AS n FROM keywords WHERE unit_id = $1`, [unit.id]);
    expect(n).toBe(3);
  });

  it('with ?atomic=true applies nothing when one item fails and answers 400 with every item error', async () => {
    const unit = await freshUnit();
    const items = keywordItems(5);
    items[1].matchType = 'fuzzy';
    items[4].bid = 1.234;
    items[3].extra = true;
    const res = await api.http.post(`/v1/units/${unit.id}/keywords?atomic=true`).set(t.auth).send({ items });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['items[1].matchType', 'items[3].extra', 'items[4].bid']);
    const [{ n }] = await api.db.query(`SELECT count(*)::int AS n FROM keywords WHERE unit_id = $1`, [unit.id]);
    expect(n).toBe(0);
  });

  it("keeps bids within the plan's [minBid, maxBid]", async () => {
    const unit = await freshUnit({ minBid: 1, maxBid: 5 });
    const res = await api.http
      .post(`/v1/units/${unit.id}/keywords`)
      .set(t.auth)
      .send({ items: [{ text: 'a', matchType: 'exact', bid: 0.5 }, { text: 'b', matchType: 'exact', bid: 5.01 }, { text: 'c', matchType: 'exact', bid: 5 }] });
    expect(res.body.results.map((r: { ok: boolean }) => r.ok)).toEqual([false, false, true]);
    expect(res.body.results[0].errors[0]).toEqual({ path: 'items[0].bid', message: "bid must be within the plan's range 1.00-5.00" });
  });

  it('refuses a duplicate keyword (same text and match type) in the unit and in the request, but not another match type', async () => {
    const unit = await freshUnit();
    await api.http.post(`/v1/units/${unit.id}/keywords`).set(t.auth).send({ items: [{ text: '手机壳', matchType: 'exact', bid: 1 }] });
    const res = await api.http
      .post(`/v1/units/${unit.id}/keywords`)
      .set(t.auth)
      .send({ items: [{ text: '手机壳 ', matchType: 'exact', bid: 1 }, { text: '手机壳', matchType: 'broad', bid: 1 }, { text: '手机壳', matchType: 'broad', bid: 1 }] });
    expect(res.body.results.map((r: { ok: boolean }) => r.ok)).toEqual([false, true, false]);
    expect(res.body.results[0].errors[0]).toMatchObject({ path: 'items[0].text', message: expect.stringMatching(/already exists/) });
    expect(res.body.results[2].errors[0].path).toBe('items[2].text');
  });

  it('refuses the 201st live keyword of a unit, and frees a place when one is deleted', async () => {
    const unit = await freshUnit();
    const ids = await createKeywords(api, t, unit.id, 200);
    const over = await api.http.post(`/v1/units/${unit.id}/keywords`).set(t.auth).send({ items: [{ text: 'one more', matchType: 'exact', bid: 1 }] });
    expect(over.body.results[0]).toMatchObject({ ok: false, errors: [{ path: 'items[0]', message: expect.stringMatching(/at most 200/) }] });
    const del = await api.http.patch(`/v1/keywords/${ids[0]}`).set(t.auth).send({ status: 'deleted' });
    expect(del.status).toBe(200);
    const again = await api.http.post(`/v1/units/${unit.id}/keywords`).set(t.auth).send({ items: [{ text: 'one more', matchType: 'exact', bid: 1 }] });
    expect(again.body.results[0].ok).toBe(true);
  });

  it('accepts 10,000 items in one request (here across 50 units) and refuses 10,001 with a 400 naming items', async () => {
    const plan = await createPlan(api, t);
    const units = [];
    for (let i = 0; i < 50; i++) units.push(await createUnit(api, t, plan.id));
    const items = units.flatMap((u) => keywordItems(200).map((k) => ({ ...k, unitId: u.id })));
    const created = await api.http.post('/v1/keywords').set(t.auth).send({ items });
    expect(created.status).toBe(200);
    expect(created.body.results.filter((r: { ok: boolean }) => r.ok)).toHaveLength(10_000);

    const changes = created.body.results.map((r: { id: string }, i: number) => ({ id: r.id, bid: i % 2 ? 2.5 : 3 }));
    const patched = await api.http.patch('/v1/keywords').set(t.auth).send({ items: changes });
    expect(patched.status).toBe(200);
    expect(patched.body.results.every((r: { ok: boolean }) => r.ok)).toBe(true);
    const [{ total }] = await api.db.query(`SELECT sum(bid_fen)::bigint AS total FROM keywords WHERE plan_id = $1`, [plan.id]);
    expect(total).toBe(5_000 * 250 + 5_000 * 300);

    const tooMany = await api.http.post(`/v1/units/${units[0].id}/keywords`).set(t.auth).send({ items: keywordItems(10_001) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].path).toBe('items');
    const tooManyPatch = await api.http.patch('/v1/keywords').set(t.auth).send({ items: [...changes, changes[0]] });
    expect(tooManyPatch.status).toBe(400);
  });

  it('bulk PATCH reports unknown ids, repeated ids and stale versions as item errors and applies the rest', async () => {
    const unit = await freshUnit();
    const [a, b, c] = await createKeywords(api, t, unit.id, 3);
    const res = await api.http
      .patch('/v1/keywords')
      .set(t.auth)
      .send({
        items: [
          { id: a, bid: 2.5, locked: true },
          { id: '01a20000-0000-7000-8000-000000000000', bid: 2 },
          { id: a, bid: 3 },
          { id: b, bid: 2, version: 7 },
          { id: c, status: 'paused' },
        ],
      });
    expect(res.body.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, false, false, false, true]);
    expect(res.body.results[1].errors[0].path).toBe('items[1].id');
    expect(res.body.results[3].errors[0].path).toBe('items[3].version');
    expect(await dbRow(api, 'keywords', a)).toMatchObject({ bid_fen: 250, locked: true, version: 2 });
    expect(await dbRow(api, 'keywords', b)).toMatchObject({ bid_fen: 150, version: 1 });
    expect(await dbRow(api, 'keywords', c)).toMatchObject({ status: 'paused' });
  });

  it('single PATCH honours If-Match (412 when stale) and validates with field paths', async () => {
    const unit = await freshUnit();
    const [id] = await createKeywords(api, t, unit.id, 1);
    const bad = await api.http.patch(`/v1/keywords/${id}`).set(t.auth).send({ bid: -1, status: 'gone' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['bid', 'status']);
    const ok = await api.http.patch(`/v1/keywords/${id}`).set(t.auth).set('If-Match', '"1"').send({ bid: 1.8 });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ bid: 1.8, version: 2 });
    const stale = await api.http.patch(`/v1/keywords/${id}`).set(t.auth).set('If-Match', '1').send({ bid: 1.9 });
    expect(stale.status).toBe(412);
    expect((await dbRow(api, 'keywords', id))!.bid_fen).toBe(180);
  });

  it('lists by unit, plan and status; active leaves out keywords of archived plans; deleted only on request', async () => {
    const plan = await createPlan(api, t);
    const unit = await createUnit(api, t, plan.id);
    const ids = await createKeywords(api, t, unit.id, 3);
    await api.http.patch(`/v1/keywords/${ids[0]}`).set(t.auth).send({ status: 'deleted' });
    const byUnit = await api.http.get(`/v1/keywords?unitId=${unit.id}`).set(t.auth);
    expect(byUnit.body.items.map((k: { id: string }) => k.id).sort()).toEqual(ids.slice(1).sort());
    const deleted = await api.http.get(`/v1/keywords?unitId=${unit.id}&status=deleted`).set(t.auth);
    expect(deleted.body.items.map((k: { id: string }) => k.id)).toEqual([ids[0]]);
    const active = await api.http.get(`/v1/keywords?planId=${plan.id}&status=active`).set(t.auth);
    expect(active.body.items).toHaveLength(2);
    await api.http.delete(`/v1/plans/${plan.id}`).set(t.auth);
    const afterArchive = await api.http.get(`/v1/keywords?planId=${plan.id}&status=active`).set(t.auth);
    expect(afterArchive.body.items).toHaveLength(0);
    const add = await api.http.post(`/v1/units/${unit.id}/keywords`).set(t.auth).send({ items: keywordItems(1, {}, 'late') });
    expect(add.status).toBe(409);
  });

  it('refuses a body that is not JSON with 415 and a __proto__ key in a bulk item as an unknown field', async () => {
    const unit = await freshUnit();
    const [id] = await createKeywords(api, t, unit.id, 1);
    const plain = await api.http.patch(`/v1/keywords/${id}`).set(t.auth).set('Content-Type', 'text/plain').send('bid=9');
    expect(plain.status).toBe(415);
    const sneaky = await api.http
      .patch('/v1/keywords')
      .set(t.auth)
      .set('Content-Type', 'application/json')
      .send(`{"items":[{"id":"${id}","__proto__":{"bid":5}}]}`);
    expect(sneaky.status).toBe(400);
    expect(sneaky.body.errors).toEqual([{ path: 'items[0].__proto__', message: 'unknown field __proto__' }]);
    expect(await dbRow(api, 'keywords', id)).toMatchObject({ bid_fen: 150, version: 1 });
  });

  it("answers 404 for another advertiser's keyword and unit on every verb, and changes nothing", async () => {
    const unit = await freshUnit();
    const [id] = await createKeywords(api, t, unit.id, 1);
    const before = await dbRow(api, 'keywords', id);
    expect((await api.http.get(`/v1/keywords/${id}`).set(other.auth)).status).toBe(404);
    expect((await api.http.patch(`/v1/keywords/${id}`).set(other.auth).send({ bid: 9 })).status).toBe(404);
    const bulk = await api.http.patch('/v1/keywords').set(other.auth).send({ items: [{ id, bid: 9 }] });
    expect(bulk.body.results[0]).toMatchObject({ ok: false, errors: [{ path: 'items[0].id', message: 'keyword not found' }] });
    expect((await api.http.post(`/v1/units/${unit.id}/keywords`).set(other.auth).send({ items: keywordItems(1) })).status).toBe(404);
    const viaList = await api.http.post('/v1/keywords').set(other.auth).send({ items: [{ ...keywordItems(1)[0], unitId: unit.id }] });
    expect(viaList.body.results[0].errors[0]).toEqual({ path: 'items[0].unitId', message: 'unit not found' });
    const list = await api.http.get(`/v1/keywords?unitId=${unit.id}`).set(other.auth);
    expect(list.body.items).toEqual([]);
    expect(await dbRow(api, 'keywords', id)).toEqual(before);
    const [{ n }] = await api.db.query(`SELECT count(*)::int AS n FROM keywords WHERE unit_id = $1`, [unit.id]);
    expect(n).toBe(1);
  });
});
