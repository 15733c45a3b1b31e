/**
 * The demo's sandbox account: four plans (core-word, long-tail, test-product with 3 new SKUs,
 * promo with a 618-style calendar) as libs/simulator markets, with their hidden truth (searches,
 * CTR, CVR, order values, competitors) and the plan settings the API will hold. Seeded: the same
 * seed builds the same market.
 */
import { addDays, type PlanInput, splitPromoBudget, type UnitInput } from '@kuaiche/bidding';
import { type KeywordTruth, makeKeywords, oracleDay, type Regime, type Scenario, TRUE_CURVE, TRUE_DELAY } from '@kuaiche/simulator';

export interface DemoUnit {
  id: string;
  name: string;
  skuId: string;
  skuPriceFen: number;
}

export interface DemoPlan {
  name: string;
  type: PlanInput['type'];
  scenario: Scenario;
  units: DemoUnit[];
  /** Parallel to scenario.keywords: the keyword text the seller bids on. */
  texts: string[];
  /** The CTR multiplier of each creative of a unit (hidden truth), in creation order. */
  creativeCtr: number[];
}

export interface DemoWorld {
  seed: number;
  /** First day the optimizer runs (local date); the warm-up days before it run at the seller's bids. */
  startDate: string;
  warmupDays: number;
  days: number;
  plans: DemoPlan[];
}

const ROOTS = ['连衣裙', '雪纺裙', '碎花裙', '半身裙', '衬衫', '阔腿裤', '风衣', '针织开衫', '卫衣', 'T恤', '牛仔裤', '运动鞋', '凉鞋', '防晒衣', '睡衣', '背包'];
const MODIFIERS = ['女', '夏季', '新款', '2026', '大码', '显瘦', '纯棉', '碎花', '长款', '韩版', '高腰', '雪纺', '正品', '旗舰店', '包邮', '学生', '妈妈', '气质', '法式', '宽松', '小个子', '中长款', '过膝', '白色', '黑色', '收腰', '复古', '百搭'];

/** Distinct keyword texts for a unit (at most 60 characters, unique within the unit). */
function textsFor(root: string, n: number): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; out.length < n; i++) {
    const a = MODIFIERS[i % MODIFIERS.length];
    const b = MODIFIERS[Math.floor(i / MODIFIERS.length) % MODIFIERS.length];
    const c = Math.floor(i / (MODIFIERS.length * MODIFIERS.length));
    const text = i === 0 ? root : i < MODIFIERS.length ? `${root} ${a}` : `${b} ${root} ${a}${c ? ` ${c}` : ''}`;
    if (!seen.has(text)) {
      seen.add(text);
      out.push(text);
    }
  }
  return out;
}

const weekday = (day: number): number => 1 + 0.08 * Math.sin((2 * Math.PI * day) / 7);
const flat = (n: number, v: number): Float64Array => new Float64Array(n).fill(v);

/** Keywords in groups of 3 units (makeKeywords' shape), renamed so every group has its own units. */
function keywordsFor(seed: number, perPlan: number, coreShare: number): { keywords: KeywordTruth[]; units: UnitInput[] } {
  const perGroup = 3 * 30;
  const groups = Math.max(1, Math.ceil(perPlan / perGroup));
  const keywords: KeywordTruth[] = [];
  const units: UnitInput[] = [];
  const perUnit = Math.ceil(perPlan / (groups * 3));
  const core = Math.round(perUnit * coreShare);
  for (let g = 0; g < groups; g++) {
    const batch = makeKeywords(seed * 100 + g, core, perUnit - core);
    const unitIds = [...new Set(batch.map((k) => k.unitId))];
    for (const u of unitIds) units.push({ id: `g${g}-${u}`, skuPriceFen: u.endsWith('a') ? 12_900 : u.endsWith('b') ? 19_900 : 29_900, status: 'active' });
    for (const k of batch) keywords.push({ ...k, id: `g${g}-${k.id}`, unitId: `g${g}-${k.unitId}` });
  }
  const keep = keywords.slice(0, perPlan);
  const used = new Set(keep.map((k) => k.unitId));
  return { keywords: keep, units: units.filter((u) => used.has(u.id)) };
}

function scenario(name: string, seed: number, plan: PlanInput, kw: { keywords: KeywordTruth[]; units: UnitInput[] }, startDate: string, warmupDays: number, days: number): Scenario {
  const n = kw.keywords.length;
  return {
    name, seed, startDate: addDays(startDate, -warmupDays), warmupDays, days, plan, units: kw.units, keywords: kw.keywords,
    curve: [...TRUE_CURVE], delay: TRUE_DELAY,
    regime: (day): Regime => ({ traffic: weekday(day), war: flat(n, 1), cvr: flat(n, 1) }),
    binds: 'both', description: name,
  };
}

/** What the GMV-maximizing bids at ROI `r` would spend on day `day` with no budget. */
function need(sc: Scenario, day: number, r: number): number {
  return oracleDay(sc, sc.regime(day), Number.MAX_SAFE_INTEGER / 4, r).expectedSpendFen;
}

const plan = (id: string, type: PlanInput['type'], targetRoi: number, dailyBudgetFen: number): PlanInput => ({
  id, type, status: 'active', bidStrategy: 'target_roi', dailyBudgetFen, targetRoi, minBidFen: 30, maxBidFen: 3000, schedule: null, promo: null,
});

