import { HOUR_MS } from '@kuaiche/domain';
import { Rng } from '@kuaiche/simulator';
import request from 'supertest';
import { createPlan, createTenant, createUnit, keywordItems, type Tenant, type TestApi } from './factories';

export { HOUR_MS };

export interface OptimizableAccount {
  tenant: Tenant;
  planId: string;
  unitIds: string[];
  /** In creation order: unit 0's keywords, then unit 1's. */
  keywordIds: string[];
}

/** Stats rows for `keywordIds` over the given hours: keyword i converts better the larger i is. */
export function statRows(keywordIds: string[], hours: number[], seed: number): Record<string, unknown>[] {
  const r = new Rng(seed);
  const next = () => r.next();
  const rows: Record<string, unknown>[] = [];
  for (const h of hours) {
    keywordIds.forEach((keywordId, i) => {
      if (next() < 0.3) return;
      const impressions = 50 + Math.floor(next() * 200);
      const clicks = Math.min(impressions, Math.floor(next() * 8));
      const orders = next() < 0.02 + (0.1 * i) / keywordIds.length ? 1 : 0;
      rows.push({ keywordId, hour: new Date(h).toISOString(), impressions, clicks, cost: Math.round(clicks * (60 + next() * 60)) / 100, orders, gmv: orders * 199 });
    });
  }
  return rows;
}

export function hoursBefore(asOfMs: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => asOfMs - (n - i) * HOUR_MS);
}

export async function sendStats(api: TestApi, t: Tenant, rows: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 10_000) {
    const res = await request(api.app.getHttpServer()).post('/v1/stats/hourly').set(t.auth).send({ rows: rows.slice(i, i + 10_000) });
    if (res.status !== 200 || res.body.results.some((r: { ok: boolean }) => !r.ok)) throw new Error(`stats failed: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  }
}

/**
 * An advertiser (on the external clock and the API's default platform unless asked) with one
 * target-ROI core-word plan, two units and `perUnit` keywords each (bid 1.50), and `hours` hours
 * of stats before `asOfMs`.
 */
export async function seedOptimizable(
  api: TestApi,
  asOfMs: number,
  opts: { perUnit?: number; hours?: number; seed?: number; clock?: 'wall' | 'external'; platform?: 'sandbox' | 'csv' } = {},
): Promise<OptimizableAccount> {
  const perUnit = opts.perUnit ?? 15;
  const tenant = await createTenant(api, { timezone: 'Asia/Shanghai', clock: opts.clock ?? 'external', ...(opts.platform ? { platform: opts.platform } : {}) });
  const plan = await createPlan(api, tenant, { dailyBudget: 300, targetRoi: 3 });
  const unitIds: string[] = [];
  const keywordIds: string[] = [];
  for (let u = 0; u < 2; u++) {
    const unit = await createUnit(api, tenant, plan.id, { skuPrice: 199 });
    unitIds.push(unit.id);
    const res = await request(api.app.getHttpServer()).post(`/v1/units/${unit.id}/keywords`).set(tenant.auth).send({ items: keywordItems(perUnit, {}, `u${u} kw`) });
    if (res.status !== 200) throw new Error(`keywords failed: ${res.status}`);
    keywordIds.push(...res.body.results.map((r: { id: string }) => r.id));
  }
  await sendStats(api, tenant, statRows(keywordIds, hoursBefore(asOfMs, opts.hours ?? 48), opts.seed ?? 1));
  return { tenant, planId: plan.id, unitIds, keywordIds };
}

/** Bids in fen by keyword id. */
export async function bidsOf(api: TestApi, planId: string): Promise<Map<string, number>> {
  const rows: { id: string; bid_fen: number }[] = await api.db.query(`SELECT id, bid_fen FROM keywords WHERE plan_id = $1 ORDER BY id`, [planId]);
  return new Map(rows.map((r) => [r.id, Number(r.bid_fen)]));
}
