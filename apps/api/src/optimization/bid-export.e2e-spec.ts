import { Rng } from '@kuaiche/simulator';
import { createPlan, createTenant, createUnit, keywordItems, startApi, type TestApi } from '../../../../test/factories';

const ZH = '日期,小时,计划名称,单元名称,关键词,匹配方式,展现数,点击数,点击率,总花费,平均点击花费,总订单行,总订单金额,转化率,投产比';

/** Parses the export (RFC 4180 with a BOM). */
function parseCsv(text: string): string[][] {
  expect(text.charCodeAt(0)).toBe(0xfeff);
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\r') continue;
    else if (c === '\n') row.push(cell), rows.push(row), (row = []), (cell = '');
    else cell += c;
  }
  return rows;
}

describe('the CSV platform: a Kuaiche report in, a bulk-edit sheet out', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it("exports exactly the run's bid changes, named as the back end names the keywords", async () => {
    const t = await createTenant(api, { clock: 'external', timezone: 'Asia/Shanghai' });
    const plan = await createPlan(api, t, { name: '核心词计划, 夏季', dailyBudget: 300, targetRoi: 3 });
    const unit = await createUnit(api, t, plan.id, { name: '连衣裙 "A"款', skuPrice: 199 });
    const created = await api.http.post(`/v1/units/${unit.id}/keywords`).set(t.auth).send({ items: keywordItems(12, {}, '碎花连衣裙 女') });
    expect(created.status).toBe(200);
    // Two days of the back end's hourly keyword report, as exported.
    const rng = new Rng(3);
    const lines = [ZH];
    for (let h = 0; h < 48; h++) {
      const date = h < 24 ? '2026-06-16' : '2026-06-17';
      for (let k = 0; k < 12; k++) {
        const imps = 40 + Math.floor(rng.next() * 200);
        const clicks = Math.floor(rng.next() * 6);
        const orders = rng.next() < 0.03 + k * 0.01 ? 1 : 0;
        const cost = (clicks * (0.8 + rng.next())).toFixed(2);
        lines.push(`${date},${h % 24},"${plan.name}","${unit.name.replace(/"/g, '""')}",碎花连衣裙 女 ${k},精确匹配,${imps},${clicks},0%,${cost},0,${orders},${(orders * 199).toFixed(2)},0%,0`);
      }
    }
    const imported = await api.http.post('/v1/stats/import').set(t.auth).set('Content-Type', 'text/csv').send(lines.join('\r\n'));
    expect(imported.body).toMatchObject({ applied: true, rowsApplied: 48 * 12, linesRejected: 0 });

    const run = await api.http.post(`/v1/plans/${plan.id}/optimize?wait=true`).set(t.auth).send({ asOf: '2026-06-18T00:00:00+08:00' });
    expect(run.body.run).toMatchObject({ status: 'succeeded' });
    expect(run.body.run.keywordsChanged).toBeGreaterThan(0);

    const sheet = await api.http.get(`/v1/plans/${plan.id}/bid-export.csv`).set(t.auth).buffer(true).parse((res, cb) => {
      let s = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (s += d));
      res.on('end', () => cb(null, s));
    });
    expect(sheet.status).toBe(200);
    expect(sheet.headers['content-type']).toMatch(/^text\/csv/);
    expect(sheet.headers['x-run-id']).toBe(run.body.run.id);
    const [head, ...rows] = parseCsv(sheet.body as string);
    expect(head).toEqual(['计划名称', '单元名称', '关键词', '匹配方式', '出价', '原出价', '调整时段', '调整原因']);
    const changes = await api.http.get(`/v1/plans/${plan.id}/bid-changes?source=optimizer&limit=1000`).set(t.auth);
    const texts = new Map((await api.http.get(`/v1/keywords?planId=${plan.id}&limit=1000`).set(t.auth)).body.items.map((k: any) => [k.id, k.text]));
    const want = changes.body.items
      .filter((c: any) => c.runId === run.body.run.id)
      .map((c: any) => [plan.name, unit.name, texts.get(c.keywordId), '精确匹配', c.newBid.toFixed(2), c.oldBid.toFixed(2), '2026-06-18 00:00'])
      .sort();
    expect(rows.map((r) => r.slice(0, 7)).sort()).toEqual(want);
    expect(rows.length).toBe(run.body.run.keywordsChanged);
    expect(rows.every((r) => r[7].length > 0)).toBe(true);

    // Another advertiser sees nothing of it.
    const other = await createTenant(api);
    expect((await api.http.get(`/v1/plans/${plan.id}/bid-export.csv`).set(other.auth)).status).toBe(404);
    expect((await api.http.get(`/v1/plans/${plan.id}/bid-export.csv?runId=not-a-uuid`).set(t.auth)).status).toBe(400);
  });
});
