import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { Response } from 'supertest';
import { ADMIN, createCreative, createKeywords, createPlan, createTenant, createUnit, startApi, tenantSnapshot, type Tenant, type TestApi, uniq } from './factories';

/**
 * "Bad input never yields 500": arbitrary JSON and near-misses of valid bodies (one field
 * replaced by an arbitrary value, removed, or an unknown field added) go into every POST and
 * PATCH endpoint. Whatever comes in, the API answers 2xx or a problem+json 4xx, and a 4xx
 * leaves the tenant's data as it was.
 *
 * Reproduce a failure with the seed fast-check prints: FUZZ_SEED=<seed> npm run jest -- test/fuzz
 */
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 50);
const params = { numRuns: NUM_RUNS, ...(SEED === undefined || Number.isNaN(SEED) ? {} : { seed: SEED }) };

// ---------------------------------------------------------------------------------------------
// JSON with holes JSON.stringify cannot make: numbers such as 1e400 (Infinity once parsed),
// -0 or 30-digit integers, and own `__proto__` keys.

/** A JSON token written as is into the body. */
class Raw {
  constructor(readonly text: string) {}
  toString(): string {
    return `Raw(${this.text})`;
  }
}

function toJson(v: unknown): string {
  if (v instanceof Raw) return v.text;
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .map((k) => `${JSON.stringify(k)}:${toJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

type Path = (string | number)[];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Raw);
}

function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clone) as T;
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) define(out, k, clone(v[k]));
    return out as T;
  }
  return v;
}

/** Own enumerable property, even for `__proto__`. */
function define(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Every node of a JSON value that can be replaced or removed (the root excluded). */
function nodePaths(v: unknown, at: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push([...at, i], ...nodePaths(x, [...at, i])));
  else if (isPlainObject(v)) for (const k of Object.keys(v)) out.push([...at, k], ...nodePaths(v[k], [...at, k]));
  return out;
}

function objectPaths(v: unknown, at: Path = []): Path[] {
  const out: Path[] = isPlainObject(v) ? [at] : [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...objectPaths(x, [...at, i])));
  else if (isPlainObject(v)) for (const k of Object.keys(v)) out.push(...objectPaths(v[k], [...at, k]));
  return out;
}

function getAt(v: unknown, p: Path): unknown {
  return p.reduce<unknown>((node, k) => (node as Record<string | number, unknown>)[k], v);
}

function setAt<T>(v: T, p: Path, value: unknown): T {
  const out = clone(v);
  const parent = getAt(out, p.slice(0, -1)) as Record<string, unknown> | unknown[];
  const last = p[p.length - 1];
  if (Array.isArray(parent)) parent[last as number] = value;
  else define(parent, String(last), value);
  return out;
}

function deleteAt<T>(v: T, p: Path): T {
  const out = clone(v);
  const parent = getAt(out, p.slice(0, -1)) as Record<string, unknown> | unknown[];
  const last = p[p.length - 1];
  if (Array.isArray(parent)) parent.splice(last as number, 1);
  else delete parent[String(last)];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Values that do not belong.

const rawNumber = fc
  .constantFrom('1e400', '-1e400', '1e-400', '-0', '-0.0', '1E2', '100.000', '0.1e1', '123456789012345678901234567890', '-5e-324', '1.0000000000000001', '99999999.995')
  .map((t) => new Raw(t));

const badNumber: Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  // tiny positives: round to 0 in fen or in 4-decimal ratios
  fc.double({ min: Number.MIN_VALUE, max: 0.001, noNaN: true }),
  // 3-decimal money
  fc.integer({ min: -100_000_000, max: 2_000_000_000 }).filter((n) => n % 10 !== 0).map((n) => n / 1000),
  fc.integer({ min: -10_000_000, max: -1 }).map((n) => n / 100),
  fc.constantFrom(0, -0, -1, -0.01, 0.001, 0.005, 0.29, 0.3, 0.305, 1.005, 99.99, 100.001, 999.99, 999.995, 1000, 99_999_999.99, 100_000_000, 1e21, 1e308, -1e308, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 2 ** 31, 2 ** 63),
  rawNumber,
);

/**
 * Long strings around and past the limits (30, 60, 64, 100, 2048), counted in code points,
 * UTF-16 units or "characters" with variation selectors (❤️ is two code points).
 */
const overLong: Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('x', '字', '😀', ' ', 'a b', '❤️', 'x\ufe0f', '\ufe0f', 'e\u0301'),
    fc.oneof(fc.integer({ min: 1, max: 130 }), fc.integer({ min: 131, max: 3000 })),
  )
  .map(([c, n]) => c.repeat(n));

/** Code units JSON can carry but text columns may not: NUL, controls, lone surrogates. */
const oddChar = fc.oneof(
  fc.constantFrom('\u0000', '\u0001', '\u001f', '\u007f', '\ud800', '\udfff', '\ufeff', '\u200b', '\u3000', '\ufffd', '\\', '"', "'", '%', '\n'),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
);

const badString: Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '', ' ', ' \t\n ', 'NaN', 'Infinity', '-Infinity', '1e400', '500', '100', '1.005', '0.30', 'null', 'true', '[]', '{}',
    "'; DROP TABLE plans; --", 'deleted', 'archived', 'active', 'paused', 'promo', 'core_word', 'exact', 'phrase', 'broad',
    'manual', 'target_roi', 'external', 'wall', 'UTC', 'Etc/GMT+14', '+08:00', 'Mars/Olympus', '2026-02-30', '2026-06-01',
    'https://img.example.com/a.jpg', 'javascript:alert(1)', 'http://', 'ftp://x.example/a.jpg',
    '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '01890a5d-ac96-774b-bcce-b302099a8057',
  ),
  fc.string({ unit: 'binary', maxLength: 70 }),
  fc.string({ unit: oddChar, minLength: 1, maxLength: 8 }).map((s) => `kw${s}`),
  overLong,
);

const jsonish = fc.jsonValue({ maxDepth: 2 });

const badValue: Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: badNumber },
  { weight: 4, arbitrary: badString },
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 2, arbitrary: jsonish },
  { weight: 1, arbitrary: fc.array(fc.oneof(badNumber, badString, fc.constant(null)), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>({}, [], [[]], [{}], new Raw('{"__proto__": {"polluted": true}}'), new Raw('{"constructor": {"prototype": {"polluted": true}}}')) },
);

const unknownKey: Arbitrary<string> = fc.oneof(
  fc.constantFrom('color', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' name', 'Name', 'id', 'version', 'advertiserId', 'planId', 'unitId', 'createdAt', 'status ', 'budget'),
  fc.string({ maxLength: 12 }),
);

/** A value close to `v`: the same type just past an edge, or the same content as another type. */
function tweak(v: unknown): Arbitrary<unknown> {
  if (typeof v === 'string') {
    return fc.oneof(
      fc.tuple(oddChar, fc.nat({ max: v.length })).map(([c, i]) => v.slice(0, i) + c + v.slice(i)),
      fc.integer({ min: 1, max: 130 }).map((n) => v + '\ufe0f'.repeat(n)),
      fc.tuple(fc.constantFrom('❤️', '😀', '字', 'x', 'e\u0301'), fc.integer({ min: 1, max: 130 })).map(([c, n]) => c.repeat(n)),
      fc.integer({ min: 2, max: 40 }).map((n) => v.repeat(n)),
      fc.constantFrom('', ' ', '\u3000', `  ${v}  `, v.toUpperCase(), `${v}\u0000`),
      fc.constantFrom(Number(v), v.length, null, [v], { value: v }),
    );
  }
  if (typeof v === 'number' && Number.isFinite(v)) {
    return fc.oneof(
      fc.constantFrom(-v, v + 0.001, v - 0.005, v / 1000, v * 1e6, v * 1e300, 0, Math.round(v) + 0.999, String(v), [v], new Raw('-0'), new Raw('1e400'), new Raw(`${v}e3`)),
      fc.double({ min: Number.MIN_VALUE, max: 0.0001, noNaN: true }),
      fc.double({ min: v - 1, max: v + 1, noNaN: true }),
    );
  }
  if (typeof v === 'boolean') return fc.constantFrom(String(v), v ? 1 : 0, [v], null);
  // an object or an array one level off: wrapped, emptied, doubled
  if (Array.isArray(v)) return fc.constantFrom<unknown>([v], [], [...v, ...v], v.map((x) => [x]), { ...v }, v[0]);
  if (isPlainObject(v)) return fc.constantFrom<unknown>([v], [], {}, [[v]], Object.values(v));
  return badValue;
}

/** A valid body with one or two defects: a field replaced, removed, or an unknown field added. */
function nearMiss(valid: Arbitrary<unknown>): Arbitrary<unknown> {
  const once = (v: unknown): Arbitrary<unknown> => {
    const nodes = nodePaths(v);
    const objects = objectPaths(v);
    const options: { weight: number; arbitrary: Arbitrary<unknown> }[] = [
      { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...objects), unknownKey, badValue).map(([p, k, x]) => setAt(v, [...p, k], x)) },
    ];
    if (nodes.length) {
      options.push(
        { weight: 6, arbitrary: fc.constantFrom(...nodes).chain((p) => tweak(getAt(v, p)).map((x) => setAt(v, p, x))) },
        { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...nodes), badValue).map(([p, x]) => setAt(v, p, x)) },
        { weight: 2, arbitrary: fc.constantFrom(...nodes).map((p) => deleteAt(v, p)) },
      );
    }
    return fc.oneof(...options);
  };
  return valid.chain((v) => fc.oneof({ weight: 4, arbitrary: once(v) }, { weight: 1, arbitrary: once(v).chain(once) }));
}

/** Arbitrary JSON bodies: anything at all, and objects that borrow the DTO's field names. */
function arbitraryBody(fields: string[]): Arbitrary<unknown> {
  const key = fc.oneof(fc.constantFrom(...fields), unknownKey);
  return fc.oneof(
    jsonish,
    fc.json({ maxDepth: 3 }).map((s) => new Raw(s)),
    fc.anything({ maxDepth: 2, withNullPrototype: true, key }).map((x) => JSON.parse(JSON.stringify(x) ?? 'null') as unknown),
    fc.dictionary(key, badValue, { maxKeys: 6 }),
    fc.dictionary(fc.constantFrom(...fields), badValue, { minKeys: 1, maxKeys: fields.length }),
  );
}

function fuzzBody(valid: Arbitrary<unknown>, fields: string[]): Arbitrary<unknown> {
  return fc.oneof({ weight: 1, arbitrary: arbitraryBody(fields) }, { weight: 3, arbitrary: nearMiss(valid) });
}

// ---------------------------------------------------------------------------------------------
// Valid bodies.

const label = (prefixes: string[]) => fc.tuple(fc.constantFrom(...prefixes), fc.nat({ max: 999_999_999 })).map(([p, n]) => `${p} ${n}`);
const money = (minFen: number, maxFen: number) => fc.integer({ min: minFen, max: maxFen }).map((f) => f / 100);
const schedule = fc.constantFrom(0, 0.5, 1, 1.25, 3).map((m) => Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => m)));
const promo = fc.record(
  {
    phases: fc.constant([
      { name: 'preheat', startDate: '2026-05-25', endDate: '2026-05-31' },
      { name: 'main', startDate: '2026-06-01', endDate: '2026-06-18' },
      { name: 'tail', startDate: '2026-06-19', endDate: '2026-06-20' },
    ]),
    totalBudget: money(10_000_000, 20_000_000),
  },
  { requiredKeys: ['phases'] },
);

const validAdvertiser = fc.record(
  {
    name: label(['某某旗舰店', 'fuzz-seller']), timezone: fc.constantFrom('Asia/Shanghai', 'UTC', 'America/New_York'), clock: fc.constantFrom('wall', 'external'),
    platform: fc.constantFrom('sandbox', 'csv'),
  },
  { requiredKeys: ['name'] },
);

const planFields = {
  name: label(['核心词计划', 'plan']),
  status: fc.constantFrom('active', 'paused'),
  dailyBudget: money(10_000, 10_000_000),
  targetRoi: fc.constantFrom(0.5, 1, 2.5, 3, 12.3456),
  bidStrategy: fc.constantFrom('manual', 'target_roi'),
  minBid: money(30, 500),
  maxBid: money(500, 99_999),
  schedule: fc.oneof(schedule, fc.constant(null)),
};
const validPlan = fc.oneof(
  fc.record({ ...planFields, type: fc.constantFrom('core_word', 'long_tail', 'test_product') }, { requiredKeys: ['name', 'type', 'dailyBudget', 'targetRoi'] }),
  fc.record({ ...planFields, type: fc.constant('promo'), promo }, { requiredKeys: ['name', 'type', 'dailyBudget', 'targetRoi', 'promo'] }),
);
const validPlanPatch = fc.record({ ...planFields, promo: fc.oneof(promo, fc.constant(null)) }, { requiredKeys: [] });

const unitFields = {
  name: label(['单元', 'unit']),
  skuId: fc.constantFrom('100012043978', '1', 'SKU-42'),
  skuPrice: money(1, 999_999_999),
  status: fc.constantFrom('active', 'paused'),
};
const validUnit = fc.record(unitFields, { requiredKeys: ['name', 'skuId', 'skuPrice'] });
const validUnitPatch = fc.record(unitFields, { requiredKeys: [] });

const keywordFields = {
  text: label(['连衣裙', '手机壳', 'kw']),
  matchType: fc.constantFrom('exact', 'phrase', 'broad'),
  bid: money(30, 2_000),
  status: fc.constantFrom('active', 'paused'),
  locked: fc.boolean(),
  suggestedBid: money(0, 99_999),
  qualityScore: fc.integer({ min: 1, max: 10 }),
};
const keywordItem = fc.record(keywordFields, { requiredKeys: ['text', 'matchType', 'bid'] });
const validKeywordsInUnit = fc.record({ items: fc.array(keywordItem, { minLength: 1, maxLength: 3 }) });
const validKeywordsAcrossUnits = (unitId: string) =>
  fc.record({ items: fc.array(keywordItem.map((k) => ({ ...k, unitId })), { minLength: 1, maxLength: 3 }) });
const validKeywordPatch = fc.record(
  {
    bid: money(30, 2_000),
    status: fc.constantFrom('active', 'paused'),
    locked: fc.boolean(),
    suggestedBid: fc.oneof(money(0, 99_999), fc.constant(null)),
    qualityScore: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.constant(null)),
  },
  { requiredKeys: [] },
);
const validKeywordBulkPatch = (ids: string[]) =>
  fc.record({
    items: fc.uniqueArray(
      fc.record(
        { id: fc.constantFrom(...ids), bid: money(30, 2_000), status: fc.constantFrom('active', 'paused'), locked: fc.boolean(), version: fc.integer({ min: 1, max: 3 }) },
        { requiredKeys: ['id'] },
      ),
      { minLength: 1, maxLength: 3, selector: (i) => i.id },
    ),
  });

const validNegative = fc.record({ text: label(['免费', '二手', 'neg']), matchType: fc.constantFrom('exact', 'phrase') });

const creativeFields = {
  title: label(['新品首发 限时直降', 'title']),
  imageUrl: fc.constantFrom('https://img.example.com/a.jpg', 'http://img30.360buyimg.com/n1/x.jpg', 'https://localhost/i.png'),
  status: fc.constantFrom('active', 'paused'),
};
const validCreative = fc.record(creativeFields, { requiredKeys: ['title', 'imageUrl'] });
const validCreativePatch = fc.record(creativeFields, { requiredKeys: [] });

// ---------------------------------------------------------------------------------------------
// The property.

function check(cond: unknown, what: string, res: Response, sent: string): asserts cond {
  if (!cond) throw new Error(`${what}\n  sent: ${sent.slice(0, 400)}\n  got ${res.status} ${res.headers['content-type'] ?? ''}: ${res.text?.slice(0, 400)}`);
}

/** What every answer to a bad (or accidentally good) body must look like. */
function checkAnswer(res: Response, sent: string): { rejected: boolean } {
  check(res.status < 500, 'answered 5xx', res, sent);
  check((res.status >= 200 && res.status < 300) || (res.status >= 400 && res.status < 500), 'answered neither 2xx nor 4xx', res, sent);
  if (res.status < 400) return { rejected: false };
  check(/^application\/problem\+json/.test(res.headers['content-type'] ?? ''), '4xx is not application/problem+json', res, sent);
  let problem: { status?: unknown; errors?: unknown };
  try {
    problem = JSON.parse(res.text) as typeof problem;
  } catch {
    check(false, '4xx body is not JSON', res, sent);
  }
  check(problem.status === res.status, 'problem.status differs from the HTTP status', res, sent);
  // Validation errors (and malformed JSON) name each offending field; other 400s, such as a
  // body that fails to decode, may come without `errors`.
  if (res.status === 400 && (problem.errors !== undefined || (problem as { title?: unknown }).title === 'Validation failed')) {
    check(Array.isArray(problem.errors) && problem.errors.length > 0, 'a validation 400 without errors', res, sent);
    for (const e of problem.errors as unknown[]) {
      const fe = e as { path?: unknown; message?: unknown };
      check(typeof fe?.path === 'string' && typeof fe?.message === 'string', 'an error entry without a string path and message', res, sent);
    }
  }
  return { rejected: true };
}

/** A bulk 200 whose every item failed rejected the request as surely as a 4xx. */
function allItemsFailed(res: Response, sent: string): boolean {
  const results = (res.body as { results?: unknown } | undefined)?.results;
  if (res.status !== 200 || !Array.isArray(results)) return false;
  for (const r of results as { ok?: unknown; errors?: unknown }[]) {
    if (r.ok === false) {
      check(Array.isArray(r.errors) && r.errors.length > 0, 'failed bulk item without errors', res, sent);
      for (const e of r.errors as { path?: unknown; message?: unknown }[]) {
        check(typeof e?.path === 'string' && typeof e?.message === 'string', 'a bulk item error without a string path and message', res, sent);
      }
    }
  }
  return results.every((r: { ok?: unknown }) => r.ok === false);
}

type Method = 'post' | 'patch';

interface Target {
  method: Method;
  url: () => string;
  tenant: Tenant;
  /** Runs after a 2xx, e.g. to aim at a fresh resource once the body deleted this one. */
  after?: (res: Response) => Promise<void>;
}

async function sendJson(api: TestApi, t: Target, body: unknown): Promise<{ res: Response; sent: string }> {
  const sent = toJson(body);
  const res = await api.http[t.method](t.url()).set(t.tenant.auth).set('Content-Type', 'application/json').send(sent);
  return { res, sent: `${t.method.toUpperCase()} ${t.url()} ${sent}` };
}

/** FUZZ_STATS=1 prints how the answers were spread over the statuses, per endpoint. */
const stats = new Map<string, Map<number, number>>();
function tally(name: string, status: number): void {
  if (!process.env.FUZZ_STATS) return;
  const m = stats.get(name) ?? new Map<number, number>();
  m.set(status, (m.get(status) ?? 0) + 1);
  stats.set(name, m);
}

async function fuzz(api: TestApi, t: Target, body: Arbitrary<unknown>): Promise<void> {
  await fc.assert(
    fc.asyncProperty(body, async (b) => {
      const before = await tenantSnapshot(api, t.tenant.id);
      const { res, sent } = await sendJson(api, t, b);
      tally(`${t.method.toUpperCase()} ${t.url().replace(/[0-9a-f-]{36}/g, '{id}')}`, res.status);
      const { rejected } = checkAnswer(res, sent);
      if (rejected || allItemsFailed(res, sent)) {
        check(JSON.stringify(await tenantSnapshot(api, t.tenant.id)) === JSON.stringify(before), 'a rejected request changed the tenant data', res, sent);
      } else {
        await t.after?.(res);
      }
    }),
    params,
  );
}

// ---------------------------------------------------------------------------------------------

describe('bad input never yields 500', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await api.close();
    if (stats.size) console.log([...stats].map(([k, m]) => `${k}: ${[...m].sort(([a], [b]) => a - b).map(([st, n]) => `${st}x${n}`).join(' ')}`).join('\n'));
  });

  /** A tenant with a promo plan, a unit, keywords and a creative to aim at. */
  async function world(): Promise<{ t: Tenant; planId: string; unitId: string; keywordIds: string[]; creativeId: string }> {
    const t = await createTenant(api);
    const plan = await createPlan(api, t, {
      type: 'promo',
      promo: { phases: [{ name: 'main', startDate: '2026-06-01', endDate: '2026-06-18' }], totalBudget: 100_000 },
    });
    const unit = await createUnit(api, t, plan.id);
    const keywordIds = await createKeywords(api, t, unit.id, 5);
    const creative = await createCreative(api, t, unit.id);
    return { t, planId: plan.id, unitId: unit.id, keywordIds, creativeId: creative.id };
  }

  it('POST /v1/advertisers answers 2xx or problem+json 4xx and creates nothing it rejects', async () => {
    const sentName = (b: unknown): string | undefined => {
      const n = isPlainObject(b) ? b.name : undefined;
      return typeof n === 'string' ? n.trim() : undefined;
    };
    // A name Postgres cannot even take as a parameter (NUL) cannot have been stored: count 0.
    const count = async (name: string): Promise<number> =>
      Number((await api.db.query(`SELECT count(*)::int AS n FROM advertisers WHERE name = $1`, [name]))[0].n);
    await fc.assert(
      fc.asyncProperty(fuzzBody(validAdvertiser, ['name', 'timezone', 'clock', 'platform']), async (b) => {
        const name = sentName(b);
        const before = name === undefined ? 0 : await count(name).catch(() => 0);
        const sent = toJson(b);
        const res = await api.http.post('/v1/advertisers').set(ADMIN).set('Content-Type', 'application/json').send(sent);
        tally('POST /v1/advertisers', res.status);
        const { rejected } = checkAnswer(res, sent);
        if (rejected && name !== undefined) check((await count(name).catch(() => 0)) === before, 'a rejected request created an advertiser', res, sent);
      }),
      params,
    );
  });

  it('POST /v1/plans answers 2xx or problem+json 4xx and leaves the tenant untouched on 4xx', async () => {
    const t = await createTenant(api);
    await fuzz(api, { method: 'post', url: () => '/v1/plans', tenant: t }, fuzzBody(validPlan, [...Object.keys(planFields), 'type', 'promo']));
  });

  it('PATCH /v1/plans/{id} answers 2xx or problem+json 4xx and leaves the tenant untouched on 4xx', async () => {
    const w = await world();
    await fuzz(api, { method: 'patch', url: () => `/v1/plans/${w.planId}`, tenant: w.t }, fuzzBody(validPlanPatch, [...Object.keys(planFields), 'promo']));
  });

  it('POST /v1/plans/{planId}/units answers 2xx or problem+json 4xx and leaves the tenant untouched on 4xx', async () => {
    const w = await world();
    await fuzz(api, { method: 'post', url: () => `/v1/plans/${w.planId}/units`, tenant: w.t }, fuzzBody(validUnit, Object.keys(unitFields)));
  });

  it('PATCH /v1/units/{id} answers 2xx or problem+json 4xx and leaves the tenant untouched on 4xx', async () => {
    const w = await world();
    await fuzz(api, { method: 'patch', url: () => `/v1/units/${w.unitId}`, tenant: w.t }, fuzzBody(validUnitPatch, Object.keys(unitFields)));
  });

  it('POST /v1/units/{unitId}/keywords answers 2xx or problem+json 4xx and leaves the tenant untouched when it rejects', async () => {
    const w = await world();
    await fuzz(api, { method: 'post', url: () => `/v1/units/${w.unitId}/keywords`, tenant: w.t }, fuzzBody(validKeywordsInUnit, ['items']));
  });

  it('POST /v1/keywords answers 2xx or problem+json 4xx and leaves the tenant untouched when it rejects', async () => {
    const w = await world();
    await fuzz(api, { method: 'post', url: () => '/v1/keywords', tenant: w.t }, fuzzBody(validKeywordsAcrossUnits(w.unitId), ['items']));
  });

  it('PATCH /v1/keywords (bulk) answers 2xx or problem+json 4xx and leaves the tenant untouched when it rejects', async () => {
    const w = await world();
    await fuzz(api, { method: 'patch', url: () => '/v1/keywords', tenant: w.t }, fuzzBody(validKeywordBulkPatch(w.keywordIds), ['items']));
  });

  it('PATCH /v1/keywords/{id} answers 2xx or problem+json 4xx and leaves the tenant untouched on 4xx', async () => {
    const w = await world();
    let id = w.keywordIds[0];
    const after = async (res: Response): Promise<void> => {
      if ((res.body as { status?: string }).status !== 'deleted') return;
      const created = await api.http.post(`/v1/units/${w.unitId}/keywords`).set(w.t.auth).send({ items: [{ text: uniq('kw'), matchType: 'exact', bid: 1.5 }] });
      id = created.body.results[0].id;
    };
    await fuzz(api, { method: 'patch', url: () => `/v1/keywords/${id}`, tenant: w.t, after }, fuzzBody(validKeywordPatch, ['bid', 'status', 'locked', 'suggestedBid', 'qualityScore']));
  });

  it('POST /v1/units/{unitId}/negative-keywords answers 2xx or problem+json 4xx and leaves the tenant untouched on 4xx', async () => {
    const w = await world();
    await fuzz(api, { method: 'post', url: () => `/v1/units/${w.unitId}/negative-keywords`, tenant: w.t }, fuzzBody(validNegative, ['text', 'matchType']));
  });

  it('POST /v1/units/{unitId}/creatives answers 2xx or problem+json 4xx and leaves the tenant untouched on 4xx', async () => {
    const w = await world();
    await fuzz(api, { method: 'post', url: () => `/v1/units/${w.unitId}/creatives`, tenant: w.t }, fuzzBody(validCreative, Object.keys(creativeFields)));
  });

  it('PATCH /v1/creatives/{id} answers 2xx or problem+json 4xx and leaves the tenant untouched on 4xx', async () => {
    const w = await world();
    let id = w.creativeId;
    const after = async (res: Response): Promise<void> => {
      if ((res.body as { status?: string }).status === 'deleted') id = (await createCreative(api, w.t, w.unitId)).id;
    };
    await fuzz(api, { method: 'patch', url: () => `/v1/creatives/${id}`, tenant: w.t, after }, fuzzBody(validCreativePatch, Object.keys(creativeFields)));
  });

  it('non-JSON, truncated JSON and wrong content types are answered 2xx or problem+json 4xx and change nothing on 4xx', async () => {
    const w = await world();
    const targets: { method: Method; url: string; valid: Arbitrary<unknown> }[] = [
      { method: 'post', url: '/v1/plans', valid: validPlan },
      { method: 'patch', url: `/v1/units/${w.unitId}`, valid: validUnitPatch },
      { method: 'post', url: `/v1/units/${w.unitId}/keywords`, valid: validKeywordsInUnit },
      { method: 'patch', url: `/v1/keywords`, valid: validKeywordBulkPatch(w.keywordIds) },
    ];
    const payload = (valid: Arbitrary<unknown>): Arbitrary<string | Buffer> =>
      fc.oneof(
        // truncated valid JSON
        valid.map(toJson).chain((s) => fc.integer({ min: 0, max: s.length - 1 }).map((n) => s.slice(0, n))),
        // valid JSON, sent under whatever content type is drawn
        valid.map(toJson),
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.constantFrom(
          '', ' ', '{', '}', '[', 'null', '"x"', '123', 'true', '[]', '[{}]', '{"name":', "{'name': 'x'}", '{"a":1,}', 'NaN',
          '{"dailyBudget": NaN}', '{"dailyBudget": Infinity}', '{"items": [', '{"items": [{"text": "x", "matchType": "exact", "bid": 1.5}', '\ufeff{}',
          '<xml/>', 'name=x&type=promo', '{"__proto__": {"x": 1}}', '{"constructor": {"prototype": {"x": 1}}}', '{"a":"\\ud800"}', '{"a":"\\u0000"}',
          '{"a": 1} {"b": 2}', '{"a": 1}garbage', '\u0000', '{"a": 01}', '{"a": .5}', '{"a": 1.}', '{"a": +1}', '{"a": 0x10}',
        ),
        fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
      );
    const contentType = fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=utf-16le',
      'application/json; charset=latin1',
      'application/json; charset=klingon',
      'application/merge-patch+json',
      'text/plain',
      'text/csv',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=xyz',
      'application/xml',
      'application/octet-stream',
      'garbage',
    );
    const encoding = fc.option(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown'), { freq: 5 });
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: targets.length - 1 }).chain((i) => fc.tuple(fc.constant(i), payload(targets[i].valid), contentType, encoding)),
        async ([i, body, type, enc]) => {
          const target = targets[i];
          const before = await tenantSnapshot(api, w.t.id);
          let req = api.http[target.method](target.url).set(w.t.auth).set('Content-Type', type);
          if (enc) req = req.set('Content-Encoding', enc);
          const res = await req.send(body);
          tally(`raw ${target.method.toUpperCase()} ${target.url.replace(/[0-9a-f-]{36}/g, '{id}')}`, res.status);
          const sent = `${target.method.toUpperCase()} ${target.url} [${type}${enc ? `, ${enc}` : ''}] ${JSON.stringify(body.toString())}`;
          const { rejected } = checkAnswer(res, sent);
          if (rejected || allItemsFailed(res, sent)) {
            check(JSON.stringify(await tenantSnapshot(api, w.t.id)) === JSON.stringify(before), 'a rejected request changed the tenant data', res, sent);
          }
        },
      ),
      params,
    );
  });
});
