import { createPlan, createTenant, dbRow, planBody, startApi, type Tenant, type TestApi } from '../../../../test/factories';

describe('plans', () => {
  let api: TestApi;
  let t: Tenant;
  let other: Tenant;

  beforeAll(async () => {
    api = await startApi();
    t = await createTenant(api);
    other = await createTenant(api);
  });
  afterAll(() => api.close());

  it('creates a plan and stores money as integer fen', async () => {
    const res = await api.http.post('/v1/plans').set(t.auth).send(planBody({ dailyBudget: 1234.56, minBid: 0.5, maxBid: 20 }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ dailyBudget: 1234.56, minBid: 0.5, maxBid: 20, status: 'active', bidStrategy: 'target_roi', version: 1 });
    const row = await dbRow(api, 'plans', res.body.id);
    expect(row).toMatchObject({ daily_budget_fen: 123456, min_bid_fen: 50, max_bid_fen: 2000, advertiser_id: t.id });
  });

  it('rejects a daily budget under 100, a bid with 3 decimals and unknown fields, naming each field', async () => {
    const res = await api.http
      .post('/v1/plans')
      .set(t.auth)
      .send(planBody({ dailyBudget: 99.99, minBid: 0.305, color: 'red' }));
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const paths = res.body.errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(['color', 'dailyBudget', 'minBid']);
  });

  it('rejects a string where a number belongs and maxBid under minBid', async () => {
    const a = await api.http.post('/v1/plans').set(t.auth).send(planBody({ dailyBudget: '500' }));
    expect(a.status).toBe(400);
    expect(a.body.errors[0].path).toBe('dailyBudget');
    const b = await api.http.post('/v1/plans').set(t.auth).send(planBody({ minBid: 5, maxBid: 2 }));
    expect(b.status).toBe(400);
    expect(b.body.errors).toEqual([{ path: 'maxBid', message: expect.stringMatching(/minBid/) }]);
  });

  it('splits a promo total budget pre-heat : main : tail = 3 : 6 : 1 in whole fen', async () => {
    const res = await api.http
      .post('/v1/plans')
      .set(t.auth)
      .send(
        planBody({
          type: 'promo',
          targetRoi: 5,
          promo: {
            totalBudget: 10000.01,
            phases: [
              { name: 'preheat', startDate: '2026-05-25', endDate: '2026-05-31' },
              { name: 'main', startDate: '2026-06-01', endDate: '2026-06-18' },
              { name: 'tail', startDate: '2026-06-19', endDate: '2026-06-20' },
            ],
          },
        }),
      );
    expect(res.status).toBe(201);
    const budgets = res.body.promo.phases.map((p: { budget: number }) => p.budget);
    expect(budgets).toEqual([3000, 6000.01, 1000]);
    expect(res.body.promo.totalBudget).toBe(10000.01);
  });

  it('rejects overlapping promo phases and a promo calendar on a non-promo plan', async () => {
    const overlap = await api.http
      .post('/v1/plans')
      .set(t.auth)
      .send(
        planBody({
          type: 'promo',
          promo: {
            phases: [
              { name: 'preheat', startDate: '2026-05-25', endDate: '2026-06-02' },
              { name: 'main', startDate: '2026-06-01', endDate: '2026-06-18' },
            ],
          },
        }),
      );
    expect(overlap.status).toBe(400);
    expect(overlap.body.errors.map((e: { path: string }) => e.path)).toEqual(['promo.phases[1].startDate']);
    const wrongType = await api.http
      .post('/v1/plans')
      .set(t.auth)
      .send(planBody({ promo: { phases: [{ name: 'main', startDate: '2026-06-01', endDate: '2026-06-18' }] } }));
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.errors[0].path).toBe('promo');
  });

  it('rejects a malformed schedule and a bad phase date with their paths', async () => {
    const res = await api.http
      .post('/v1/plans')
      .set(t.auth)
      .send(planBody({ type: 'promo', schedule: [[1, 2]], promo: { phases: [{ name: 'main', startDate: '2026-02-30', endDate: '2026-03-01' }] } }));
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['promo.phases[0].startDate', 'schedule']);
  });

  it('lists plans with cursor pagination and no other tenant rows', async () => {
    const mine = await Promise.all([0, 1, 2].map(() => createPlan(api, other)));
    const first = await api.http.get('/v1/plans?limit=2').set(other.auth);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await api.http.get(`/v1/plans?limit=2&cursor=${first.body.nextCursor}`).set(other.auth);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    const ids = [...first.body.items, ...second.body.items].map((p: { id: string }) => p.id).sort();
    expect(ids).toEqual(mine.map((p) => p.id).sort());
  });

  it('rejects a bad cursor and a limit over 1000', async () => {
    const res = await api.http.get('/v1/plans?limit=1001&cursor=nope').set(t.auth);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('limit');
    const cur = await api.http.get('/v1/plans?cursor=bm9wZQ').set(t.auth);
    expect(cur.status).toBe(400);
    expect(cur.body.errors[0].path).toBe('cursor');
  });

  it('patches with If-Match and answers 412 when the version moved', async () => {
    const p = await createPlan(api, t);
    const ok = await api.http.patch(`/v1/plans/${p.id}`).set(t.auth).set('If-Match', '1').send({ dailyBudget: 800 });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ dailyBudget: 800, version: 2 });
    const stale = await api.http.patch(`/v1/plans/${p.id}`).set(t.auth).set('If-Match', '1').send({ dailyBudget: 900 });
    expect(stale.status).toBe(412);
    expect((await dbRow(api, 'plans', p.id))!.daily_budget_fen).toBe(80000);
  });

  it('refuses a duplicate live plan name with 409', async () => {
    const p = await createPlan(api, t);
    const dup = await api.http.post('/v1/plans').set(t.auth).send(planBody({ name: p.name }));
    expect(dup.status).toBe(409);
  });

  it('DELETE archives the plan, hides it from the default list and freezes it', async () => {
    const p = await createPlan(api, t);
    const del = await api.http.delete(`/v1/plans/${p.id}`).set(t.auth);
    expect(del.status).toBe(200);
    expect(del.body.status).toBe('archived');
    const list = await api.http.get('/v1/plans?limit=1000').set(t.auth);
    expect(list.body.items.map((x: { id: string }) => x.id)).not.toContain(p.id);
    const archived = await api.http.get('/v1/plans?status=archived&limit=1000').set(t.auth);
    expect(archived.body.items.map((x: { id: string }) => x.id)).toContain(p.id);
    const patch = await api.http.patch(`/v1/plans/${p.id}`).set(t.auth).send({ dailyBudget: 300 });
    expect(patch.status).toBe(409);
  });

  it("answers 404 for another advertiser's plan on every verb and leaves it unchanged", async () => {
    const p = await createPlan(api, t);
    const before = await dbRow(api, 'plans', p.id);
    expect((await api.http.get(`/v1/plans/${p.id}`).set(other.auth)).status).toBe(404);
    expect((await api.http.patch(`/v1/plans/${p.id}`).set(other.auth).send({ dailyBudget: 999 })).status).toBe(404);
    expect((await api.http.delete(`/v1/plans/${p.id}`).set(other.auth)).status).toBe(404);
    expect((await api.http.post(`/v1/plans/${p.id}/units`).set(other.auth).send({ name: 'x', skuId: '1', skuPrice: 1 })).status).toBe(404);
    expect((await api.http.get(`/v1/plans/${p.id}/units`).set(other.auth)).status).toBe(404);
    expect(await dbRow(api, 'plans', p.id)).toEqual(before);
  });

  it('answers 401 problem+json without a valid key', async () => {
    const res = await api.http.get('/v1/plans');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized' });
    expect((await api.http.get('/v1/plans').set('Authorization', 'Bearer kp_wrong')).status).toBe(401);
  });
});
