import { Env } from '@kuaiche/domain';
import { createTenant, startApi, type Tenant, type TestApi } from '../../../../test/factories';

describe('webhook endpoints', () => {
  let api: TestApi;
  let env: Env;
  beforeAll(async () => {
    api = await startApi();
    env = api.app.get(Env);
  });
  afterAll(() => api.close());

  const create = (t: Tenant, body: object) => api.http.post('/v1/webhook-endpoints').set(t.auth).send(body);

  it('creates an endpoint whose whsec_ secret is shown once; lists, gets and deletes it', async () => {
    const t = await createTenant(api);
    const res = await create(t, { url: 'http://127.0.0.1:9/hooks', eventTypes: ['budget.depleting', 'cvr.drop'] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ url: 'http://127.0.0.1:9/hooks', eventTypes: ['budget.depleting', 'cvr.drop'], status: 'active', disabledReason: null });
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const list = await api.http.get('/v1/webhook-endpoints').set(t.auth);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0].secret).toBeUndefined();
    const one = await api.http.get(`/v1/webhook-endpoints/${res.body.id}`).set(t.auth);
    expect(one.body).toEqual(list.body.items[0]);
    expect(JSON.stringify(one.body)).not.toContain(res.body.secret);

    // A ping is queued as a delivery with its own webhook-id.
    const ping = await api.http.post(`/v1/webhook-endpoints/${res.body.id}/test`).set(t.auth);
    expect(ping.status).toBe(202);
    expect(ping.body.delivery).toMatchObject({ endpointId: res.body.id, eventType: 'webhook.test' });
    const log = await api.http.get(`/v1/webhook-endpoints/${res.body.id}/deliveries`).set(t.auth);
    expect(log.body.items.map((d: any) => d.id)).toEqual([ping.body.delivery.id]);

    expect((await api.http.delete(`/v1/webhook-endpoints/${res.body.id}`).set(t.auth)).status).toBe(204);
    expect((await api.http.get(`/v1/webhook-endpoints/${res.body.id}`).set(t.auth)).status).toBe(404);
    expect((await api.http.delete(`/v1/webhook-endpoints/${res.body.id}`).set(t.auth)).status).toBe(404);
    expect((await api.http.get('/v1/webhook-endpoints').set(t.auth)).body.items).toEqual([]);
    // What was still to be sent to it is cancelled.
    const [d] = await api.db.query(`SELECT status FROM webhook_deliveries WHERE id = $1`, [ping.body.delivery.id]);
    expect(['cancelled', 'succeeded', 'failed']).toContain(d.status);
  });

  describe('the SSRF guard', () => {
    afterEach(() => {
      env.WEBHOOK_ALLOW_PRIVATE = true;
    });

    it.each([
      ['http://127.0.0.1:8080/hook', /127\.0\.0\.1/],
      ['http://localhost:8080/hook', /private, loopback or link-local/],
      ['http://169.254.169.254/latest/meta-data', /169\.254\.169\.254/],
      ['http://10.0.0.5/x', /10\.0\.0\.5/],
      ['http://[::1]/x', /::1/],
      ['http://[::ffff:127.0.0.1]/x', /private, loopback or link-local/],
      ['http://0.0.0.0/x', /0\.0\.0\.0/],
      ['ftp://example.com/hook', /http or https/],
      ['file:///etc/passwd', /http or https/],
      ['https://user:pw@example.com/hook', /credentials/],
      ['no url at all', /absolute/],
    ])('refuses %s with problem+json naming url (WEBHOOK_ALLOW_PRIVATE off)', async (url, message) => {
      env.WEBHOOK_ALLOW_PRIVATE = false;
      const t = await createTenant(api);
      const res = await create(t, { url, eventTypes: ['*'] });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.errors).toEqual([{ path: 'url', message: expect.stringMatching(message) }]);
      expect((await api.http.get('/v1/webhook-endpoints').set(t.auth)).body.items).toEqual([]);
    });

    it('allows 127.0.0.1 only with WEBHOOK_ALLOW_PRIVATE=true (tests, demo), and never other schemes', async () => {
      const t = await createTenant(api);
      env.WEBHOOK_ALLOW_PRIVATE = true;
      expect((await create(t, { url: 'http://127.0.0.1:8080/hook', eventTypes: ['*'] })).status).toBe(201);
      expect((await create(t, { url: 'ftp://127.0.0.1/hook', eventTypes: ['*'] })).status).toBe(400);
    });
  });

  it('refuses bad bodies and queries naming every field, and creates nothing', async () => {
    const t = await createTenant(api);
    const cases: [object, string[]][] = [
      [{ eventTypes: ['*'] }, ['url']],
      [{ url: 'http://127.0.0.1/x', eventTypes: [] }, ['eventTypes']],
      [{ url: 'http://127.0.0.1/x', eventTypes: ['budget.gone', '*'] }, ['eventTypes']],
      [{ url: 'http://127.0.0.1/x', eventTypes: 'budget.depleting' }, ['eventTypes']],
      [{ url: 42, eventTypes: ['*'], secret: 'mine' }, ['secret', 'url']],
    ];
    for (const [body, paths] of cases) {
      const res = await create(t, body);
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: any) => e.path).sort()).toEqual(paths);
    }
    expect((await api.http.get('/v1/webhook-endpoints').set(t.auth)).body.items).toEqual([]);
    const e = await create(t, { url: 'http://127.0.0.1:9/x', eventTypes: ['*'] });
    const bad = await api.http.get(`/v1/webhook-endpoints/${e.body.id}/deliveries?status=lost&limit=0`).set(t.auth);
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((x: any) => x.path).sort()).toEqual(['limit', 'status']);
  });

  it("answers 404 for another advertiser's endpoints and deliveries on every route, and changes nothing", async () => {
    const mine = await createTenant(api);
    const theirs = await createTenant(api);
    const e = await create(mine, { url: 'http://127.0.0.1:9/x', eventTypes: ['*'] });
    const ping = await api.http.post(`/v1/webhook-endpoints/${e.body.id}/test`).set(mine.auth);
    const d = ping.body.delivery.id;
    expect((await api.http.get(`/v1/webhook-endpoints/${e.body.id}`).set(theirs.auth)).status).toBe(404);
    expect((await api.http.delete(`/v1/webhook-endpoints/${e.body.id}`).set(theirs.auth)).status).toBe(404);
    expect((await api.http.post(`/v1/webhook-endpoints/${e.body.id}/test`).set(theirs.auth)).status).toBe(404);
    expect((await api.http.get(`/v1/webhook-endpoints/${e.body.id}/deliveries`).set(theirs.auth)).status).toBe(404);
    expect((await api.http.get(`/v1/deliveries/${d}`).set(theirs.auth)).status).toBe(404);
    expect((await api.http.post(`/v1/deliveries/${d}/redeliver`).set(theirs.auth)).status).toBe(404);
    expect((await api.http.get('/v1/webhook-endpoints').set(theirs.auth)).body.items).toEqual([]);
    // Still there, with one delivery.
    expect((await api.http.get(`/v1/webhook-endpoints/${e.body.id}`).set(mine.auth)).body.status).toBe('active');
    const [{ n }] = await api.db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1`, [e.body.id]);
    expect(n).toBe(1);
    expect((await api.http.get(`/v1/deliveries/${d}`).set(mine.auth)).body.id).toBe(d);
  });
});
