import { keywordTruth, type SandboxKeyword, type SandboxPlanHour, serveHour, type ServedRow, uuidWords } from './sandbox-market';

const PLAN = '0190f3a0-0000-7000-8000-000000000001';
const UNIT = '0190f3a0-0000-7000-8000-0000000000a1';
/** Fixed ids, so the hidden truths (a function of the id) are the same on every run. */
const ids = (n: number, tag = 'b') => Array.from({ length: n }, (_, i) => `0190f3a0-0000-7000-8${tag}00-${String(i).padStart(12, '0')}`);
const HOUR = Date.parse('2026-06-18T12:00:00Z') / 3_600_000; // 20:00 in Shanghai, the evening peak

function keywords(n: number, over: Partial<SandboxKeyword> = {}): SandboxKeyword[] {
  return ids(n).map((id) => ({
    id, planId: PLAN, unitId: UNIT, bidFen: 150, status: 'active', anchorBidFen: 150, qualityScore: null, skuPriceFen: 19_900, unitActive: true, ...over,
  }));
}

function plan(over: Partial<SandboxPlanHour> = {}): Map<string, SandboxPlanHour> {
  return new Map([[PLAN, { multiplier: 1, budgetFen: 100_000_000, spentFen: 0, dark: false, ...over }]]);
}

const serve = (ks: SandboxKeyword[], plans = plan(), weights = new Map<string, Record<string, number>>(), hourIndex = HOUR) =>
  serveHour({ hourIndex, hourOfDay: 20, keywords: ks, plans, weights });
const sum = (xs: ServedRow[], k: 'impressions' | 'clicks' | 'costFen' | 'orders' | 'gmvFen') => xs.reduce((s, r) => s + r[k], 0);

describe('the sandbox market', () => {
  it('derives a keyword\'s truth from its id: the same id the same market, competitors around its anchor bid', () => {
    const [k] = keywords(1);
    expect(keywordTruth(k)).toEqual(keywordTruth({ ...k }));
    expect(keywordTruth(k)).not.toEqual(keywordTruth({ ...k, id: ids(2)[1] }));
    expect(uuidWords(k.id)).toEqual([0x0190f3a0, 0x00007000, 0x8b000000, 0x00000000]);
    const many = keywords(200).map(keywordTruth);
    const bids = many.flatMap((t) => t.competitors.map((c) => c.bidFen)).sort((a, b) => a - b);
    expect(bids[Math.floor(bids.length / 2)]).toBeGreaterThan(120);
    expect(bids[Math.floor(bids.length / 2)]).toBeLessThan(190);
    expect(new Set(many.map((t) => t.tier)).size).toBe(2);
    // Order value from the unit's SKU price: 1 to 1.4 times it.
    for (const t of many) {
      expect(t.orderValueFen / 19_900).toBeGreaterThanOrEqual(1);
      expect(t.orderValueFen / 19_900).toBeLessThanOrEqual(1.4);
    }
  });

  it('serves an hour deterministically in (keyword id, hour): the same rows again, a keyword\'s row the same whatever else serves', () => {
    const ks = keywords(40);
    const a = serve(ks);
    expect(a.rows.length).toBeGreaterThan(20);
    expect(serve(ks)).toEqual(a);
    expect(serve([...ks].reverse())).toEqual(a);
    const alone = serve([ks[7]]).rows;
    expect(alone).toEqual(a.rows.filter((r) => r.keywordId === ks[7].id));
    const next = serve(ks, plan(), new Map(), HOUR + 1);
    expect(next.rows).not.toEqual(a.rows);
    for (const r of a.rows) {
      expect(r.clicks).toBeLessThanOrEqual(r.impressions);
      expect(r.creativeId).toBeNull();
      expect(r.orders).toBeLessThanOrEqual(r.clicks);
      expect([r.impressions, r.clicks, r.costFen, r.orders, r.gmvFen].every(Number.isSafeInteger)).toBe(true);
    }
    expect(a.plans.get(PLAN)).toEqual({ costFen: sum(a.rows, 'costFen'), darkAt: null });
  });

  it('serves at the bid it is given: a much higher bid buys more impressions and clicks, the floor bid almost none', () => {
    const low = serve(keywords(60, { bidFen: 30 })).rows;
    const mid = serve(keywords(60, { bidFen: 150 })).rows;
    const high = serve(keywords(60, { bidFen: 900 })).rows;
    expect(sum(high, 'impressions')).toBeGreaterThan(1.2 * sum(mid, 'impressions'));
    expect(sum(low, 'impressions')).toBeLessThan(0.05 * sum(mid, 'impressions'));
    expect(sum(high, 'clicks')).toBeGreaterThan(1.5 * sum(mid, 'clicks'));
    // The plan's schedule multiplies the served bid: 150 x 6 serves like 900.
    expect(serve(keywords(60, { bidFen: 150 }), plan({ multiplier: 6 })).rows).toEqual(high);
  });

  it('stops a plan at its daily budget part-way through the hour, charging the click that crosses it, and serves nothing once dark', () => {
    const ks = keywords(60);
    const free = serve(ks);
    const hourCost = sum(free.rows, 'costFen');
    expect(hourCost).toBeGreaterThan(10_000);
    // 5,000 fen left of the day's budget.
    const capped = serve(ks, plan({ budgetFen: 50_000, spentFen: 45_000 }));
    const spent = sum(capped.rows, 'costFen');
    const maxCpc = Math.max(...free.rows.filter((r) => r.clicks > 0).map((r) => r.costFen / r.clicks));
    expect(spent).toBeGreaterThanOrEqual(5_000 - 60);
    expect(spent).toBeLessThanOrEqual(5_000 + capped.rows.length * maxCpc);
    expect(capped.plans.get(PLAN)).toEqual({ costFen: spent, darkAt: 20 + 5_000 / hourCost });
    for (const r of capped.rows) {
      const full = free.rows.find((x) => x.keywordId === r.keywordId)!;
      expect(r.clicks).toBeLessThanOrEqual(full.clicks);
      expect(r.impressions).toBeLessThanOrEqual(full.impressions);
    }
    expect(serve(ks, plan({ dark: true })).rows).toEqual([]);
    expect(serve(ks, plan({ budgetFen: 50_000, spentFen: 50_000 })).plans.get(PLAN)).toEqual({ costFen: 0, darkAt: 20 });
  });

  it('serves no paused keyword, paused unit or plan off the schedule', () => {
    expect(serve(keywords(20, { status: 'paused' })).rows).toEqual([]);
    expect(serve(keywords(20, { unitActive: false })).rows).toEqual([]);
    expect(serve(keywords(20), plan({ multiplier: 0 })).rows).toEqual([]);
    expect(serve(keywords(20), new Map()).rows).toEqual([]);
  });

  it('splits a keyword\'s impressions across the weighted creatives of its unit', () => {
    const ks = keywords(30);
    const [c1, c2, c3] = ids(3, 'c');
    const plain = serve(ks).rows;
    const split = serve(ks, plan(), new Map([[UNIT, { [c1]: 0.7, [c2]: 0.3, [c3]: 0 }]])).rows;
    expect(new Set(split.map((r) => r.creativeId))).toEqual(new Set([c1, c2]));
    for (const k of ks) {
      const mine = split.filter((r) => r.keywordId === k.id);
      expect(sum(mine, 'impressions')).toBe(sum(plain.filter((r) => r.keywordId === k.id), 'impressions'));
    }
    expect(sum(split.filter((r) => r.creativeId === c1), 'impressions')).toBeGreaterThan(sum(split.filter((r) => r.creativeId === c2), 'impressions'));
  });
});
