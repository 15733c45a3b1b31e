import { AlertsRepository, Db } from '@kuaiche/domain';
import http from 'http';
import type { AddressInfo } from 'net';
import { Webhook } from 'standardwebhooks';
import { createKeywords, createPlan, createTenant, createUnit, startApi, type Tenant, type TestApi } from '../../../test/factories';
import { HOUR_MS, sendStats } from '../../../test/optimization-kit';
import { startWorker, until, type WorkerProcess } from '../../../test/worker-process';

interface Hit {
  headers: Record<string, string>;
  body: string;
}

/** A real HTTP receiver on 127.0.0.1 answering with what `answer` says for the n-th request (0-based). */
async function receiver(answer: (n: number, hit: Hit) => number | Promise<number>) {
  const hits: Hit[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const hit = { headers: req.headers as Record<string, string>, body };
      const n = hits.push(hit) - 1;
      const status = await answer(n, hit);
      if (status > 0) res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/kuaiche`,
    hits,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const WORKER_ENV = { WEBHOOK_DISPATCH_EVERY_MS: '300', WEBHOOK_RETRY_SCHEDULE_MS: '0,300,300', WEBHOOK_TIMEOUT_MS: '1500', WORKER_LOCK_MS: '2000' };

describe('webhook delivery by real worker processes', () => {
  // The API's prefix: its on-commit enqueues reach these workers (other test files' workers use prefixes of their own).
  const prefix = process.env.QUEUE_PREFIX!;
  let api: TestApi;
  let worker: WorkerProcess;
  beforeAll(async () => {
    api = await startApi();
    worker = startWorker(prefix, WORKER_ENV);
  });
  afterAll(async () => {
    await worker.stop();
    await api.close();
  });

  async function endpoint(t: Tenant, url: string, eventTypes = ['*']): Promise<{ id: string; secret: string }> {
    const res = await api.http.post('/v1/webhook-endpoints').set(t.auth).send({ url, eventTypes });
    expect(res.status).toBe(201);
    return res.body;
  }

  const delivery = async (t: Tenant, id: string) => (await api.http.get(`/v1/deliveries/${id}`).set(t.auth)).body;
  const settled = (t: Tenant, id: string, status = 'succeeded', ms = 20_000) =>
    until(async () => {
      const d = await delivery(t, id);
      return d.status === status ? d : undefined;
    }, `delivery ${id} ${status}`, ms);

  it('signs every delivery so the standardwebhooks package verifies it; a tampered body fails verification', async () => {
    const t = await createTenant(api);
    const rx = await receiver(() => 204);
    try {
      const e = await endpoint(t, rx.url);
      const ping = await api.http.post(`/v1/webhook-endpoints/${e.id}/test`).set(t.auth);
      const d = await settled(t, ping.body.delivery.id);
      expect(rx.hits).toHaveLength(1);
      const [hit] = rx.hits;
      const payload = new Webhook(e.secret).verify(hit.body, hit.headers) as any;
      expect(payload).toMatchObject({ type: 'webhook.test', data: { endpointId: e.id } });
      expect(typeof payload.timestamp).toBe('string');
      expect(hit.headers['webhook-id']).toBe(d.eventId);
      expect(hit.headers['webhook-signature']).toMatch(/^v1,/);
      expect(() => new Webhook(e.secret).verify(hit.body.replace('webhook.test', 'budget.exhausted'), hit.headers)).toThrow();
      expect(() => new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(hit.body, hit.headers)).toThrow();
      expect(d.attempts).toEqual([{ attempt: 1, startedAt: expect.any(String), statusCode: 204, latencyMs: expect.any(Number), error: null }]);
    } finally {
      await rx.close();
    }
  });

  it('a receiver answering 500 twice then 200 gets the event three times with the same webhook-id and body; the delivery ends succeeded with every attempt logged; redeliver sends it again', async () => {
    const t = await createTenant(api);
    const rx = await receiver((n) => (n < 2 ? 500 : 200));
    try {
      const e = await endpoint(t, rx.url);
      const ping = await api.http.post(`/v1/webhook-endpoints/${e.id}/test`).set(t.auth);
      const d = await settled(t, ping.body.delivery.id);
      expect(rx.hits).toHaveLength(3);
      expect(new Set(rx.hits.map((h) => h.headers['webhook-id']))).toEqual(new Set([d.eventId]));
      expect(new Set(rx.hits.map((h) => h.body)).size).toBe(1);
      for (const h of rx.hits) expect(() => new Webhook(e.secret).verify(h.body, h.headers)).not.toThrow();
      expect(d.attempts.map((a: any) => [a.attempt, a.statusCode, a.error])).toEqual([[1, 500, 'HTTP 500'], [2, 500, 'HTTP 500'], [3, 200, null]]);
      expect(d).toMatchObject({ status: 'succeeded', attemptCount: 3, lastStatusCode: 200 });
      const log = await api.http.get(`/v1/webhook-endpoints/${e.id}/deliveries`).set(t.auth);
      expect(log.body.items[0]).toEqual(d);

      const again = await api.http.post(`/v1/deliveries/${d.id}/redeliver`).set(t.auth);
      expect(again.status).toBe(202);
      expect(again.body.delivery).toMatchObject({ redeliveryOf: d.id, eventId: d.eventId });
      await settled(t, again.body.delivery.id);
      expect(rx.hits).toHaveLength(4);
      expect(rx.hits[3].headers['webhook-id']).toBe(d.eventId);
      expect(rx.hits[3].body).toBe(rx.hits[0].body);
    } finally {
      await rx.close();
    }
  });

  it('gives up after the last attempt of the schedule and keeps the delivery as failed', async () => {
    const t = await createTenant(api);
    const rx = await receiver(() => 503);
    try {
      const e = await endpoint(t, rx.url);
      const ping = await api.http.post(`/v1/webhook-endpoints/${e.id}/test`).set(t.auth);
      const d = await settled(t, ping.body.delivery.id, 'failed');
      expect(d.attempts.map((a: any) => a.statusCode)).toEqual([503, 503, 503]);
      expect(rx.hits).toHaveLength(3);
    } finally {
      await rx.close();
    }
  });

  it('410 Gone disables the endpoint: the delivery fails, nothing more is sent to it', async () => {
    const t = await createTenant(api);
    const rx = await receiver(() => 410);
    try {
      const e = await endpoint(t, rx.url);
      const ping = await api.http.post(`/v1/webhook-endpoints/${e.id}/test`).set(t.auth);
      const d = await settled(t, ping.body.delivery.id, 'failed');
      expect(d.attempts.map((a: any) => a.statusCode)).toEqual([410]);
      const ep = (await api.http.get(`/v1/webhook-endpoints/${e.id}`).set(t.auth)).body;
      expect(ep).toMatchObject({ status: 'disabled', disabledReason: expect.stringMatching(/410/) });
      expect((await api.http.post(`/v1/webhook-endpoints/${e.id}/test`).set(t.auth)).status).toBe(409);
      expect(rx.hits).toHaveLength(1);
    } finally {
      await rx.close();
    }
  });

  it('a worker SIGKILLed mid-attempt: after a restart the delivery is made, and the lost attempt is logged', async () => {
    const t = await createTenant(api);
    let release: (() => void) | undefined;
    const rx = await receiver((n) => (n === 0 ? new Promise<number>((r) => (release = () => r(0))) : 200));
    try {
      const e = await endpoint(t, rx.url);
      const ping = await api.http.post(`/v1/webhook-endpoints/${e.id}/test`).set(t.auth);
      await until(() => rx.hits.length === 1 || undefined, 'first attempt arrives');
      await worker.stop(true);
      release?.();
      worker = startWorker(prefix, WORKER_ENV);
      const d = await settled(t, ping.body.delivery.id, 'succeeded', 30_000);
      expect(rx.hits.map((h) => h.headers['webhook-id'])).toEqual([d.eventId, d.eventId]);
      expect(d.attempts.map((a: any) => [a.attempt, a.statusCode, a.error])).toEqual([[1, null, 'no result: the worker stopped during the attempt'], [2, 200, null]]);
    } finally {
      await rx.close();
    }
  });

  it('a worker SIGKILLed between raising an alert and delivering it: after a restart it is delivered, whether the enqueue happened or not', async () => {
    const t = await createTenant(api, { clock: 'external' });
    const plan = await createPlan(api, t, { dailyBudget: 100 });
    const unit = await createUnit(api, t, plan.id);
    const [keywordId] = await createKeywords(api, t, unit.id, 1);
    const rx = await receiver(() => 200);
    try {
      const e = await endpoint(t, rx.url, ['budget.exhausted', 'roi.below_target']);
      await worker.stop(true);
      // Raised through the API: committed with its delivery, enqueued on commit, no worker alive.
      const hour = Date.parse('2026-06-10T10:00:00+08:00');
      await sendStats(api, t, [{ keywordId, hour: new Date(hour).toISOString(), impressions: 2000, clicks: 100, cost: 100, orders: 0, gmv: 0 }]);
      const raised = await api.http.post(`/v1/plans/${plan.id}/evaluate-alerts`).set(t.auth).send({ asOf: new Date(hour + HOUR_MS).toISOString() });
      expect(raised.body.raised.map((a: any) => a.type)).toEqual(['budget.exhausted']);
      // Raised and committed, then "crashed" before any enqueue: only the outbox row knows.
      const orphan = await api.app.get(Db).tx((tx) =>
        api.app.get(AlertsRepository).raise(t.id, { planId: plan.id, type: 'roi.below_target', severity: 'critical', hour: new Date(hour), episode: '2026-06-10', message: 'ROI 0', data: { roi: 0 } }, tx),
      );
      expect(rx.hits).toHaveLength(0);
      worker = startWorker(prefix, WORKER_ENV);
      await until(() => rx.hits.length === 2 || undefined, 'both alerts delivered', 30_000);
      const bodies = rx.hits.map((h) => new Webhook(e.secret).verify(h.body, h.headers) as any).sort((a, b) => a.type.localeCompare(b.type));
      expect(bodies.map((b) => [b.type, b.data.id, b.data.planId])).toEqual([
        ['budget.exhausted', raised.body.raised[0].id, plan.id],
        ['roi.below_target', orphan!.alert.id, plan.id],
      ]);
      expect(bodies[0].data).toMatchObject({ severity: 'critical', hour: '2026-06-10T11:00:00+08:00', data: { spent: 100, budget: 100 } });
      expect(rx.hits.map((h) => h.headers['webhook-id']).sort()).toEqual([raised.body.raised[0].id, orphan!.alert.id].sort());
    } finally {
      await rx.close();
    }
  });

  it('stats ingestion queues the alert rules for the hour after it, and their alert reaches the receiver', async () => {
    const t = await createTenant(api, { clock: 'external' });
    const plan = await createPlan(api, t, { dailyBudget: 100 });
    const unit = await createUnit(api, t, plan.id);
    const [keywordId] = await createKeywords(api, t, unit.id, 1);
    const rx = await receiver(() => 200);
    try {
      await endpoint(t, rx.url, ['budget.exhausted']);
      const hour = Date.parse('2026-06-12T15:00:00+08:00');
      await sendStats(api, t, [{ keywordId, hour: new Date(hour).toISOString(), impressions: 3000, clicks: 120, cost: 100, orders: 0, gmv: 0 }]);
      await until(() => rx.hits.length === 1 || undefined, 'the alert delivered', 30_000);
      const body = JSON.parse(rx.hits[0].body);
      expect(body).toMatchObject({ type: 'budget.exhausted', data: { planId: plan.id, hour: '2026-06-12T16:00:00+08:00' } });
    } finally {
      await rx.close();
    }
  });
});
