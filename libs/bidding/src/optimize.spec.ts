import fc from 'fast-check';
import { optimizePlan } from './optimize';
import type { KeywordInput, OptimizeInput, PlanInput, StatRow } from './types';

const DAY0 = 480_000; // an hour index at local midnight (a Monday is not required by the model)

function plan(over: Partial<PlanInput> = {}): PlanInput {
  return { id: 'p', type: 'core_word', status: 'active', bidStrategy: 'target_roi', dailyBudgetFen: 1_000_000_000, targetRoi: 3, minBidFen: 30, maxBidFen: 99_999, ...over };
}

/** History of 3 days at a steady bid: `clicks` per hour, CVR and order value as given. */
function history(bidFen: number, clicksPerHour: number, cvr: number, valueFen: number, hours = 72): StatRow[] {
  const rows: StatRow[] = [];
  for (let h = 1; h <= hours; h++) {
    const orders = Math.round(clicksPerHour * cvr * 10) / 10;
    rows.push({ hour: DAY0 + 48 - h, impressions: clicksPerHour * 20, clicks: clicksPerHour, costFen: Math.round(clicksPerHour * bidFen * 0.7), orders: Math.floor(orders), gmvFen: Math.floor(orders) * valueFen, bidFen });
  }
  return rows;
}

function input(keywords: KeywordInput[], over: Partial<OptimizeInput> = {}, p: PlanInput = plan()): OptimizeInput {
  return { asOf: DAY0 + 48, hourOfDay: 0, dayOfWeek: 2, date: '2025-06-04', plan: p, units: [{ id: 'u', skuPriceFen: 10_000, status: 'active' }, { id: 'v', skuPriceFen: 20_000, status: 'active' }], keywords, ...over };
}

function kw(id: string, bidFen: number, rows: StatRow[], over: Partial<KeywordInput> = {}): KeywordInput {
  return { id, unitId: 'u', bidFen, status: 'active', locked: false, rows, ...over };
}

describe('optimizePlan behaviours', () => {
  it('raises a keyword whose value per click is well above its bid / R, within the 30% cap', () => {
    // CVR 10% x 100 CNY = 10 CNY per click; bid 1.00 at R 3 is far under value / R = 3.33.
    const r = optimizePlan(input([kw('a', 100, history(100, 10, 0.1, 10_000))]));
    expect(r.decisions[0].newBidFen).toBe(130);
    expect(r.decisions[0].action).toBe('changed');
    const why = r.decisions[0].reason as { clamps: string[]; valuePerClickFen: number; summary: string };
    expect(why.clamps).toContain('change_cap_up');
    expect(why.valuePerClickFen).toBeGreaterThan(500);
    expect(why.summary).toMatch(/1\.00 -> 1\.30/);
  });

  it('never touches a locked keyword, nor paused ones, nor anything of a paused or manual plan', () => {
    const rows = history(100, 10, 0.1, 10_000);
    const r = optimizePlan(input([kw('a', 100, rows, { locked: true }), kw('b', 100, rows, { status: 'paused' })]));
    expect(r.decisions.map((d) => [d.action, d.newBidFen])).toEqual([['locked', 100], ['skipped', 100]]);
    for (const p of [plan({ status: 'paused' }), plan({ bidStrategy: 'manual' })]) {
      expect(optimizePlan(input([kw('a', 100, rows)], {}, p)).decisions[0]).toMatchObject({ action: 'skipped', newBidFen: 100 });
    }
  });

  it('keeps bids in an hour the schedule does not serve', () => {
    const schedule = Array.from({ length: 7 }, () => new Array(24).fill(0));
    const r = optimizePlan(input([kw('a', 100, history(100, 10, 0.1, 10_000))], {}, plan({ schedule })));
    expect(r.decisions[0]).toMatchObject({ action: 'unchanged', newBidFen: 100 });
  });

  it('sets base bids knowing the schedule multiplier: a x2 hour gets half the base bid', () => {
    const rows = history(300, 10, 0.1, 10_000);
    const one = optimizePlan(input([kw('a', 300, rows)], {}, plan({ maxChangePerHour: 10 }))).decisions[0].newBidFen;
    // x2 only in the hour planned for (Wednesday 00:00); the history was served at x1.
    const schedule = Array.from({ length: 7 }, (_, d) => Array.from({ length: 24 }, (_, h) => (d === 2 && h === 0 ? 2 : 1)));
    const r = optimizePlan(input([kw('a', 300, rows)], {}, plan({ schedule, maxChangePerHour: 10 })));
    expect(Math.abs(r.decisions[0].newBidFen - one / 2)).toBeLessThanOrEqual(1);
    expect((r.decisions[0].reason as { scheduleMultiplier: number }).scheduleMultiplier).toBe(2);
  });

  it('with no data anywhere changes nothing, unless the platform suggests a bid', () => {
    const r = optimizePlan(input([kw('a', 100, []), kw('b', 100, [], { suggestedBidFen: 120 })]));
    expect(r.decisions.map((d) => d.newBidFen)).toEqual([100, 120]);
  });

  it('cold start: a new keyword bids from its parents plus the exploration margin', () => {
    const r = optimizePlan(input([kw('a', 300, history(300, 10, 0.1, 10_000)), kw('new', 300, [])]));
    const why = r.decisions[1].reason as { coldStart: boolean; explorationMargin: number };
    expect(why.coldStart).toBe(true);
    expect(why.explorationMargin).toBe(0.2);
  });

  it('long_tail bids never exceed value / (R x 1.25)', () => {
    const r = optimizePlan(input([kw('a', 1000, history(1000, 10, 0.1, 10_000))], {}, plan({ type: 'long_tail', maxChangePerHour: 100 })));
    const why = r.decisions[0].reason as { valuePerClickFen: number };
    expect(r.decisions[0].newBidFen).toBeLessThanOrEqual(Math.ceil(why.valuePerClickFen / 3.75));
  });

  it('test_product: a verdict per unit once it has enough clicks', () => {
    const good = history(100, 10, 0.2, 10_000, 48).map((r) => ({ ...r }));
    const bad = history(100, 10, 0.01, 10_000, 48);
    const r = optimizePlan(input([kw('a', 100, good), kw('b', 100, bad, { unitId: 'v' })], {}, plan({ type: 'test_product' })));
    const byUnit = Object.fromEntries(r.verdicts.map((v) => [v.unitId, v.verdict]));
    expect(byUnit).toEqual({ u: 'promote', v: 'drop' });
  });

  it('test_product: too few clicks -> keep testing', () => {
    const r = optimizePlan(input([kw('a', 100, history(100, 1, 0.2, 10_000, 10)), kw('b', 100, [], { unitId: 'v' })], {}, plan({ type: 'test_product' })));
    expect(r.verdicts.every((v) => v.verdict === 'keep_testing')).toBe(true);
  });

  it('budget spent for the day: bids come down, ROI or not', () => {
    const rows = history(300, 10, 0.1, 10_000);
    const r = optimizePlan(input([kw('a', 300, rows)], { hourOfDay: 20, asOf: DAY0 + 44 }, plan({ dailyBudgetFen: 10_000 })));
    expect(r.summary.binding).toBe('budget');
    expect(r.decisions[0].newBidFen).toBe(210);
  });
});