export function buildWorld(opts: { seed: number; days: number; keywords: number }): DemoWorld {
  const { seed, days } = opts;
  const warmupDays = 7;
  // 618 falls inside a 14-day run starting here: pre-heat 8-10 June, main 11-18, tail 19-21.
  const startDate = '2026-06-08';
  const test = Math.min(600, Math.max(3, Math.round(opts.keywords * 0.15)));
  const rest = Math.max(3, opts.keywords - test);
  const core = Math.max(3, Math.round(rest * 0.35));
  const tail = Math.max(3, Math.round(rest * 0.35));
  const promo = Math.max(3, rest - core - tail);

  const coreSc = scenario('core-word', seed + 1, plan('core', 'core_word', 3, 0), keywordsFor(seed + 1, core, 0.3), startDate, warmupDays, days);
  coreSc.plan.dailyBudgetFen = Math.max(10_000, Math.round(need(coreSc, warmupDays, 3) * 0.5));

  const tailSc = scenario('long-tail', seed + 2, plan('tail', 'long_tail', 3, 0), keywordsFor(seed + 2, tail, 0), startDate, warmupDays, days);
  tailSc.plan.dailyBudgetFen = Math.max(10_000, Math.round(need(tailSc, warmupDays, 3) * 2));

  // Three new SKUs with no history: the learning budget is spread evenly across them.
  const testKw = keywordsFor(seed + 3, test, 0.3);
  const testSc = scenario('test-product', seed + 3, plan('test', 'test_product', 2, 0), { keywords: testKw.keywords.map((k, i) => ({ ...k, unitId: testKw.units[i % 3].id })), units: testKw.units.slice(0, 3) }, startDate, 0, days);
  testSc.plan.dailyBudgetFen = Math.max(10_000, Math.round(need(testSc, 0, 2) * 0.6));

  const promoSc = scenario('618-promo', seed + 4, plan('promo', 'promo', 5, 0), keywordsFor(seed + 4, promo, 0.3), startDate, warmupDays, days);
  const factors = (date: string): { traffic: number; cvr: number } => {
    if (date >= '2026-06-08' && date <= '2026-06-10') return { traffic: 1.2, cvr: 0.8 };
    if (date === '2026-06-18') return { traffic: 4, cvr: 1.4 };
    if (date === '2026-06-17') return { traffic: 2.5, cvr: 1.3 };
    if (date >= '2026-06-11' && date <= '2026-06-16') return { traffic: 1.8, cvr: 1.3 };
    if (date >= '2026-06-19' && date <= '2026-06-21') return { traffic: 1.3, cvr: 1 };
    return { traffic: 1, cvr: 1 };
  };
  const n = promoSc.keywords.length;
  promoSc.regime = (day) => {
    const f = factors(addDays(promoSc.startDate, day));
    return { traffic: f.traffic * weekday(day), war: flat(n, 1), cvr: flat(n, f.cvr) };
  };
  const phases = [
    { name: 'preheat' as const, startDate: '2026-06-08', endDate: '2026-06-10' },
    { name: 'main' as const, startDate: '2026-06-11', endDate: '2026-06-18' },
    { name: 'tail' as const, startDate: '2026-06-19', endDate: '2026-06-21' },
  ];
  let total = 0;
  for (let d = warmupDays; d < warmupDays + 14; d++) total += need(promoSc, d, 5);
  total = Math.max(100_000, Math.round(total * 0.6));
  const split = splitPromoBudget(total, phases.map((p) => p.name));
  promoSc.plan.dailyBudgetFen = Math.max(10_000, Math.round(need(promoSc, warmupDays - 1, 5)));
  promoSc.plan.promo = { phases: phases.map((p) => ({ ...p, budgetFen: Math.max(10_000, split[p.name]) })), totalBudgetFen: null };

  const named = (sc: Scenario, name: string, type: PlanInput['type'], root: number, skus: string[]): DemoPlan => {
    const units = sc.units.map((u, i) => ({ id: u.id, name: `${skus[i % skus.length]} ${Math.floor(i / skus.length) + 1}号`.slice(0, 100), skuId: String(100012040000 + root * 1000 + i), skuPriceFen: u.skuPriceFen }));
    const byUnit = new Map<string, number>();
    const texts = sc.keywords.map((k) => {
      const j = byUnit.get(k.unitId) ?? 0;
      byUnit.set(k.unitId, j + 1);
      const u = sc.units.findIndex((x) => x.id === k.unitId);
      return textsFor(ROOTS[(root + u) % ROOTS.length], j + 1)[j];
    });
    return { name, type, scenario: sc, units, texts, creativeCtr: [1, 0.85, 1.2, 0.95] };
  };
  return {
    seed, startDate, warmupDays, days,
    plans: [
      named(coreSc, '核心词计划 · 连衣裙', 'core_word', 0, ['碎花连衣裙', '雪纺连衣裙', '法式连衣裙']),
      named(tailSc, '长尾词计划 · 夏装', 'long_tail', 3, ['衬衫', '阔腿裤', '半身裙']),
      named(testSc, '测款计划 · 秋季新品', 'test_product', 6, ['新品 针织开衫', '新品 风衣', '新品 卫衣']),
      named(promoSc, '活动计划 · 618', 'promo', 9, ['618 爆款连衣裙', '618 T恤', '618 凉鞋']),
    ],
  };
}
