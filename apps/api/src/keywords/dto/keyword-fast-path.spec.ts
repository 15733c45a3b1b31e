import 'reflect-metadata';
import fc from 'fast-check';
import { validateItem } from '../../common/validation';
import { fastCreateItem, fastUpdateItem } from './keyword-fast-path';
import { BulkUpdateKeywordItemDto, CreateKeywordItemDto, CreateKeywordItemWithUnitDto } from './keyword.dto';

const ID = '01a20122-1c50-7253-8834-5f148ae0264f';
// Mostly valid values, sometimes anything: both sides of the fast path get exercised.
const near = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 30 }, fc.jsonValue(), fc.constant(undefined), fc.double(), fc.string());
const withExtra = <T extends object>(rec: fc.Arbitrary<T>) =>
  fc.tuple(rec, fc.option(fc.jsonValue(), { freq: 6 })).map(([r, extra]) => (extra === null ? r : { ...r, extra }));
const money = fc.oneof({ arbitrary: fc.integer({ min: -100, max: 120_000 }).map((n) => n / 100), weight: 10 }, fc.double(), fc.constant(0.305));

const updateItem = withExtra(fc.record(
  {
    id: near(fc.constant(ID)),
    bid: near(money),
    status: near(fc.constantFrom('active', 'paused', 'deleted', 'gone')),
    locked: near(fc.boolean()),
    version: near(fc.integer({ min: -2, max: 5 })),
  },
  { requiredKeys: ['id'] },
));

const createItem = withExtra(fc.record(
  {
    unitId: near(fc.constant(ID)),
    // Mostly within the 30-character title limit, so that the accepting side is reached often.
    text: near(fc.oneof({ arbitrary: fc.string({ minLength: 1, maxLength: 30 }), weight: 4 }, fc.string({ maxLength: 70 }))),
    matchType: near(fc.constantFrom('exact', 'phrase', 'broad', 'fuzzy')),
    bid: near(money),
    status: near(fc.constantFrom('active', 'paused', 'deleted')),
    locked: near(fc.boolean()),
    suggestedBid: near(money),
    qualityScore: near(fc.integer({ min: -1, max: 12 })),
  },
  { requiredKeys: ['text', 'matchType', 'bid'] },
));

describe('bulk keyword fast path', () => {
  it('never accepts an update item that the DTO rejects', () => {
    let accepted = 0;
    fc.assert(
      fc.property(updateItem, (item) => {
        if (!fastUpdateItem(item)) return;
        accepted += 1;
        expect(validateItem(BulkUpdateKeywordItemDto, item, 'items[0]').errors).toEqual([]);
      }),
      { numRuns: 3000 },
    );
    // The generators must reach the accepting side too, or the property proves nothing.
    expect(accepted).toBeGreaterThan(20);
  });

  it('never accepts a create item that the DTO rejects, and trims the text as the DTO does', () => {
    let accepted = 0;
    fc.assert(
      fc.property(createItem, fc.boolean(), (item, withUnit) => {
        const fast = fastCreateItem(item, withUnit);
        if (!fast) return;
        accepted += 1;
        const slow = validateItem(withUnit ? CreateKeywordItemWithUnitDto : CreateKeywordItemDto, item, 'items[0]');
        expect(slow.errors).toEqual([]);
        expect(fast.text).toBe(slow.value!.text);
      }),
      { numRuns: 10_000 },
    );
    // About 40 in 10,000 runs: more than 10 fails once in millions.
    expect(accepted).toBeGreaterThan(10);
  });

  it('accepts the plain valid shapes, so the fast path is really taken', () => {
    expect(fastUpdateItem({ id: ID, bid: 1.25 })).toBeDefined();
    expect(fastUpdateItem({ id: ID, bid: 1.255 })).toBeUndefined();
    expect(fastCreateItem({ text: ' 连衣裙 ', matchType: 'exact', bid: 2 }, false)).toMatchObject({ text: '连衣裙' });
    expect(fastCreateItem({ text: 'a', matchType: 'exact', bid: 2, unitId: ID }, false)).toBeUndefined();
  });
});