// ---- properties -------------------------------------------------------------------------------

const rowArb = fc.record({
  age: fc.integer({ min: 1, max: 400 }),
  impressions: fc.integer({ min: 0, max: 5000 }),
  clicks: fc.integer({ min: 0, max: 300 }),
  costFen: fc.integer({ min: 0, max: 200_000 }),
  orders: fc.integer({ min: 0, max: 30 }),
  gmvFen: fc.integer({ min: 0, max: 3_000_000 }),
  bidFen: fc.option(fc.integer({ min: 30, max: 99_999 }), { nil: undefined }),
});

const kwArb = fc.record({
  bidFen: fc.integer({ min: 30, max: 5000 }),
  locked: fc.boolean(),
  unit: fc.constantFrom('u', 'v'),
  rows: fc.array(rowArb, { maxLength: 12 }),
  qs: fc.option(fc.integer({ min: 1, max: 10 }), { nil: null }),
  suggested: fc.option(fc.integer({ min: 30, max: 5000 }), { nil: null }),
});

const planArb = fc.record({
  type: fc.constantFrom('core_word' as const, 'long_tail' as const, 'test_product' as const, 'promo' as const),
  dailyBudgetFen: fc.integer({ min: 10_000, max: 100_000_000 }),
  targetRoi: fc.option(fc.double({ min: 0.5, max: 20, noNaN: true }), { nil: null }),
  minBidFen: fc.integer({ min: 30, max: 500 }),
  span: fc.integer({ min: 0, max: 5000 }),
  cap: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
});

function build(p: { type: PlanInput['type']; dailyBudgetFen: number; targetRoi: number | null; minBidFen: number; span: number; cap: number | null }, kws: { bidFen: number; locked: boolean; unit: string; rows: { age: number; impressions: number; clicks: number; costFen: number; orders: number; gmvFen: number; bidFen?: number }[]; qs: number | null; suggested: number | null }[], hourOfDay: number): OptimizeInput {
  const pl = plan({ type: p.type, dailyBudgetFen: p.dailyBudgetFen, targetRoi: p.targetRoi, minBidFen: p.minBidFen, maxBidFen: Math.min(99_999, p.minBidFen + p.span), maxChangePerHour: p.cap });
  const asOf = DAY0 + 400 + hourOfDay;
  return input(
    kws.map((k, i) =>
      kw(`k${i}`, Math.min(Math.max(k.bidFen, pl.minBidFen), pl.maxBidFen), k.rows.map((r) => ({ ...r, hour: asOf - r.age })), { unitId: k.unit, locked: k.locked, qualityScore: k.qs, suggestedBidFen: k.suggested }),
    ),
    { asOf, hourOfDay },
    pl,
  );
}

