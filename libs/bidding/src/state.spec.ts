import fc from 'fast-check';
import { DEFAULT_CONFIG } from './config';
import { estimatePlan, aggregate, halfLivesOf, keywordAggFromRows } from './estimate';
import { KeywordExplanation } from './explain';
import { optimizePlan } from './optimize';
import { advanceState, decayedStateFromRows, stateAgg, type DecayedState, type RowChange } from './state';
import type { Explanation, KeywordAgg, KeywordInput, OptimizeInput, PlanHourInput, PlanInput, StatRow } from './types';

const DAY0 = 480_000; // an hour index at local midnight

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
  paused: fc.boolean(),
  unit: fc.constantFrom('u', 'v', 'w'),
  rows: fc.array(rowArb, { maxLength: 14 }),
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
  scheduled: fc.boolean(),
});

type KwSpec = { bidFen: number; locked: boolean; paused: boolean; unit: string; rows: { age: number; impressions: number; clicks: number; costFen: number; orders: number; gmvFen: number; bidFen?: number }[]; qs: number | null; suggested: number | null };
type PlanSpec = { type: PlanInput['type']; dailyBudgetFen: number; targetRoi: number | null; minBidFen: number; span: number; cap: number | null; scheduled: boolean };

function build(p: PlanSpec, kws: KwSpec[], hourOfDay: number): OptimizeInput {
  const schedule = p.scheduled ? Array.from({ length: 7 }, (_, d) => Array.from({ length: 24 }, (_, h) => ((d + h) % 5 === 0 ? 1.5 : (d * h) % 7 === 3 ? 0 : 1))) : null;
  const plan: PlanInput = {
    id: 'p', type: p.type, status: 'active', bidStrategy: 'target_roi', dailyBudgetFen: p.dailyBudgetFen, targetRoi: p.targetRoi,
    minBidFen: p.minBidFen, maxBidFen: Math.min(99_999, p.minBidFen + p.span), maxChangePerHour: p.cap, schedule,
  };
  const asOf = DAY0 + 400 + hourOfDay;
  const keywords: KeywordInput[] = kws.map((k, i) => ({
    id: `k${i}`, unitId: k.unit, bidFen: Math.min(Math.max(k.bidFen, plan.minBidFen), plan.maxBidFen), status: k.paused ? 'paused' : 'active', locked: k.locked,
    qualityScore: k.qs, suggestedBidFen: k.suggested, rows: k.rows.map((r) => ({ ...r, hour: asOf - r.age })),
  }));
  return {
    asOf, hourOfDay, dayOfWeek: 2, date: '2025-06-04', plan, keywords,
    units: [{ id: 'u', skuPriceFen: 10_000, status: 'active' }, { id: 'v', skuPriceFen: 20_000, status: 'active' }, { id: 'w', skuPriceFen: 5_000, status: 'paused' }],
  };
}

/** The plan-hour rollup of the keywords' rows: what the worker reads from SQL. */
function rollup(keywords: readonly KeywordInput[]): PlanHourInput[] {
  const byHour = new Map<number, PlanHourInput>();
  for (const k of keywords) {
    for (const r of k.rows ?? []) {
      const h = byHour.get(r.hour) ?? { hour: r.hour, impressions: 0, costFen: 0 };
      h.impressions += r.impressions;
      h.costFen += r.costFen;
      byHour.set(r.hour, h);
    }
  }
  return [...byHour.values()];
}

/** The same input as the worker will give it: decayed state per keyword, plan-level rollup, no rows. */
function fromState(inp: OptimizeInput): OptimizeInput {
  return {
    ...inp,
    planHours: rollup(inp.keywords),
    keywords: inp.keywords.map(({ rows, ...k }) => ({ ...k, agg: keywordAggFromRows(rows ?? [], k.bidFen, inp) })),
  };
}

