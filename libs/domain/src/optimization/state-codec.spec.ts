import { decayedStateFromRows, resolveConfig, type StatRow } from '@kuaiche/bidding';
import fc from 'fast-check';
import { decodeState, encodeState } from './state-codec';

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
        expect(decodeState(bytes, template)).toEqual(s);
        const shifted = Buffer.alloc(bytes.length + offset);
        bytes.copy(shifted, offset);
        expect(decodeState(shifted.subarray(offset), template)).toEqual(s);
        expect(decodeState(Buffer.from(bytes.toString('base64'), 'base64'), template)).toEqual(s);
      }),
      { numRuns: 300 },
    );
  });

  it('answers null (rebuild from the facts) for another layout, a truncated state or bytes that are not float64s', () => {
    const bytes = encodeState(template);
    const otherLayout = Buffer.from(bytes);
    otherLayout.writeDoubleLE(12345, 0);
    expect(decodeState(otherLayout, template)).toBeNull();
    expect(decodeState(bytes.subarray(0, bytes.length - 8), template)).toBeNull();
    expect(decodeState(bytes.subarray(0, bytes.length - 3), template)).toBeNull();
    expect(decodeState(Buffer.alloc(0), template)).toBeNull();
  });
});
