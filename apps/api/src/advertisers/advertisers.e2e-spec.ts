import { createHash } from 'crypto';
import { ADMIN, createTenant, planBody, startApi, type TestApi, uniq } from '../../../../test/factories';

describe('advertisers and API keys', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('creates an advertiser with the admin token, shows the key once and stores only its SHA-256', async () => {
    const res = await api.http.post('/v1/advertisers').set(ADMIN).send({ name: ' 某某旗舰店 ', clock: 'external' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: '某某旗舰店', timezone: 'Asia/Shanghai', clock: 'external', apiKey: expect.stringMatching(/^kp_/) });
    const [row] = await api.db.query(`SELECT api_key_hash FROM advertisers WHERE id = $1`, [res.body.id]);
    expect(row.api_key_hash).toEqual(createHash('sha256').update(res.body.apiKey).digest());
    const me = await api.http.get('/v1/me').set('Authorization', `Bearer ${res.body.apiKey}`);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ id: res.body.id, name: '某某旗舰店', timezone: 'Asia/Shanghai', clock: 'external', platform: 'sandbox', createdAt: expect.any(String) });
    expect(me.body.apiKey).toBeUndefined();
  });

  it('refuses advertiser creation with an advertiser key or no key (401) and names bad fields', async () => {
    const t = await createTenant(api);
    expect((await api.http.post('/v1/advertisers').set(t.auth).send({ name: 'x' })).status).toBe(401);
    expect((await api.http.post('/v1/advertisers').send({ name: 'x' })).status).toBe(401);
    const bad = await api.http.post('/v1/advertisers').set(ADMIN).send({ name: '', timezone: 'Mars/Olympus', clock: 'sundial' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['clock', 'name', 'timezone']);
  });

  it('puts a new advertiser on the platform asked for, the sandbox by default, and shows it', async () => {
    const csv = await api.http.post('/v1/advertisers').set(ADMIN).send({ name: uniq('csv seller'), platform: 'csv' });
    expect(csv.status).toBe(201);
    expect(csv.body).toMatchObject({ platform: 'csv', clock: 'wall' });
    const sandbox = await api.http.post('/v1/advertisers').set(ADMIN).send({ name: uniq('sandbox seller'), platform: 'sandbox', clock: 'external' });
    expect(sandbox.body).toMatchObject({ platform: 'sandbox', clock: 'external' });
    const plain = await api.http.post('/v1/advertisers').set(ADMIN).send({ name: uniq('seller') });
    expect(plain.body.platform).toBe('sandbox');
    const rows = await api.db.query(`SELECT id, platform FROM advertisers WHERE id = ANY($1::uuid[])`, [[csv.body.id, sandbox.body.id, plain.body.id]]);
    expect(Object.fromEntries(rows.map((r: { id: string; platform: string }) => [r.id, r.platform]))).toEqual({ [csv.body.id]: 'csv', [sandbox.body.id]: 'sandbox', [plain.body.id]: 'sandbox' });
    const me = await api.http.get('/v1/me').set('Authorization', `Bearer ${csv.body.apiKey}`);
    expect(me.body.platform).toBe('csv');
  });

  it('rejects an unknown platform with 400 naming the field, and creates nothing', async () => {
    const name = uniq('bad platform');
    for (const platform of ['jd', 'CSV', '', null, 1]) {
      const bad = await api.http.post('/v1/advertisers').set(ADMIN).send({ name, platform });
      expect(bad.status).toBe(400);
      expect(bad.headers['content-type']).toMatch(/problem\+json/);
      expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['platform']);
    }
    const [{ n }] = await api.db.query(`SELECT count(*)::int AS n FROM advertisers WHERE name = $1`, [name]);
    expect(n).toBe(0);
  });

  it('accepts any IANA timezone for the budget day', async () => {
    const t = await createTenant(api, { timezone: 'Europe/Berlin' });
    const me = await api.http.get('/v1/me').set(t.auth);
    expect(me.body.timezone).toBe('Europe/Berlin');
  });
});

describe('Idempotency-Key on POST', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('replays the first response for the same key and body and creates nothing again', async () => {
    const t = await createTenant(api);
    const body = planBody();
    const first = await api.http.post('/v1/plans').set(t.auth).set('Idempotency-Key', 'create-plan-1').send(body);
    const second = await api.http.post('/v1/plans').set(t.auth).set('Idempotency-Key', 'create-plan-1').send(body);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    const [{ n }] = await api.db.query(`SELECT count(*)::int AS n FROM plans WHERE advertiser_id = $1`, [t.id]);
    expect(n).toBe(1);
  });

  it('answers 422 when the same key comes with a different body', async () => {
    const t = await createTenant(api);
    await api.http.post('/v1/plans').set(t.auth).set('Idempotency-Key', 'k2').send(planBody());
    const conflict = await api.http.post('/v1/plans').set(t.auth).set('Idempotency-Key', 'k2').send(planBody());
    expect(conflict.status).toBe(422);
    expect(conflict.headers['content-type']).toMatch(/problem\+json/);
    const [{ n }] = await api.db.query(`SELECT count(*)::int AS n FROM plans WHERE advertiser_id = $1`, [t.id]);
    expect(n).toBe(1);
  });

  it('scopes keys to the advertiser, and frees the key of a request that failed', async () => {
    const a = await createTenant(api);
    const b = await createTenant(api);
    const body = planBody();
    expect((await api.http.post('/v1/plans').set(a.auth).set('Idempotency-Key', 'shared').send(body)).status).toBe(201);
    expect((await api.http.post('/v1/plans').set(b.auth).set('Idempotency-Key', 'shared').send(body)).status).toBe(201);
    const bad = await api.http.post('/v1/plans').set(a.auth).set('Idempotency-Key', 'retry-me').send({ ...planBody(), dailyBudget: 1 });
    expect(bad.status).toBe(400);
    const fixed = await api.http.post('/v1/plans').set(a.auth).set('Idempotency-Key', 'retry-me').send(planBody());
    expect(fixed.status).toBe(201);
  });

  it('expires keys after 24 hours', async () => {
    const t = await createTenant(api);
    const body = planBody();
    const first = await api.http.post('/v1/plans').set(t.auth).set('Idempotency-Key', 'old').send(body);
    await api.db.query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE scope = $1 AND key = 'old'`, [t.id]);
    const again = await api.http.post('/v1/plans').set(t.auth).set('Idempotency-Key', 'old').send({ ...body, name: uniq('plan') });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(first.body.id);
  });

  it('replays bulk keyword creation (200) without inserting twice', async () => {
    const t = await createTenant(api);
    const plan = (await api.http.post('/v1/plans').set(t.auth).send(planBody())).body;
    const unit = (await api.http.post(`/v1/plans/${plan.id}/units`).set(t.auth).send({ name: 'u', skuId: '1', skuPrice: 10 })).body;
    const body = { items: [{ text: 'a', matchType: 'exact', bid: 1 }] };
    const first = await api.http.post(`/v1/units/${unit.id}/keywords`).set(t.auth).set('Idempotency-Key', 'kw').send(body);
    const second = await api.http.post(`/v1/units/${unit.id}/keywords`).set(t.auth).set('Idempotency-Key', 'kw').send(body);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(second.body.results[0].ok).toBe(true);
    const [{ n }] = await api.db.query(`SELECT count(*)::int AS n FROM keywords WHERE unit_id = $1`, [unit.id]);
    expect(n).toBe(1);
  });
});