describe('optimizePlan from decayed state', () => {
  it('decides exactly as from rows: same bids, actions, explanations and plan summary', () => {
    fc.assert(
      fc.property(planArb, fc.array(kwArb, { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 23 }), (p, kws, hod) => {
        const inp = build(p, kws, hod);
        const a = optimizePlan(inp);
        const b = optimizePlan(fromState(inp));
        expect(b).toEqual(a);
        expect(JSON.stringify(b)).toBe(JSON.stringify(a));
      }),
      { numRuns: 400 },
    );
  });

  it('ignores rows when a keyword carries agg', () => {
    const inp = build({ type: 'core_word', dailyBudgetFen: 1e6, targetRoi: 3, minBidFen: 30, span: 5000, cap: null, scheduled: false }, [], 10);
    const rows: StatRow[] = [{ hour: inp.asOf - 2, impressions: 100, clicks: 10, costFen: 700, orders: 1, gmvFen: 10_000, bidFen: 100 }];
    const agg = keywordAggFromRows(rows, 100, inp);
    const planHours = rollup([{ id: 'a', unitId: 'u', bidFen: 100, status: 'active', locked: false, rows }]);
    const withRows = optimizePlan({ ...inp, keywords: [{ id: 'a', unitId: 'u', bidFen: 100, status: 'active', locked: false, rows }] });
    const aggOnly = optimizePlan({ ...inp, planHours, keywords: [{ id: 'a', unitId: 'u', bidFen: 100, status: 'active', locked: false, agg }] });
    const both = optimizePlan({ ...inp, planHours, keywords: [{ id: 'a', unitId: 'u', bidFen: 100, status: 'active', locked: false, agg, rows: [{ ...rows[0], orders: 50 }] }] });
    expect(aggOnly).toEqual(withRows);
    expect(both).toEqual(withRows);
  });

  it('the explanation fields are estimatePlan\'s estimates', () => {
    fc.assert(
      fc.property(planArb, fc.array(kwArb, { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 23 }), (p, kws, hod) => {
        const inp = build({ ...p, type: p.type === 'test_product' ? 'core_word' : p.type }, kws, hod);
        const cfg = DEFAULT_CONFIG;
        const { halfLife, roiHalfLife } = halfLivesOf(inp.plan.type, cfg);
        const est = estimatePlan(inp, aggregate(inp, cfg, halfLife, roiHalfLife), cfg);
        optimizePlan(inp).decisions.forEach((d, i) => {
          if (!(d.reason instanceof KeywordExplanation)) return;
          const e = est.keywords[i];
          expect(d.reason.ctr).toEqual(e.ctr);
          expect(d.reason.cvr).toEqual(e.cvr);
          expect(d.reason.orderValueFen).toEqual(e.orderValueFen);
          expect(d.reason.valuePerClickFen).toBe(e.valuePerClickFen);
          expect(d.reason.priceRatio).toBe(e.priceRatio);
          expect(d.reason.elasticity).toBe(e.elasticity);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('an explanation serializes as a plain object with the summary first', () => {
    const inp = build({ type: 'core_word', dailyBudgetFen: 1e9, targetRoi: 3, minBidFen: 30, span: 99_999, cap: null, scheduled: false }, [], 0);
    const rows: StatRow[] = [];
    for (let h = 1; h <= 72; h++) rows.push({ hour: inp.asOf - h, impressions: 200, clicks: 10, costFen: 700, orders: 1, gmvFen: 10_000, bidFen: 100 });
    const d = optimizePlan({ ...inp, keywords: [{ id: 'a', unitId: 'u', bidFen: 100, status: 'active', locked: false, rows }] }).decisions[0];
    const json = JSON.parse(JSON.stringify(d.reason)) as Explanation;
    expect(Object.keys(json)[0]).toBe('summary');
    expect(json.summary).toBe(d.reason.summary);
    expect(json.summary).toMatch(/^1\.00 -> 1\.30: value\/click \d+\.\d\d x \d\.\d{3} \(ROI binds\) \[change_cap_up\]$/);
    expect(Object.keys(json)).toEqual(['summary', 'ctr', 'cvr', 'orderValueFen', 'valuePerClickFen', 'clicks', 'maturedClicks', 'priceRatio', 'elasticity', 'roiMultiplier', 'budgetMultiplier', 'appliedMultiplier', 'binding', 'scheduleMultiplier', 'coldStart', 'explorationMargin', 'defended', 'targetServedBidFen', 'clamps']);
  });
});

// ---- the incremental state ---------------------------------------------------------------------

const near = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)) + 1e-12;

function expectNear(a: object, b: object, path = ''): void {
  for (const [k, v] of Object.entries(b)) {
    const x = (a as Record<string, unknown>)[k];
    if (typeof v === 'number') {
      if (!near(x as number, v)) throw new Error(`${path}${k}: ${String(x)} vs ${v}`);
    } else if (Array.isArray(v)) expectNear(x as object, v, `${path}${k}.`);
  }
}

const histArb = fc.record({
  startHod: fc.integer({ min: 0, max: 23 }),
  startDow: fc.integer({ min: 0, max: 6 }),
  promo: fc.boolean(),
  scheduled: fc.boolean(),
  // Each hour of the roll: the new row of the hour just ended (or none), and re-sends of older rows.
  hours: fc.array(
    fc.record({
      row: fc.option(fc.record({ impressions: fc.integer({ min: 0, max: 3000 }), clicks: fc.integer({ min: 0, max: 200 }), costFen: fc.integer({ min: 0, max: 150_000 }), bidFen: fc.integer({ min: 30, max: 5000 }) }), { nil: null }),
      resend: fc.array(fc.record({ back: fc.integer({ min: 1, max: 360 }), moreOrders: fc.integer({ min: 0, max: 5 }), moreGmv: fc.integer({ min: 0, max: 200_000 }) }), { maxLength: 3 }),
      skip: fc.integer({ min: 1, max: 3 }),
    }),
    { minLength: 1, maxLength: 60 },
  ),
  initial: fc.array(rowArb, { maxLength: 20 }),
});

describe('advanceState: the decayed state rolled forward equals the state built fresh', () => {
  it('hour by hour with new rows and re-sent older rows (more orders), within 1e-9 relative', () => {
    fc.assert(
      fc.property(histArb, (h) => {
        const plan: PlanInput = {
          id: 'p', type: h.promo ? 'promo' : 'core_word', status: 'active', bidStrategy: 'target_roi', dailyBudgetFen: 1e6, minBidFen: 30, maxBidFen: 99_999,
          schedule: h.scheduled ? Array.from({ length: 7 }, (_, d) => Array.from({ length: 24 }, (_, x) => ((d + x) % 4 === 0 ? 2 : 1))) : null,
        };
        let asOf = DAY0 + 500 + h.startHod;
        let hod = h.startHod;
        let dow = h.startDow;
        // The current version of each row by hour; rows carry bidFen, as the worker records them.
        const rows = new Map<number, StatRow>();
        for (const r of h.initial) rows.set(asOf - r.age, { ...r, hour: asOf - r.age, bidFen: r.bidFen ?? 100 });
        let state: DecayedState = decayedStateFromRows([...rows.values()], 100, { asOf, hourOfDay: hod, dayOfWeek: dow, plan });
        for (const step of h.hours) {
          const to = asOf + step.skip;
          const changes: RowChange[] = [];
          for (let hour = asOf; hour < to; hour++) {
            if (!step.row) continue;
            const r: StatRow = { hour, ...step.row, orders: 0, gmvFen: 0 };
            changes.push({ before: rows.get(hour) ?? null, after: r });
            rows.set(hour, r);
          }
          for (const rs of step.resend) {
            const old = rows.get(to - rs.back);
            if (!old) continue;
            const r: StatRow = { ...old, orders: old.orders + rs.moreOrders, gmvFen: old.gmvFen + rs.moreGmv };
            changes.push({ before: old, after: r });
            rows.set(r.hour, r);
          }
          state = advanceState(state, to, changes, 100, plan.schedule);
          hod += step.skip;
          dow = (dow + Math.floor(hod / 24)) % 7;
          hod %= 24;
          asOf = to;
          // Round-trips through JSON, as a worker storing it would.
          state = JSON.parse(JSON.stringify(state)) as DecayedState;
        }
        const fresh = decayedStateFromRows([...rows.values()], 100, { asOf, hourOfDay: hod, dayOfWeek: dow, plan });
        expect(state.asOf).toBe(fresh.asOf);
        expect(state.hourOfDay).toBe(fresh.hourOfDay);
        expect(state.dayOfWeek).toBe(fresh.dayOfWeek);
        expect(state.todayCostFen).toBe(fresh.todayCostFen);
        expect(state.rawClicks).toBe(fresh.rawClicks);
        expectNear(state, fresh);
        expectNear(stateAgg(state), stateAgg(fresh));
      }),
      { numRuns: 300 },
    );
  });

  it('the state of rows younger than the attribution window reads as the row path (keywordAggFromRows)', () => {
    fc.assert(
      fc.property(fc.array(rowArb.filter((r) => r.age <= 360), { maxLength: 30 }), fc.integer({ min: 0, max: 23 }), fc.boolean(), fc.boolean(), (rs, hod, promo, scheduled) => {
        const plan: PlanInput = {
          id: 'p', type: promo ? 'promo' : 'core_word', status: 'active', bidStrategy: 'target_roi', dailyBudgetFen: 1e6, minBidFen: 30, maxBidFen: 99_999,
          schedule: scheduled ? Array.from({ length: 7 }, (_, d) => Array.from({ length: 24 }, (_, x) => ((d * x) % 5 === 1 ? 0.5 : 1))) : null,
        };
        const at = { asOf: DAY0 + 1000 + hod, hourOfDay: hod, dayOfWeek: 3, plan };
        const rows: StatRow[] = rs.map((r) => ({ ...r, hour: at.asOf - r.age }));
        const fromRows: KeywordAgg = keywordAggFromRows(rows, 250, at);
        expectNear(stateAgg(decayedStateFromRows(rows, 250, at)), fromRows);
      }),
      { numRuns: 300 },
    );
  });

  it('rows at or after toAsOf are not yet visible; moving backwards is an error', () => {
    const plan: PlanInput = { id: 'p', type: 'core_word', status: 'active', bidStrategy: 'target_roi', dailyBudgetFen: 1e6, minBidFen: 30, maxBidFen: 99_999 };
    const at = { asOf: DAY0 + 10, hourOfDay: 10, dayOfWeek: 0, plan };
    const s = decayedStateFromRows([], 100, at);
    const future: StatRow = { hour: DAY0 + 12, impressions: 10, clicks: 1, costFen: 100, orders: 0, gmvFen: 0, bidFen: 100 };
    expect(stateAgg(advanceState(s, DAY0 + 12, [{ before: null, after: future }])).clicks).toBe(0);
    expect(() => advanceState(s, DAY0 + 9, [])).toThrow(RangeError);
  });
});
