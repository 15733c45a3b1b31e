import fc from 'fast-check';
import { createCreative, createKeywords, createPlan, createTenant, createUnit, startApi, type Tenant, type TestApi } from '../../../../test/factories';

interface SentRow {
  keywordId: string;
  creativeId?: string;
  hour: string;
  impressions: number;
  clicks: number;
  cost: number;
  orders: number;
  gmv: number;
}

interface Account {
  tenant: Tenant;
  plans: { id: string; units: { id: string; keywords: string[]; creatives: string[] }[] }[];
}

const LEVELS = ['plan', 'unit', 'keyword', 'creative'] as const;
const GRANULARITIES = ['hour', 'day', 'total'] as const;

/** Deterministic pseudo-random rows (seeded), as a platform report would carry them. */
function makeRows(account: Account, hours: string[], seed: number): SentRow[] {
  const rng = fc.sample(fc.integer({ min: 0, max: 1_000_000 }), { seed, numRuns: 100_000 });
  let k = 0;
  const next = (n: number) => rng[k++ % rng.length] % n;
  const rows: SentRow[] = [];
  for (const plan of account.plans) {
    for (const unit of plan.units) {
      for (const [ki, keywordId] of unit.keywords.entries()) {
        for (const hour of hours) {
          const impressions = next(500);
          const clicks = Math.min(impressions, next(40));
          const orders = next(4);
          const row: SentRow = { keywordId, hour, impressions, clicks, cost: next(10_000) / 100, orders, gmv: orders * (next(30_000) / 100) };
          if (ki % 2 === 0) row.creativeId = unit.creatives[next(unit.creatives.length)];
          rows.push(row);
        }
      }
    }
  }
  return rows;
}

async function makeAccount(api: TestApi, timezone = 'Asia/Shanghai'): Promise<Account> {
  const tenant = await createTenant(api, { timezone, clock: 'external' });
  const plans = [];
  for (let p = 0; p < 2; p++) {
    const plan = await createPlan(api, tenant);
    const units = [];
    for (let u = 0; u < 2; u++) {
      const unit = await createUnit(api, tenant, plan.id);
      const keywords = await createKeywords(api, tenant, unit.id, 5);
      const creatives = [(await createCreative(api, tenant, unit.id)).id, (await createCreative(api, tenant, unit.id)).id];
      units.push({ id: unit.id, keywords, creatives });
    }
    plans.push({ id: plan.id, units });
  }
  return { tenant, plans };
}

function hoursFrom(startIso: string, n: number): string[] {
  const start = Date.parse(startIso);
  return Array.from({ length: n }, (_, i) => new Date(start + i * 3_600_000).toISOString());
}

const sum = (rows: SentRow[]) => ({
  impressions: rows.reduce((s, r) => s + r.impressions, 0),
  clicks: rows.reduce((s, r) => s + r.clicks, 0),
  costFen: rows.reduce((s, r) => s + Math.round(r.cost * 100), 0),
  orders: rows.reduce((s, r) => s + r.orders, 0),
  gmvFen: rows.reduce((s, r) => s + Math.round(r.gmv * 100), 0),
});

