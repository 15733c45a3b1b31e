import { createPlan, createTenant, createUnit, dbRow, startApi, type Tenant, type TestApi } from '../../../../test/factories';

describe('units', () => {
  let api: TestApi;
  let t: Tenant;
  let other: Tenant;
  beforeAll(async () => {
    api = await startApi();
    t = await createTenant(api);
    other = await createTenant(api);
  });
  afterAll(() => api.close());

  it('creates a unit for a SKU with its price in fen and lists it under its plan', async () => {
    const plan = await createPlan(api, t);
    const res = await api.http.post(`/v1/plans/${plan.id}/units`).set(t.auth).send({ name: '夏季连衣裙', skuId: '100012043978', skuPrice: 199.9 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ planId: plan.id, skuPrice: 199.9, status: 'active', version: 1 });
    expect((await dbRow(api, 'units', res.body.id))!.sku_price_fen).toBe(19990);
    const list = await api.http.get(`/v1/plans/${plan.id}/units`).set(t.auth);
    expect(list.body.items.map((u: { id: string }) => u.id)).toEqual([res.body.id]);
  });

  it('names each bad field: numeric skuId, 3-decimal price, unknown field', async () => {
    const plan = await createPlan(api, t);
    const res = await api.http.post(`/v1/plans/${plan.id}/units`).set(t.auth).send({ name: 'u', skuId: 12345, skuPrice: 1.005, foo: 1 });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['foo', 'skuId', 'skuPrice']);
  });

  it('refuses the 101st unit of a plan', async () => {
    const plan = await createPlan(api, t);
    await Promise.all(Array.from({ length: 100 }, (_, i) => api.http.post(`/v1/plans/${plan.id}/units`).set(t.auth).send({ name: `u${i}`, skuId: String(i), skuPrice: 10 })));
    const [{ n }] = await api.db.query(`SELECT count(*)::int AS n FROM units WHERE plan_id = $1`, [plan.id]);
    expect(n).toBe(100);
    const over = await api.http.post(`/v1/plans/${plan.id}/units`).set(t.auth).send({ name: 'u100', skuId: '100', skuPrice: 10 });
    expect(over.status).toBe(409);
  });

  it('patches with If-Match, 412 when stale, 409 on a duplicate name in the plan', async () => {
    const plan = await createPlan(api, t);
    const a = await createUnit(api, t, plan.id);
    const b = await createUnit(api, t, plan.id);
    const ok = await api.http.patch(`/v1/units/${a.id}`).set(t.auth).set('If-Match', '1').send({ skuPrice: 99, status: 'paused' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ skuPrice: 99, status: 'paused', version: 2 });
    expect((await api.http.patch(`/v1/units/${a.id}`).set(t.auth).set('If-Match', '1').send({ skuPrice: 1 })).status).toBe(412);
    expect((await api.http.patch(`/v1/units/${a.id}`).set(t.auth).send({ name: b.name })).status).toBe(409);
    expect((await dbRow(api, 'units', a.id))!.sku_price_fen).toBe(9900);
  });

  it("answers 404 for another advertiser's unit on every verb and leaves it unchanged", async () => {
    const plan = await createPlan(api, t);
    const u = await createUnit(api, t, plan.id);
    const before = await dbRow(api, 'units', u.id);
    expect((await api.http.get(`/v1/units/${u.id}`).set(other.auth)).status).toBe(404);
    expect((await api.http.patch(`/v1/units/${u.id}`).set(other.auth).send({ skuPrice: 1 })).status).toBe(404);
    expect((await api.http.get(`/v1/plans/${plan.id}/units`).set(other.auth)).status).toBe(404);
    expect((await api.http.post(`/v1/units/${u.id}/creatives`).set(other.auth).send({ title: 't', imageUrl: 'https://a.b/c.jpg' })).status).toBe(404);
    expect((await api.http.post(`/v1/units/${u.id}/negative-keywords`).set(other.auth).send({ text: 't', matchType: 'exact' })).status).toBe(404);
    expect(await dbRow(api, 'units', u.id)).toEqual(before);
  });

  it('answers 404 for a path id that is not a UUID', async () => {
    expect((await api.http.get('/v1/units/not-a-uuid').set(t.auth)).status).toBe(404);
  });
});
