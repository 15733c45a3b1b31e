import { getQueueToken } from '@nestjs/bullmq';
import { AdvertisersRepository, AlertsService, alertsEvaluateDedupId, JOBS, QUEUES } from '@kuaiche/domain';
import type { Queue } from 'bullmq';
import iconv from 'iconv-lite';
import { createKeywords, createPlan, createTenant, createUnit, startApi, type Tenant, type TestApi } from '../../../../test/factories';

interface Setup {
  t: Tenant;
  planName: string;
  unitName: string;
  planId: string;
  unitId: string;
}

const ZH = '日期,小时,计划名称,单元名称,关键词,展现数,点击数,点击率,总花费,平均点击花费,总订单行,总订单金额,转化率,投产比';
const EN = 'date,hour,campaignName,adGroupName,keywordName,impressions,clicks,CTR,cost,CPC,totalOrderCnt,totalOrderSum,totalOrderCVS,totalOrderROI';

describe('POST /v1/stats/import (Kuaiche keyword report CSV)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  async function setup(): Promise<Setup> {
    const t = await createTenant(api, { clock: 'external' });
    const plan = await createPlan(api, t, { name: '核心词计划, 夏季' });
    const unit = await createUnit(api, t, plan.id, { name: '连衣裙 A款' });
    await createKeywords(api, t, unit.id, 3); // "kw 0".."kw 2", exact
    return { t, planName: plan.name, unitName: unit.name, planId: plan.id, unitId: unit.id };
  }

  function post(t: Tenant, body: string | Buffer, query = '', contentType = 'text/csv') {
    return api.http.post(`/v1/stats/import${query}`).set(t.auth).set('Content-Type', contentType).send(body);
  }

  async function totals(s: Setup, from = '2026-06-18', to = '2026-06-18') {
    const r = await api.http.get(`/v1/reports?level=plan&granularity=total&from=${from}&to=${to}`).set(s.t.auth);
    return r.body.totals;
  }

  it('imports Chinese headers with quoted commas and thousands separators, recomputing ratios instead of trusting them', async () => {
    const s = await setup();
    const csv = [
      ZH,
      `2026-06-18,20,"${s.planName}",${s.unitName},kw 0,"1,234",56,99.99%,"1,078.50",19.26,3,"1,797.00",5.36%,1.67`,
      `20260618,21,"${s.planName}",${s.unitName},kw 1,100,5,0%,10.00,2.00,0,0,0%,0`,
    ].join('\r\n');
    const res = await post(s.t, csv);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ applied: true, linesRead: 2, rowsApplied: 2, linesRejected: 0, errors: [], errorsTruncated: false });
    const t = await totals(s);
    expect(t).toMatchObject({ impressions: 1334, clicks: 61, cost: 1088.5, orders: 3, gmv: 1797 });
    expect(t.ctr).toBeCloseTo(61 / 1334, 12);
    const hour = await api.http.get(`/v1/reports?level=keyword&granularity=hour&from=2026-06-18&to=2026-06-18`).set(s.t.auth);
    expect(hour.body.items[0].key.period).toBe('2026-06-18T20:00:00+08:00');
  });

  it('imports English (JD API) headers with a UTF-8 BOM, and direct + indirect order columns', async () => {
    const s = await setup();
    const csv =
      '\uFEFF' +
      ['date,hour,campaignName,adGroupName,keywordName,impressions,clicks,cost,directOrderCnt,indirectOrderCnt,directOrderSum,indirectOrderSum', `2026-06-18,9,"${s.planName}",${s.unitName},kw 2,300,12,24.00,1,2,100.00,150.50`].join('\n');
    const res = await post(s.t, csv);
    expect(res.status).toBe(200);
    expect(res.body.rowsApplied).toBe(1);
    expect(await totals(s)).toMatchObject({ impressions: 300, clicks: 12, cost: 24, orders: 3, gmv: 250.5 });
  });

  it('detects GB18030 without a charset and honours charset=gb18030', async () => {
    const s = await setup();
    const csv = [ZH, `2026-06-18,10,"${s.planName}",${s.unitName},kw 0,50,2,4%,3.00,1.50,0,0,0%,0`].join('\n');
    const gb = iconv.encode(csv, 'gb18030');
    expect(gb.equals(Buffer.from(csv, 'utf8'))).toBe(false);
    const sniffed = await post(s.t, gb);
    expect(sniffed.status).toBe(200);
    expect(sniffed.body.rowsApplied).toBe(1);
    const declared = await post(s.t, gb, '', 'text/csv; charset=GB18030');
    expect(declared.status).toBe(200);
    expect(await totals(s)).toMatchObject({ impressions: 50, cost: 3 });
  });

  it('is all or nothing by default: a bad line is reported with its line number and column, and nothing applies', async () => {
    const s = await setup();
    const csv = [
      EN,
      `2026-06-18,1,"${s.planName}",${s.unitName},kw 0,10,1,10%,1.00,1.00,0,0,0%,0`,
      `2026-06-18,2,"${s.planName}",${s.unitName},kw 0,ten,1,10%,1.00,1.00,0,0,0%,0`,
      `2026-06-31,3,"${s.planName}",${s.unitName},no such keyword,10,11,10%,1.005,1.00,0,0,0%,0`,
      `2026-06-18,4,"${s.planName}",${s.unitName},kw 1,10,1,10%,1.00,1.00,0,0,0%,0`,
    ].join('\n');
    const res = await post(s.t, csv);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    const errs = res.body.errors.map((e: { line: number; column: string }) => [e.line, e.column]);
    expect(errs).toEqual(
      expect.arrayContaining([
        [3, 'impressions'],
        [4, 'date'],
        [4, 'clicks'],
        [4, 'cost'],
        [4, 'keywordName'],
      ]),
    );
    expect(res.body.errors.every((e: { line: number }) => e.line === 3 || e.line === 4)).toBe(true);
    expect((await totals(s)).impressions).toBe(0);

    const partial = await post(s.t, csv, '?partial=true');
    expect(partial.status).toBe(200);
    expect(partial.body).toMatchObject({ applied: true, linesRead: 4, rowsApplied: 2, linesRejected: 2 });
    expect((await totals(s)).impressions).toBe(20);
  });

  it('matches by match type when the file has one, and asks for it when the text is ambiguous', async () => {
    const s = await setup();
    await api.http.post(`/v1/units/${s.unitId}/keywords`).set(s.t.auth).send({ items: [{ text: 'kw 0', matchType: 'broad', bid: 1 }] });
    const withType = ['日期,小时,计划名称,单元名称,关键词,匹配方式,展现数,点击数,总花费,总订单行,总订单金额', `2026-06-18,5,"${s.planName}",${s.unitName},kw 0,切词,70,7,7.00,0,0`].join('\n');
    expect((await post(s.t, withType)).body.rowsApplied).toBe(1);
    const ambiguous = [ZH, `2026-06-18,6,"${s.planName}",${s.unitName},kw 0,1,0,0%,0,0,0,0,0%,0`].join('\n');
    const res = await post(s.t, ambiguous);
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ line: 2, column: '关键词', message: expect.stringMatching(/匹配方式/) });
  });

  it('re-importing the same file replaces its rows instead of adding to them', async () => {
    const s = await setup();
    const csv = [ZH, `2026-06-18,7,"${s.planName}",${s.unitName},kw 0,500,25,5%,50.00,2.00,2,300.00,8%,6`].join('\n');
    await post(s.t, csv);
    await post(s.t, csv);
    expect(await totals(s)).toMatchObject({ impressions: 500, cost: 50, gmv: 300 });
  });

  it('queues the alert rules for the hour after the latest hour applied, as POST /v1/stats/hourly does; a rejected file queues nothing', async () => {
    const t = await createTenant(api, { clock: 'external' });
    const plan = await createPlan(api, t, { name: 'budget plan', dailyBudget: 100 });
    const unit = await createUnit(api, t, plan.id, { name: 'u' });
    await createKeywords(api, t, unit.id, 1);
    const queue = api.app.get<Queue>(getQueueToken(QUEUES.alerts), { strict: false });
    const queued = async (asOf: string) => {
      const jobId = await queue.getDeduplicationJobId(alertsEvaluateDedupId(t.id, new Date(asOf)));
      return jobId ? queue.getJob(jobId) : undefined;
    };
    const line = (date: string, hour: number, cost: string) => `${date},${hour},"${plan.name}",${unit.name},kw 0,3000,120,4%,${cost},1.00,0,0,0%,0`;

    const rejected = await post(t, [ZH, line('2026-06-19', 9, '10.00'), line('2026-06-19', 10, 'lots')].join('\n'));
    expect(rejected.status).toBe(400);
    expect(await queued('2026-06-19T11:00:00+08:00')).toBeUndefined();

    // Two hours of one budget day, the later one last in the file but not latest: the latest applied hour counts.
    const res = await post(t, [ZH, line('2026-06-18', 15, '60.00'), line('2026-06-18', 14, '40.00')].join('\n'));
    expect(res.status).toBe(200);
    expect(res.body.rowsApplied).toBe(2);
    const job = await queued('2026-06-18T16:00:00+08:00');
    expect(job).toBeDefined();
    expect(job!.name).toBe(JOBS.alertsEvaluate);
    expect(job!.data).toEqual({ advertiserId: t.id, asOf: new Date('2026-06-18T16:00:00+08:00').toISOString() });
    expect(await queued('2026-06-18T15:00:00+08:00')).toBeUndefined();

    // What the worker does with that job: the budget is spent, so budget.exhausted is raised for that hour.
    const advertiser = (await api.app.get(AdvertisersRepository).findById(t.id))!;
    await api.app.get(AlertsService).evaluateHour(advertiser, new Date(job!.data.asOf));
    const alerts = (await api.http.get(`/v1/alerts?planId=${plan.id}&type=budget.exhausted`).set(t.auth)).body.items;
    expect(alerts.map((a: any) => [a.type, a.hour, a.data.spent])).toEqual([['budget.exhausted', '2026-06-18T16:00:00+08:00', 100]]);
  });

  it('refuses a daily report (no 小时 column), a non-CSV content type and a malformed quote', async () => {
    const s = await setup();
    const daily = await post(s.t, ['日期,计划名称,单元名称,关键词,展现数,点击数,总花费,总订单行,总订单金额', `2026-06-18,"${s.planName}",${s.unitName},kw 0,1,0,0,0,0`].join('\n'));
    expect(daily.status).toBe(400);
    expect(daily.body.detail).toMatch(/小时/);
    const json = await api.http.post('/v1/stats/import').set(s.t.auth).send({ rows: [] });
    expect(json.status).toBe(415);
    const broken = await post(s.t, [ZH, `2026-06-18,8,"${s.planName},${s.unitName},kw 0,1,0,0%,0,0,0,0,0%,0`].join('\n'));
    expect(broken.status).toBe(400);
    expect(broken.body.errors[0].message).toMatch(/malformed CSV/);
  });

  it("never matches another advertiser's keywords", async () => {
    const mine = await setup();
    const other = await createTenant(api, { clock: 'external' });
    const csv = [ZH, `2026-06-18,11,"${mine.planName}",${mine.unitName},kw 0,10,1,10%,1.00,1.00,0,0,0%,0`].join('\n');
    const res = await post(other, csv);
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ line: 2, column: '关键词' });
    expect((await totals(mine)).impressions).toBe(0);
  });

  it('streams a large file in batches (60,000 lines) and applies every line', async () => {
    const t = await createTenant(api, { clock: 'external' });
    const plan = await createPlan(api, t, { name: 'big' });
    const unit = await createUnit(api, t, plan.id, { name: 'u' });
    await createKeywords(api, t, unit.id, 100);
    const lines = [ZH];
    for (let d = 0; d < 25; d++) {
      for (let h = 0; h < 24; h++) {
        for (let k = 0; k < 100; k++) lines.push(`2026-05-${String(d + 1).padStart(2, '0')},${h},big,u,kw ${k},10,1,10%,0.50,0.50,0,0,0%,0`);
      }
    }
    const res = await post(t, lines.join('\n'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ applied: true, linesRead: 60_000, rowsApplied: 60_000 });
    const r = await api.http.get('/v1/reports?level=plan&granularity=total&from=2026-05-01&to=2026-05-25').set(t.auth);
    expect(r.body.totals).toMatchObject({ impressions: 600_000, clicks: 60_000, cost: 30_000 });
  });
});
