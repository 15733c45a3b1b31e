import { type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApiApp } from '../apps/api/src/bootstrap';

export const ADMIN = { Authorization: `Bearer ${'test-admin-token-0123456789'}` };

export interface TestApi {
  app: INestApplication;
  http: ReturnType<typeof request>;
  db: DataSource;
  close(): Promise<void>;
}

/** The real API on the real test database, as production builds it. */
export async function startApi(): Promise<TestApi> {
  const app = await createApiApp();
  await app.init();
  const server = app.getHttpServer();
  return {
    app,
    http: request(server) as unknown as ReturnType<typeof request>,
    db: app.get(DataSource),
    close: () => app.close(),
  };
}

export interface Tenant {
  id: string;
  apiKey: string;
  auth: { Authorization: string };
}

let seq = 0;
export function uniq(prefix: string): string {
  seq += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${seq}`;
}

export async function createTenant(api: TestApi, body: Record<string, unknown> = {}): Promise<Tenant> {
  const res = await request(api.app.getHttpServer()).post('/v1/advertisers').set(ADMIN).send({ name: uniq('seller'), ...body });
  if (res.status !== 201) throw new Error(`advertiser create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, apiKey: res.body.apiKey, auth: { Authorization: `Bearer ${res.body.apiKey}` } };
}

export function planBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: uniq('plan'), type: 'core_word', dailyBudget: 500, targetRoi: 3, ...over };
}

export async function createPlan(api: TestApi, t: Tenant, over: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const res = await request(api.app.getHttpServer()).post('/v1/plans').set(t.auth).send(planBody(over));
  if (res.status !== 201) throw new Error(`plan create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function createUnit(api: TestApi, t: Tenant, planId: string, over: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const res = await request(api.app.getHttpServer())
    .post(`/v1/plans/${planId}/units`)
    .set(t.auth)
    .send({ name: uniq('unit'), skuId: '100012043978', skuPrice: 199, ...over });
  if (res.status !== 201) throw new Error(`unit create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export function keywordItems(n: number, over: Record<string, unknown> = {}, prefix = 'kw'): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({ text: `${prefix} ${i}`, matchType: 'exact', bid: 1.5, ...over }));
}

export async function createKeywords(api: TestApi, t: Tenant, unitId: string, n: number): Promise<string[]> {
  const res = await request(api.app.getHttpServer()).post(`/v1/units/${unitId}/keywords`).set(t.auth).send({ items: keywordItems(n) });
  if (res.status !== 200 || res.body.results.some((r: { ok: boolean }) => !r.ok)) {
    throw new Error(`keywords create failed: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  }
  return res.body.results.map((r: { id: string }) => r.id);
}

export async function createCreative(api: TestApi, t: Tenant, unitId: string, over: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const res = await request(api.app.getHttpServer())
    .post(`/v1/units/${unitId}/creatives`)
    .set(t.auth)
    .send({ title: '新品首发 限时直降', imageUrl: 'https://img.example.com/a.jpg', ...over });
  if (res.status !== 201) throw new Error(`creative create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A row of a tenant table straight from the database, for "unchanged" assertions. */
export async function dbRow(api: TestApi, table: string, id: string): Promise<Record<string, unknown> | undefined> {
  const rows = await api.db.query(`SELECT * FROM ${table} WHERE id = $1`, [id]);
  return rows[0];
}

/** Row counts and a content digest of every tenant table for one advertiser. */
export async function tenantSnapshot(api: TestApi, advertiserId: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const tables = ['plans', 'units', 'keywords', 'negative_keywords', 'creatives', 'optimization_runs', 'bid_changes', 'keyword_bid_state', 'plan_bid_state'];
  for (const table of tables) {
    const order = table === 'keyword_bid_state' ? 't.keyword_id' : table === 'plan_bid_state' ? 't.plan_id' : 't.id';
    const [r] = await api.db.query(
      `SELECT count(*)::text AS n, coalesce(md5(string_agg(t::text, '|' ORDER BY ${order})), '') AS digest FROM ${table} t WHERE advertiser_id = $1`,
      [advertiserId],
    );
    out[table] = `${r.n}:${r.digest}`;
  }
  return out;
}
