import { createPlan, createTenant, createUnit, dbRow, startApi, type Tenant, type TestApi } from '../../../../test/factories';

describe('negative keywords', () => {
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

  it('adds, lists and deletes a negative keyword', async () => {
    const res = await api.http.post(`/v1/units/${unitId}/negative-keywords`).set(t.auth).send({ text: ' 二手 ', matchType: 'phrase' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ text: '二手', matchType: 'phrase', unitId });
    const list = await api.http.get(`/v1/units/${unitId}/negative-keywords`).set(t.auth);
    expect(list.body.items.map((n: { id: string }) => n.id)).toContain(res.body.id);
    expect((await api.http.delete(`/v1/negative-keywords/${res.body.id}`).set(t.auth)).status).toBe(204);
    expect(await dbRow(api, 'negative_keywords', res.body.id)).toBeUndefined();
    expect((await api.http.delete(`/v1/negative-keywords/${res.body.id}`).set(t.auth)).status).toBe(404);
  });

  it('refuses a duplicate (409), broad match (negatives are exact or phrase) and an empty text', async () => {
    await api.http.post(`/v1/units/${unitId}/negative-keywords`).set(t.auth).send({ text: '免费', matchType: 'exact' });
    expect((await api.http.post(`/v1/units/${unitId}/negative-keywords`).set(t.auth).send({ text: '免费', matchType: 'exact' })).status).toBe(409);
    const bad = await api.http.post(`/v1/units/${unitId}/negative-keywords`).set(t.auth).send({ text: '   ', matchType: 'broad' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['matchType', 'text']);
  });

  it("answers 404 for another advertiser's negative keyword and keeps it", async () => {
    const res = await api.http.post(`/v1/units/${unitId}/negative-keywords`).set(t.auth).send({ text: '维修', matchType: 'exact' });
    expect((await api.http.delete(`/v1/negative-keywords/${res.body.id}`).set(other.auth)).status).toBe(404);
    expect((await api.http.get(`/v1/units/${unitId}/negative-keywords`).set(other.auth)).status).toBe(404);
    expect(await dbRow(api, 'negative_keywords', res.body.id)).toBeDefined();
  });
});
