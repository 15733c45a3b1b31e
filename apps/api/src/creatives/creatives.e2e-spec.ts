import { createCreative, createPlan, createTenant, createUnit, dbRow, startApi, type Tenant, type TestApi } from '../../../../test/factories';

describe('creatives', () => {
  let api: TestApi;
  let t: Tenant;
  let other: Tenant;
  let unitId: string;
  beforeAll(async () => {
    api = await startApi();
    t = await createTenant(api);
    other = await createTenant(api);
    unitId = (await createUnit(api, t, (await createPlan(api, t)).id)).id;
  });
  afterAll(() => api.close());

  it('creates a creative with a 30-character title and lists it', async () => {
    const title = '新'.repeat(30);
    const res = await api.http.post(`/v1/units/${unitId}/creatives`).set(t.auth).send({ title, imageUrl: 'https://img10.360buyimg.com/n1/a.jpg' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ title, status: 'active', version: 1, unitId });
    const list = await api.http.get(`/v1/units/${unitId}/creatives`).set(t.auth);
    expect(list.body.items.map((c: { id: string }) => c.id)).toContain(res.body.id);
  });

  it('refuses a 31-character title and a non-http image URL, naming both', async () => {
    const res = await api.http.post(`/v1/units/${unitId}/creatives`).set(t.auth).send({ title: '新'.repeat(31), imageUrl: 'javascript:alert(1)' });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['imageUrl', 'title']);
  });

  it('patches with If-Match and 412 when stale; a deleted creative cannot change', async () => {
    const c = await createCreative(api, t, unitId);
    const ok = await api.http.patch(`/v1/creatives/${c.id}`).set(t.auth).set('If-Match', '1').send({ title: '限时直降', status: 'paused' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ title: '限时直降', status: 'paused', version: 2 });
    expect((await api.http.patch(`/v1/creatives/${c.id}`).set(t.auth).set('If-Match', '1').send({ title: 'x' })).status).toBe(412);
    await api.http.patch(`/v1/creatives/${c.id}`).set(t.auth).send({ status: 'deleted' });
    expect((await api.http.patch(`/v1/creatives/${c.id}`).set(t.auth).send({ status: 'active' })).status).toBe(409);
  });

  it('refuses the 101st live creative of a unit', async () => {
    const unit = await createUnit(api, t, (await createPlan(api, t)).id);
    for (let i = 0; i < 100; i++) await createCreative(api, t, unit.id, { title: `创意${i}` });
    const over = await api.http.post(`/v1/units/${unit.id}/creatives`).set(t.auth).send({ title: 'one more', imageUrl: 'https://a.b/c.jpg' });
    expect(over.status).toBe(409);
  });

  it("answers 404 for another advertiser's creative on every verb and leaves it unchanged", async () => {
    const c = await createCreative(api, t, unitId);
    const before = await dbRow(api, 'creatives', c.id);
    expect((await api.http.get(`/v1/creatives/${c.id}`).set(other.auth)).status).toBe(404);
    expect((await api.http.patch(`/v1/creatives/${c.id}`).set(other.auth).send({ title: 'hijack' })).status).toBe(404);
    expect((await api.http.get(`/v1/units/${unitId}/creatives`).set(other.auth)).status).toBe(404);
    expect(await dbRow(api, 'creatives', c.id)).toEqual(before);
  });
});
