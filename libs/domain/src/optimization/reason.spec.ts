import { KeywordExplanation } from '@kuaiche/bidding';
import fc from 'fast-check';
import { compactReason, JsonBytes, num4, shownReason, storedReason, storedReasonLines } from './reason';

describe('num4', () => {
  it('writes the same number as Number(x.toPrecision(4)) for any double', () => {
    fc.assert(
      // Mostly the ranges the fast paths take (explanations' numbers: rates, ratios, amounts in
      // fen), and any double besides.
      fc.property(
        fc.oneof(
          fc.double({ min: -999.99, max: 999.99, noNaN: true }), fc.double({ min: 1e-9, max: 1, noNaN: true }), fc.double({ min: 999.5, max: 1e7, noNaN: true }),
          fc.double({ min: -1e16, max: 1e16, noNaN: true }), fc.double({ noNaN: false }),
        ),
        (x) => {
        const expected = Number.isInteger(x) ? String(x) : Number.isFinite(x) ? String(Number(x.toPrecision(4))) : 'null';
        expect(num4(x)).toBe(expected);
        },
      ),
      { numRuns: 50_000 },
    );
  });

  it('writes integers and full-precision numbers as String() does', () => {
    const w = new JsonBytes(1);
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double({ noNaN: false })), (x) => {
        w.reset();
        w.full(x);
        expect(w.toString()).toBe(Number.isFinite(x) ? String(x) : 'null');
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees on ties, powers of ten and values that round up to a new digit', () => {
    for (const x of [
      0.00012345, 0.12345, 1.2345, 12.345, 123.45, 0.99995, 9.9995, 99.995, 999.95, 0.001, 0.1, 1.5, 2.5e-7, 0.30000000000000004, -0.12345, -999.95, 1 / 3, 2 / 3,
      1234.5, 12345.5, 99995.5, 9999.6, 99999.5, 123456.7, -15550.5, 1e15 - 0.5, 1000.4, 20000.25, 12355.000000001,
    ]) {
      expect(num4(x)).toBe(String(Number(x.toPrecision(4))));
    }
  });
});

const interval = fc.record({ mean: fc.double({ min: 0, max: 1e5, noNaN: true }), lo: fc.double({ min: 0, max: 1e5, noNaN: true }), hi: fc.double({ min: 0, max: 1e5, noNaN: true }) });
const clampList = fc.subarray(['schedule', 'min_bid', 'change_cap_up', 'deadband', 'long_tail_cap'] as const);

describe('stored explanations', () => {
  it('a stored optimizer explanation reads back as the dry run showed it (every field, the summary line included)', () => {
    fc.assert(
      fc.property(
        fc.record({
          old: fc.integer({ min: 30, max: 99_999 }), nb: fc.integer({ min: 30, max: 99_999 }), why: fc.option(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' })), { nil: null }),
          ctr: interval, cvr: interval, ov: interval, vpc: fc.double({ min: 0.01, max: 1e5, noNaN: true }),
          clicks: fc.double({ min: 0, max: 1e4, noNaN: true }), matured: fc.double({ min: 0, max: 1e4, noNaN: true }),
          rho: fc.double({ min: 0, max: 1, noNaN: true }), elast: fc.double({ min: 0, max: 3, noNaN: true }),
          roi: fc.double({ min: 0, max: 5, noNaN: true }), budget: fc.oneof(fc.constant(-1), fc.double({ min: 0, max: 5, noNaN: true })),
          applied: fc.double({ min: 0, max: 5, noNaN: true }), binding: fc.constantFrom('roi' as const, 'budget' as const, 'none' as const),
          sched: fc.constantFrom(0, 0.5, 1, 1.3), cold: fc.boolean(), margin: fc.constantFrom(0, 0.15, 0.123456), defended: fc.boolean(),
          served: fc.oneof(fc.constant(-1), fc.double({ min: 0, max: 1e5, noNaN: true })), clamps: clampList,
        }),
        (r) => {
          const e = new KeywordExplanation(r.old, r.nb, r.why, r.ctr, r.cvr, r.ov, r.vpc, r.clicks, r.matured, r.rho, r.elast, r.roi, r.budget, r.applied, r.binding, r.sched, r.cold, r.margin, r.defended, r.served, r.clamps);
          const stored = storedReason(e);
          expect(stored.length).toBeLessThan(JSON.stringify(e).length);
          // A run's batch: the same text, one per line.
          expect(storedReasonLines([e, { summary: 'by hand' }, e]).toString('utf8')).toBe(`${stored}\n{"summary":"by hand"}\n${stored}`);
          const shown = shownReason(JSON.parse(stored), r.old, r.nb, { roiMultiplier: r.roi, budgetMultiplier: r.budget, binding: r.binding, scheduleMultiplier: r.sched });
          expect(shown).toEqual(compactReason(e));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('stores any other reason (a manual change) as it is, and shows it as stored', () => {
    const manual = { summary: 'set by hand through PATCH /v1/keywords/{id}' };
    expect(JSON.parse(storedReason(manual))).toEqual(manual);
    expect(shownReason(manual, 100, 120, null)).toEqual(manual);
  });
});