describe('hourly stats and reports', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  async function send(t: Tenant, rows: unknown[]) {
    const res = await api.http.post('/v1/stats/hourly').set(t.auth).send({ rows });
    expect(res.status).toBe(200);
    return res.body.results as { index: number; ok: boolean; errors?: { path: string }[] }[];
  }

  async function allPages(t: Tenant, query: string) {
    const items = [];
    let cursor: string | null = null;
    let totals;
    do {
      const res: { status: number; body: any } = await api.http.get(`/v1/reports?${query}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`).set(t.auth);
      expect(res.status).toBe(200);
      items.push(...res.body.items);
      totals = res.body.totals;
      cursor = res.body.nextCursor;
    } while (cursor);
    return { items, totals };
  }

  it('re-sending the same 1,000 rows changes no total; a corrected row moves totals by exactly the difference', async () => {
    const acc = await makeAccount(api);
    const rows = makeRows(acc, hoursFrom('2026-06-01T00:00:00+08:00', 50), 1); // 20 keywords x 50 hours
    expect(rows).toHaveLength(1000);
    expect((await send(acc.tenant, rows)).every((r) => r.ok)).toBe(true);
    const q = 'level=plan&granularity=total&from=2026-05-31&to=2026-06-03';
    const first = await allPages(acc.tenant, q);
    const expected = sum(rows);
    expect(first.totals).toMatchObject({ impressions: expected.impressions, clicks: expected.clicks, orders: expected.orders });
    expect(Math.round(first.totals.cost * 100)).toBe(expected.costFen);

    expect((await send(acc.tenant, rows)).every((r) => r.ok)).toBe(true);
    const again = await allPages(acc.tenant, q);
    expect(again.totals).toEqual(first.totals);
    const daily = await allPages(acc.tenant, 'level=keyword&granularity=day&from=2026-05-31&to=2026-06-03');
    expect(daily.totals).toEqual(first.totals);

    const corrected = { ...rows[17], clicks: rows[17].clicks, cost: 123.45, orders: rows[17].orders + 3, gmv: rows[17].gmv + 99.99 };
    expect((await send(acc.tenant, [corrected]))[0].ok).toBe(true);
    const after = await allPages(acc.tenant, q);
    expect(after.totals.orders - first.totals.orders).toBe(3);
    expect(Math.round(after.totals.gmv * 100) - Math.round(first.totals.gmv * 100)).toBe(9999);
    expect(Math.round(after.totals.cost * 100) - Math.round(first.totals.cost * 100)).toBe(12345 - Math.round(rows[17].cost * 100));
    const afterDaily = await allPages(acc.tenant, 'level=unit&granularity=day&from=2026-05-31&to=2026-06-03');
    expect(afterDaily.totals).toEqual(after.totals);
    const afterHourly = await allPages(acc.tenant, 'level=keyword&granularity=hour&from=2026-05-31&to=2026-06-03');
    expect(afterHourly.totals).toEqual(after.totals);
  });

  it('report totals equal the sum of their rows and the sums of what was sent, at every level and granularity', async () => {
    const acc = await makeAccount(api);
    const rows = makeRows(acc, hoursFrom('2026-07-01T20:00:00+08:00', 30), 2);
    await send(acc.tenant, rows);
    const range = 'from=2026-07-01&to=2026-07-03';
    for (const level of LEVELS) {
      for (const granularity of GRANULARITIES) {
        const { items, totals } = await allPages(acc.tenant, `level=${level}&granularity=${granularity}&${range}`);
        const sent = level === 'creative' ? rows.filter((r) => r.creativeId) : rows;
        const want = sum(sent);
        const rowSum = items.reduce(
          (s, r) => ({ impressions: s.impressions + r.impressions, clicks: s.clicks + r.clicks, costFen: s.costFen + Math.round(r.cost * 100), orders: s.orders + r.orders, gmvFen: s.gmvFen + Math.round(r.gmv * 100) }),
          { impressions: 0, clicks: 0, costFen: 0, orders: 0, gmvFen: 0 },
        );
        expect({ level, granularity, ...rowSum }).toEqual({ level, granularity, ...want });
        if (level !== 'creative') {
          expect({ level, granularity, impressions: totals.impressions, costFen: Math.round(totals.cost * 100) }).toEqual({ level, granularity, impressions: want.impressions, costFen: want.costFen });
        }
        // Each group matches what the test computes from the rows it sent.
        const idOf = (r: SentRow) => {
          const plan = acc.plans.find((p) => p.units.some((u) => u.keywords.includes(r.keywordId)))!;
          const unit = plan.units.find((u) => u.keywords.includes(r.keywordId))!;
          return { plan: plan.id, unit: unit.id, keyword: r.keywordId, creative: r.creativeId };
        };
        const groups = new Map<string, SentRow[]>();
        for (const r of sent) {
          const key = level === 'plan' ? idOf(r).plan : level === 'unit' ? idOf(r).unit : level === 'keyword' ? idOf(r).keyword : idOf(r).creative!;
          const dayOrHour =
            granularity === 'total' ? '' : granularity === 'hour' ? new Date(r.hour).getTime() : new Date(Date.parse(r.hour) + 8 * 3_600_000).toISOString().slice(0, 10);
          const g = `${key}|${dayOrHour}`;
          groups.set(g, [...(groups.get(g) ?? []), r]);
        }
        expect(items).toHaveLength(groups.size);
        for (const item of items) {
          const key = item.key[`${level}Id`];
          const p = item.key.period;
          const dayOrHour = granularity === 'total' ? '' : granularity === 'hour' ? Date.parse(p) : p;
          const want2 = sum(groups.get(`${key}|${dayOrHour}`) ?? []);
          expect(item.impressions).toBe(want2.impressions);
          expect(Math.round(item.cost * 100)).toBe(want2.costFen);
          expect(item.ctr).toBe(want2.impressions ? want2.clicks / want2.impressions : null);
          expect(item.roi).toBe(want2.costFen ? want2.gmvFen / want2.costFen : null);
        }
      }
    }
  });

  it('filters by plan, unit, keyword and creative at every level and granularity, rows and totals matching what was sent', async () => {
    const acc = await makeAccount(api);
    const rows = makeRows(acc, hoursFrom('2026-07-11T21:00:00+08:00', 6), 5);
    await send(acc.tenant, rows);
    const plan = acc.plans[1];
    const unit = plan.units[0];
    const keyword = unit.keywords[0]; // even index: some of its rows carry a creative
    const creative = rows.find((r) => r.keywordId === keyword && r.creativeId)!.creativeId!;
    const unitOf = (r: SentRow) => acc.plans.flatMap((p) => p.units).find((u) => u.keywords.includes(r.keywordId))!;
    const filters: [string, (r: SentRow) => boolean][] = [
      [`planId=${plan.id}`, (r) => plan.units.some((u) => u.keywords.includes(r.keywordId))],
      [`unitId=${unit.id}`, (r) => unitOf(r).id === unit.id],
      [`keywordId=${keyword}`, (r) => r.keywordId === keyword],
      [`creativeId=${creative}`, (r) => r.creativeId === creative],
      [`creativeId=${creative}&keywordId=${keyword}`, (r) => r.creativeId === creative && r.keywordId === keyword],
    ];
    for (const [filter, keep] of filters) {
      for (const level of LEVELS) {
        for (const granularity of GRANULARITIES) {
          const { items, totals } = await allPages(acc.tenant, `level=${level}&granularity=${granularity}&from=2026-07-11&to=2026-07-12&${filter}`);
          const want = sum(rows.filter((r) => keep(r) && (level !== 'creative' || r.creativeId)));
          const got = {
            impressions: items.reduce((s, r) => s + r.impressions, 0),
            costFen: items.reduce((s, r) => s + Math.round(r.cost * 100), 0),
            totalsImpressions: totals.impressions,
            totalsCostFen: Math.round(totals.cost * 100),
            totalsOrders: totals.orders,
          };
          expect({ filter, level, granularity, ...got }).toEqual({
            filter, level, granularity,
            impressions: want.impressions, costFen: want.costFen, totalsImpressions: want.impressions, totalsCostFen: want.costFen, totalsOrders: want.orders,
          });
        }
      }
    }
  });

  it('replaces facts whose plan-hour rollup is missing (the bulk path falls back to the upsert) and keeps the day rollup exact', async () => {
    const acc = await makeAccount(api);
    const keywordId = acc.plans[0].units[0].keywords[1];
    const hour = '2026-07-20T10:00:00+08:00';
    await send(acc.tenant, [{ keywordId, hour, impressions: 100, clicks: 10, cost: 5, orders: 1, gmv: 50 }]);
    // Facts without their plan-hour rollup row: the fast path's COPY meets the primary key.
    await api.db.query(`DELETE FROM plan_stats_hourly WHERE advertiser_id = $1`, [acc.tenant.id]);
    const results = await send(acc.tenant, [{ keywordId, hour, impressions: 120, clicks: 12, cost: 7, orders: 2, gmv: 90 }]);
    expect(results).toEqual([{ index: 0, ok: true }]);
    const { items } = await allPages(acc.tenant, `level=keyword&granularity=day&from=2026-07-20&to=2026-07-20&keywordId=${keywordId}`);
    expect(items.map((i) => [i.impressions, i.clicks, i.cost, i.orders, i.gmv])).toEqual([[120, 12, 7, 2, 90]]);
    const hourly = await allPages(acc.tenant, `level=keyword&granularity=hour&from=2026-07-20&to=2026-07-20&keywordId=${keywordId}`);
    expect(hourly.items.map((i) => i.impressions)).toEqual([120]);
  });

  it("puts a row at 23:00 Asia/Shanghai in that day, not the UTC day, and prints hours with the advertiser's offset", async () => {
    const acc = await makeAccount(api);
    const kw = acc.plans[0].units[0].keywords[0];
    await send(acc.tenant, [
      { keywordId: kw, hour: '2026-08-10T23:00:00+08:00', impressions: 100, clicks: 10, cost: 5, orders: 1, gmv: 50 },
      { keywordId: kw, hour: '2026-08-11T00:00:00+08:00', impressions: 7, clicks: 1, cost: 1, orders: 0, gmv: 0 },
    ]);
    const day = await api.http.get(`/v1/reports?level=keyword&granularity=day&from=2026-08-10&to=2026-08-11&keywordId=${kw}`).set(acc.tenant.auth);
    expect(day.body.items.map((r: { key: { period: string }; impressions: number }) => [r.key.period, r.impressions])).toEqual([
      ['2026-08-10', 100],
      ['2026-08-11', 7],
    ]);
    const only10 = await api.http.get(`/v1/reports?level=plan&granularity=day&from=2026-08-10&to=2026-08-10`).set(acc.tenant.auth);
    expect(only10.body.totals.impressions).toBe(100);
    const hour = await api.http.get(`/v1/reports?level=plan&granularity=hour&from=2026-08-10&to=2026-08-10`).set(acc.tenant.auth);
    expect(hour.body.items.map((r: { key: { period: string } }) => r.key.period)).toEqual(['2026-08-10T23:00:00+08:00']);
    const spend = await api.http.get(`/v1/plans/${acc.plans[0].id}/spend?asOf=2026-08-11T01:00:00%2B08:00`).set(acc.tenant.auth);
    expect(spend.body).toMatchObject({ budgetDay: '2026-08-11', spent: 1 });
    const spendBefore = await api.http.get(`/v1/plans/${acc.plans[0].id}/spend?asOf=2026-08-11T00:00:00%2B08:00`).set(acc.tenant.auth);
    expect(spendBefore.body).toMatchObject({ budgetDay: '2026-08-11', spent: 0 });
  });

  it('sorts by a metric, null ratios last, and returns null ratios on zero denominators', async () => {
    const acc = await makeAccount(api);
    const [a, b, c] = acc.plans[0].units[0].keywords;
    await send(acc.tenant, [
      { keywordId: a, hour: '2026-09-01T10:00:00+08:00', impressions: 100, clicks: 10, cost: 10, orders: 1, gmv: 50 },
      { keywordId: b, hour: '2026-09-01T10:00:00+08:00', impressions: 100, clicks: 10, cost: 10, orders: 2, gmv: 90 },
      { keywordId: c, hour: '2026-09-01T10:00:00+08:00', impressions: 0, clicks: 0, cost: 0, orders: 0, gmv: 0 },
    ]);
    const res = await api.http.get(`/v1/reports?level=keyword&granularity=total&from=2026-09-01&to=2026-09-01&sort=-roi`).set(acc.tenant.auth);
    expect(res.body.items.map((r: { key: { keywordId: string } }) => r.key.keywordId)).toEqual([b, a, c]);
    expect(res.body.items[2]).toMatchObject({ ctr: null, cpc: null, cpm: null, cvr: null, roi: null });
    expect(res.body.items[0]).toMatchObject({ ctr: 0.1, cpc: 1, cpm: 100, cvr: 0.2, roi: 9 });
  });

  it('exports CSV with the Chinese headers, names and a totals line', async () => {
    const acc = await makeAccount(api);
    const kw = acc.plans[0].units[0].keywords[0];
    await send(acc.tenant, [{ keywordId: kw, hour: '2026-09-02T10:00:00+08:00', impressions: 200, clicks: 5, cost: 12.5, orders: 1, gmv: 99 }]);
    const res = await api.http.get(`/v1/reports?level=keyword&granularity=day&from=2026-09-02&to=2026-09-02&format=csv`).set(acc.tenant.auth);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('日期,计划名称,单元名称,关键词,创意,展现数,点击数,点击率,总花费,平均点击花费,千次展现花费,总订单行,总订单金额,转化率,投产比');
    expect(lines[1]).toMatch(/^2026-09-02,plan-[^,]+,unit-[^,]+,kw 0 \[exact\],,200,5,2\.50%,12\.50,2\.50,62\.50,1,99\.00,20\.00%,7\.92$/);
    expect(lines[2]).toMatch(/^合计,,,,,200,5,/);
  });

  it('validates rows with their paths: negative counts, clicks over impressions, 3-decimal money, unaligned hour, unknown field', async () => {
    const acc = await makeAccount(api);
    const kw = acc.plans[0].units[0].keywords[0];
    const base = { keywordId: kw, hour: '2026-09-03T10:00:00+08:00', impressions: 10, clicks: 1, cost: 1, orders: 0, gmv: 0 };
    const results = await send(acc.tenant, [
      base,
      { ...base, hour: '2026-09-03T11:00:00+08:00', impressions: -1 },
      { ...base, hour: '2026-09-03T12:00:00+08:00', clicks: 11 },
      { ...base, hour: '2026-09-03T13:00:00+08:00', cost: 1.001 },
      { ...base, hour: '2026-09-03T13:30:00+08:00' },
      { ...base, hour: '2026-09-03T14:00:00+08:00', ctr: 0.1 },
      { ...base, hour: '2026-09-03 14:00' },
      base,
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false, false, false, false, false, false, false]);
    expect(results.slice(1).map((r) => r.errors![0].path)).toEqual(['rows[1].impressions', 'rows[2].clicks', 'rows[3].cost', 'rows[4].hour', 'rows[5].ctr', 'rows[6].hour', 'rows[7]']);
    const proto = await api.http
      .post('/v1/stats/hourly')
      .set(acc.tenant.auth)
      .set('Content-Type', 'application/json')
      .send(`{"rows":[{"__proto__":${JSON.stringify({ ...base, hour: '2026-09-04T11:00:00+08:00' })}}]}`);
    expect(proto.status).toBe(400);
    expect(proto.body.errors).toEqual([{ path: 'rows[0].__proto__', message: 'unknown field __proto__' }]);
    const atomic = await api.http.post('/v1/stats/hourly?atomic=true').set(acc.tenant.auth).send({ rows: [{ ...base, hour: '2026-09-04T10:00:00+08:00' }, { ...base, clicks: 99 }] });
    expect(atomic.status).toBe(400);
    const r = await api.http.get('/v1/reports?level=plan&granularity=total&from=2026-09-04&to=2026-09-04').set(acc.tenant.auth);
    expect(r.body.totals.impressions).toBe(0);
  });

  it('refuses rows more than an hour ahead for advertisers on the wall clock', async () => {
    const t = await createTenant(api);
    const plan = await createPlan(api, t);
    const unit = await createUnit(api, t, plan.id);
    const [kw] = await createKeywords(api, t, unit.id, 1);
    const future = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 + 3 * 3_600_000).toISOString();
    const [res] = await send(t, [{ keywordId: kw, hour: future, impressions: 1, clicks: 0, cost: 0, orders: 0, gmv: 0 }]);
    expect(res.errors![0]).toEqual({ path: 'rows[0].hour', message: 'hour is more than one hour in the future' });
  });

  it("treats another advertiser's keyword or creative as an item error and never reports another advertiser's rows", async () => {
    const mine = await makeAccount(api);
    const theirs = await makeAccount(api);
    const myKw = mine.plans[0].units[0].keywords[0];
    const theirCreative = theirs.plans[0].units[0].creatives[0];
    const results = await send(theirs.tenant, [
      { keywordId: myKw, hour: '2026-09-05T10:00:00+08:00', impressions: 1, clicks: 0, cost: 0, orders: 0, gmv: 0 },
      { keywordId: mine.plans[0].units[0].keywords[1], creativeId: theirCreative, hour: '2026-09-05T10:00:00+08:00', impressions: 1, clicks: 0, cost: 0, orders: 0, gmv: 0 },
    ]);
    expect(results[0].errors![0]).toEqual({ path: 'rows[0].keywordId', message: 'keyword not found' });
    expect(results[1].errors![0].path).toBe('rows[1].keywordId');
    const ownWithForeignCreative = await send(mine.tenant, [
      { keywordId: myKw, creativeId: theirCreative, hour: '2026-09-05T10:00:00+08:00', impressions: 1, clicks: 0, cost: 0, orders: 0, gmv: 0 },
    ]);
    expect(ownWithForeignCreative[0].errors![0]).toEqual({ path: 'rows[0].creativeId', message: 'creative not found' });
    await send(mine.tenant, [{ keywordId: myKw, hour: '2026-09-05T10:00:00+08:00', impressions: 42, clicks: 0, cost: 1, orders: 0, gmv: 0 }]);
    const theirReport = await api.http.get(`/v1/reports?level=keyword&granularity=total&from=2026-09-05&to=2026-09-05`).set(theirs.tenant.auth);
    expect(theirReport.body.items).toEqual([]);
    expect(theirReport.body.totals.impressions).toBe(0);
    const filtered = await api.http.get(`/v1/reports?level=keyword&granularity=total&from=2026-09-05&to=2026-09-05&planId=${mine.plans[0].id}`).set(theirs.tenant.auth);
    expect(filtered.body.items).toEqual([]);
    expect((await api.http.get(`/v1/plans/${mine.plans[0].id}/spend?asOf=2026-09-05T12:00:00Z`).set(theirs.tenant.auth)).status).toBe(404);
  });

  it('accepts a row in a month with no partition yet and keeps it when that partition is created', async () => {
    const acc = await makeAccount(api);
    const kw = acc.plans[0].units[0].keywords[0];
    const far = '2035-03-10T10:00:00+08:00';
    await api.db.query(`DELETE FROM keyword_stats_hourly_default WHERE advertiser_id = $1`, [acc.tenant.id]);
    // Straight into the default partition, as a writer that skipped ensurePartitions would.
    await api.db.query(
      `INSERT INTO keyword_stats_hourly (advertiser_id, plan_id, unit_id, keyword_id, hour, impressions, clicks, cost_fen, orders, gmv_fen) VALUES ($1, $2, $3, $4, $5, 5, 1, 100, 0, 0)`,
      [acc.tenant.id, acc.plans[0].id, acc.plans[0].units[0].id, kw, far],
    );
    const [res] = await send(acc.tenant, [{ keywordId: kw, hour: far, impressions: 9, clicks: 2, cost: 3, orders: 0, gmv: 0 }]);
    expect(res.ok).toBe(true);
    const rows = await api.db.query(`SELECT tableoid::regclass::text AS part, impressions FROM keyword_stats_hourly WHERE keyword_id = $1 AND hour = $2`, [kw, far]);
    expect(rows).toEqual([{ part: 'keyword_stats_hourly_203503', impressions: 9 }]);
  });
});