describe('optimizePlan properties', () => {
  it('bids are whole fen within plan and platform bounds; locked untouched; cap respected; deterministic', () => {
    fc.assert(
      fc.property(planArb, fc.array(kwArb, { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 23 }), (p, kws, hod) => {
        const inp = build(p, kws, hod);
        const a = optimizePlan(inp);
        const b = optimizePlan(inp);
        expect(b).toEqual(a);
        const cap = p.cap ?? 0.3;
        a.decisions.forEach((d, i) => {
          expect(Number.isInteger(d.newBidFen)).toBe(true);
          expect(d.newBidFen).toBeGreaterThanOrEqual(Math.max(30, inp.plan.minBidFen));
          expect(d.newBidFen).toBeLessThanOrEqual(Math.min(99_999, inp.plan.maxBidFen));
          if (kws[i].locked) expect(d.newBidFen).toBe(inp.keywords[i].bidFen);
          expect(Math.abs(d.newBidFen - d.oldBidFen)).toBeLessThanOrEqual(cap * d.oldBidFen + 1e-9);
        });
        for (const v of Object.values(a.summary)) if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('finite outputs on zero, huge and missing data', () => {
    const huge = Number.MAX_SAFE_INTEGER;
    const weird: StatRow[] = [
      { hour: DAY0 + 47, impressions: 0, clicks: 0, costFen: 0, orders: 0, gmvFen: 0 },
      { hour: DAY0 + 46, impressions: huge, clicks: huge, costFen: huge, orders: huge, gmvFen: huge, bidFen: huge },
      { hour: DAY0 + 45, impressions: NaN, clicks: -5, costFen: Infinity, orders: NaN, gmvFen: -1 },
      { hour: DAY0 + 44.5, impressions: 10, clicks: 1, costFen: 100, orders: 1, gmvFen: 1000 },
    ];
    const r = optimizePlan(input([kw('a', 100, weird), kw('b', 100, [])], {}, plan({ dailyBudgetFen: huge })));
    for (const d of r.decisions) {
      expect(Number.isInteger(d.newBidFen)).toBe(true);
      expect(d.newBidFen).toBeGreaterThanOrEqual(30);
      const why = d.reason as Record<string, unknown>;
      for (const v of Object.values(why)) if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
    }
    const zero = optimizePlan(input([kw('a', 100, [])], {}, plan({ dailyBudgetFen: 0 })));
    expect(zero.decisions[0].newBidFen).toBe(100);
  });

  const monoArb = fc.record({
    bid: fc.integer({ min: 50, max: 2000 }),
    clicks: fc.integer({ min: 1, max: 40 }),
    cvr: fc.double({ min: 0.001, max: 0.3, noNaN: true }),
    price: fc.integer({ min: 1000, max: 100_000 }),
    lambda: fc.double({ min: 1, max: 3, noNaN: true }),
    type: fc.constantFrom('core_word' as const, 'long_tail' as const, 'promo' as const),
  });

  /** Orders valued exactly at the SKU price, so order value stays put and only CVR moves. */
  function monoInput(m: { bid: number; clicks: number; cvr: number; price: number; type: PlanInput['type'] }, roi = 3, cvrScale = 1, valueScale = 1): OptimizeInput {
    const rows: StatRow[] = [];
    for (let h = 1; h <= 48; h++) {
      const orders = Math.min(m.clicks, Math.floor(m.clicks * m.cvr * cvrScale * (1 + (h % 3))));
      rows.push({ hour: DAY0 + 48 - h, impressions: m.clicks * 10, clicks: m.clicks, costFen: Math.round(m.clicks * m.bid * 0.7), orders, gmvFen: Math.round(orders * m.price * valueScale), bidFen: m.bid });
    }
    const inp = input([kw('a', m.bid, rows)], {}, plan({ type: m.type, targetRoi: roi, maxChangePerHour: 0.9 }));
    return { ...inp, units: inp.units.map((u) => ({ ...u, skuPriceFen: Math.round(m.price * valueScale) })) };
  }

  const bidOf = (i: OptimizeInput): number => optimizePlan(i).decisions[0].newBidFen;

  it('bid is non-decreasing in CVR', () => {
    fc.assert(fc.property(monoArb, (m) => expect(bidOf(monoInput(m, 3, m.lambda))).toBeGreaterThanOrEqual(bidOf(monoInput(m, 3, 1)))), { numRuns: 200 });
  });

  it('bid is non-decreasing in order value', () => {
    fc.assert(fc.property(monoArb, (m) => expect(bidOf(monoInput(m, 3, 1, m.lambda))).toBeGreaterThanOrEqual(bidOf(monoInput(m, 3, 1, 1)))), { numRuns: 200 });
  });

  it('bid is non-increasing in target ROI', () => {
    fc.assert(fc.property(monoArb, (m) => expect(bidOf(monoInput(m, 3 * m.lambda))).toBeLessThanOrEqual(bidOf(monoInput(m, 3)))), { numRuns: 200 });
  });
});
