import { resetEnvCache } from '@kuaiche/domain';
import { ADMIN, startApi, type TestApi } from '../../../../test/factories';
import { TcpProxy } from '../../../../test/tcp-proxy';

describe('operations endpoints', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('GET /health answers 200 with Postgres and Redis up', async () => {
    const res = await api.http.get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', checks: { postgres: { status: 'up' }, redis: { status: 'up' } } });
  });

  it('GET /metrics serves Prometheus text with the HTTP latency histogram by route template', async () => {
    await api.http.get('/v1/plans/01a20000-0000-7000-8000-000000000000').set('Authorization', 'Bearer nope');
    const res = await api.http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(res.text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/v1\/plans\/:id",status="401"\} \d+/);
    expect(res.text).toContain('kuaiche_api_process_cpu_user_seconds_total');
  });

  it('GET /metrics reports queue depth by queue and state, jobs processed and optimization run durations', async () => {
    const res = await api.http.get('/metrics');
    expect(res.status).toBe(200);
    for (const q of ['bid-optimization', 'creative-rotation', 'alerts', 'webhook-delivery', 'platform-sync']) {
      expect(res.text).toMatch(new RegExp(`kuaiche_queue_jobs\\{queue="${q}",state="waiting"\\} \\d+`));
      expect(res.text).toMatch(new RegExp(`kuaiche_queue_jobs_processed_total\\{queue="${q}",outcome="failed"\\} \\d+`));
    }
    expect(res.text).toMatch(/kuaiche_optimization_run_seconds\{stat="count"\} \d+/);
  });

  it('serves the queue dashboard at /admin/queues to the admin token only', async () => {
    expect((await api.http.get('/admin/queues')).status).toBe(401);
    expect((await api.http.get('/admin/queues').set('Authorization', 'Bearer not-the-admin-token-000')).status).toBe(401);
    const basic = Buffer.from(`admin:${ADMIN.Authorization.slice('Bearer '.length)}`).toString('base64');
    const page = await api.http.get('/admin/queues').set('Authorization', `Basic ${basic}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<div id="root">');
    const queues = await api.http.get('/admin/queues/api/queues').set(ADMIN);
    expect(queues.status).toBe(200);
    expect(queues.body.queues.map((q: { name: string }) => q.name).sort()).toEqual(['alerts', 'bid-optimization', 'creative-rotation', 'platform-sync', 'webhook-delivery']);
  });

  it('GET /openapi.json describes every contract path and /docs serves the UI', async () => {
    const res = await api.http.get('/openapi.json');
    expect(res.status).toBe(200);
    const paths = Object.keys(res.body.paths);
    for (const p of [
      '/v1/advertisers',
      '/v1/me',
      '/v1/plans',
      '/v1/plans/{id}',
      '/v1/plans/{planId}/units',
      '/v1/units/{id}',
      '/v1/units/{unitId}/keywords',
      '/v1/keywords',
      '/v1/keywords/{id}',
      '/v1/units/{unitId}/negative-keywords',
      '/v1/negative-keywords/{id}',
      '/v1/units/{unitId}/creatives',
      '/v1/creatives/{id}',
      '/v1/plans/{id}/optimize',
      '/v1/plans/{id}/bid-changes',
      '/v1/optimization-runs',
      '/v1/optimization-runs/{id}',
      '/health',
    ]) {
      expect(paths).toContain(p);
    }
    expect(res.body.components.schemas.CreatePlanDto.properties.dailyBudget).toMatchObject({ minimum: 100 });
    const docs = await api.http.get('/docs/');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('swagger');
  });

  it('unknown routes and malformed JSON answer problem+json, never HTML', async () => {
    const missing = await api.http.get('/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
    const bad = await api.http.post('/v1/advertisers').set('Authorization', 'Bearer test-admin-token-0123456789').set('Content-Type', 'application/json').send('{"name": "x",');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ status: 400, title: 'Malformed JSON' });
  });
});

describe('health when a dependency is down', () => {
  const saved = { DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: process.env.REDIS_URL };
  const pg = new TcpProxy('127.0.0.1', Number(new URL(process.env.DATABASE_URL!).port || 5432));
  const redis = new TcpProxy('127.0.0.1', 6379);
  let api: TestApi;

  beforeAll(async () => {
    const u = new URL(process.env.DATABASE_URL!);
    u.port = String(await pg.start());
    process.env.DATABASE_URL = u.toString();
    process.env.REDIS_URL = `redis://127.0.0.1:${await redis.start()}`;
    resetEnvCache();
    api = await startApi();
  });
  afterAll(async () => {
    await api.close();
    await pg.stop();
    await redis.stop();
    Object.assign(process.env, saved);
    resetEnvCache();
  });

  it('answers 503 naming Redis when Redis stops answering, and 200 again when it is back', async () => {
    expect((await api.http.get('/health')).status).toBe(200);
    const port = redis.port;
    await redis.stop();
    const down = await api.http.get('/health');
    expect(down.status).toBe(503);
    expect(down.body.checks.redis.status).toBe('down');
    expect(down.body.checks.postgres.status).toBe('up');
    await redis.start(port);
    let back = 0;
    for (let i = 0; i < 50 && back !== 200; i++) {
      await new Promise((r) => setTimeout(r, 200));
      back = (await api.http.get('/health')).status;
    }
    expect(back).toBe(200);
  });

  it('answers 503 naming Postgres when Postgres stops answering', async () => {
    await pg.stop();
    const down = await api.http.get('/health');
    expect(down.status).toBe(503);
    expect(down.body.checks.postgres.status).toBe('down');
  });
});
