import { decayedStateFromRows, resolveConfig, type StatRow } from '@kuaiche/bidding';
import fc from 'fast-check';
import { decodeState, encodeState, encodeStateInto, stateByteLength } from './state-codec';

const CONFIG = resolveConfig();
const at = { asOf: 500_000, hourOfDay: 10, dayOfWeek: 2, plan: { type: 'core_word' as const, schedule: null } };
const template = decayedStateFromRows([], 0, at, CONFIG);

const row = fc.record({
  hour: fc.integer({ min: at.asOf - 24 * 14, max: at.asOf - 1 }),
  impressions: fc.integer({ min: 0, max: 10_000 }),
  clicks: fc.integer({ min: 0, max: 500 }),
  costFen: fc.integer({ min: 0, max: 100_000 }),
  orders: fc.integer({ min: 0, max: 20 }),
  gmvFen: fc.integer({ min: 0, max: 1_000_000 }),
});

describe('keyword state codec', () => {
  it('decodes what it encodes, from an aligned buffer and from one at any byte offset (as a pooled base64 decode gives)', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 40 }), fc.integer({ min: 30, max: 5000 }), fc.integer({ min: 0, max: 7 }), (rows, bid, offset) => {
        const s = decayedStateFromRows(rows as StatRow[], bid, at, CONFIG);
        const bytes = encodeState(s);
        const decoded = decodeState(bytes, template);
        expect(decoded).toEqual(s);
        // One shape: the same keys in the same order as a state built from rows.
        expect(Object.keys(decoded!)).toEqual(Object.keys(s));
        const shifted = Buffer.alloc(bytes.length + offset);
        bytes.copy(shifted, offset);
        expect(decodeState(shifted.subarray(offset), template)).toEqual(s);
        expect(decodeState(Buffer.from(bytes.toString('base64'), 'base64'), template)).toEqual(s);
      }),
      { numRuns: 300 },
    );
  });

  it('stores every state of a configuration in the same bytes, without the configuration, side by side in one buffer', () => {
    fc.assert(
      fc.property(fc.array(fc.array(row, { maxLength: 20 }), { minLength: 1, maxLength: 8 }), (perKeyword) => {
        const states = perKeyword.map((rows, i) => decayedStateFromRows(rows as StatRow[], 100 + i, at, CONFIG));
        const size = stateByteLength(template);
        const all = Buffer.alloc(states.length * size);
        let offset = 0;
        for (const s of states) {
          expect(encodeState(s).length).toBe(size);
          offset = encodeStateInto(s, all, offset);
        }
        expect(offset).toBe(all.length);
        states.forEach((s, i) => expect(decodeState(all.subarray(i * size, (i + 1) * size), template)).toEqual(s));
      }),
      { numRuns: 100 },
    );
    // The half-lives and the delay curve are the configuration's: the same in every state, so not stored.
    const varying = Object.entries(template).reduce((n, [, v]) => n + (Array.isArray(v) ? v.length : 1), 0);
    const config = template.delayWeights.length + template.delayTauHours.length + 4;
    expect(stateByteLength(template)).toBe(8 * (1 + varying - config));
  });

  it("decodes to null under another configuration: a promo plan's half-lives, another delay curve", () => {
    const promoAt = { ...at, plan: { ...at.plan, type: 'promo' as const } };
    const promo = decayedStateFromRows([{ hour: at.asOf - 3, impressions: 100, clicks: 5, costFen: 400, orders: 1, gmvFen: 9900 }], 150, promoAt, CONFIG);
    expect(promo.halfLifeHours).not.toBe(template.halfLifeHours);
    expect(decodeState(encodeState(promo), template)).toBeNull();
    expect(decodeState(encodeState(promo), decayedStateFromRows([], 0, promoAt, CONFIG))).toEqual(promo);
    const otherCurve = resolveConfig({ delay: { ...CONFIG.delay, tauHours: [3, 20, 120] } });
    const curved = decayedStateFromRows([], 0, at, otherCurve);
    expect(stateByteLength(curved)).toBe(stateByteLength(template));
    expect(decodeState(encodeState(curved), template)).toBeNull();
    expect(decodeState(encodeState(template), curved)).toBeNull();
    // Other lengths: four delay components, five pacing slots.
    const longer = resolveConfig({ delay: { ...CONFIG.delay, weights: [0.4, 0.3, 0.2, 0.05], tauHours: [2, 12, 48, 200] }, pacingLookbackHours: 5 });
    const rows = [1, 2, 3, 4, 6, 30].map((age) => ({ hour: at.asOf - age, impressions: 100 * age, clicks: age, costFen: 40 * age, orders: age % 2, gmvFen: 9900 * (age % 2) }));
    const s = decayedStateFromRows(rows, 150, at, longer);
    expect([s.clicksQ.length, s.recentHour.length]).toEqual([4, 5]);
    expect(decodeState(encodeState(s), decayedStateFromRows([], 0, at, longer))).toEqual(s);
  });

  it('answers null (rebuild from the facts) for another layout, a truncated state or bytes that are not float64s', () => {
    const bytes = encodeState(template);
    const otherLayout = Buffer.from(bytes);
    otherLayout.writeDoubleLE(12345, 0);
    expect(decodeState(otherLayout, template)).toBeNull();
    expect(decodeState(bytes.subarray(0, bytes.length - 8), template)).toBeNull();
    expect(decodeState(bytes.subarray(0, bytes.length - 3), template)).toBeNull();
    expect(decodeState(Buffer.alloc(0), template)).toBeNull();
    // A keyword without a state reads as zeros of the state's size.
    expect(decodeState(Buffer.alloc(stateByteLength(template)), template)).toBeNull();
  });
});
