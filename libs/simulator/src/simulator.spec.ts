import { oracleDay } from './oracle';
import { fixedPolicy, optimizerPolicy, rulePolicy, runScenario } from './policies';
import { budgetBoundScenario, coldStartScenario } from './scenarios';
import { MarketSim } from './simulator';

describe('MarketSim', () => {
  it('is deterministic for a seed', () => {
    const a = runScenario(budgetBoundScenario(101, 2), rulePolicy());
    const b = runScenario(budgetBoundScenario(101, 2), rulePolicy());
    expect(a).toEqual(b);
    const c = runScenario(budgetBoundScenario(102, 2), rulePolicy());
    expect(c.days[0].gmvFen).not.toBe(a.days[0].gmvFen);
  });

  it('stops serving a plan for the day once its spend reaches the budget', () => {
    const sc = budgetBoundScenario(101, 1);
    sc.plan = { ...sc.plan, dailyBudgetFen: 10_000 };
    sc.keywords.forEach((k) => (k.initialBidFen = 2000));
    const sim = new MarketSim(sc);
    for (let h = 0; h < 24; h++) sim.serve(0, h);
    const d = sim.results[0];
    expect(d.darkAt).not.toBeNull();
    expect(d.darkAt!).toBeLessThan(12);
    expect(d.spendFen).toBeGreaterThanOrEqual(10_000 - 2000);
    // The click that crosses the budget is charged: a little over, never by more than a click per keyword.
    expect(d.spendFen).toBeLessThanOrEqual(10_000 + 2000 * sc.keywords.length);
  });

  it('reports orders late: rows grow as orders arrive over the following days', () => {
    const sim = new MarketSim(budgetBoundScenario(101, 1));
    for (let h = 0; h < 24; h++) {
      sim.deliver(sim.day0Hour + h);
      sim.serve(0, h);
    }
    const sum = (): number => sim.rows.reduce((s, rows) => s + rows.reduce((t, r) => t + r.orders, 0), 0);
    const atEndOfDay = sum();
    sim.deliver(sim.day0Hour + 24 * 16);
    const later = sum();
    expect(later).toBe(sim.results[0].orders);
    expect(atEndOfDay).toBeLessThan(later);
    expect(atEndOfDay).toBeGreaterThan(0.3 * later);
  });
});

describe('oracleDay', () => {
  it('meets the budget and the ROI target in expectation', () => {
    const sc = budgetBoundScenario();
    const budget = sc.plan.dailyBudgetFen;
    const o = oracleDay(sc, sc.regime(7), budget, 3);
    expect(o.expectedSpendFen).toBeLessThanOrEqual(0.99 * budget);
    expect(o.expectedSpendFen).toBeGreaterThan(0.9 * budget);
    expect(o.expectedGmvFen / o.expectedSpendFen).toBeGreaterThanOrEqual(3);
    const loose = oracleDay(sc, sc.regime(7), Number.MAX_SAFE_INTEGER, 3);
    expect(loose.expectedGmvFen / loose.expectedSpendFen).toBeCloseTo(3, 1);
    expect(loose.expectedGmvFen).toBeGreaterThan(o.expectedGmvFen);
  });
});

describe('the optimizer in the market', () => {
  it('beats fixed bids on a budget-bound plan without going over budget', () => {
    const sc = budgetBoundScenario(101, 4);
    const opt = runScenario(sc, optimizerPolicy());
    const fixed = runScenario(sc, fixedPolicy());
    const gmv = (r: typeof opt): number => r.days.reduce((s, d) => s + d.gmvFen, 0);
    expect(gmv(opt)).toBeGreaterThan(gmv(fixed));
    for (const d of opt.days) expect(d.spendFen).toBeLessThanOrEqual(d.budgetFen);
  });

  it('cold start: a new plan learns from nothing and spends most of its budget within a week', () => {
    const r = runScenario(coldStartScenario(303, 7), optimizerPolicy());
    const last = r.days[r.days.length - 1];
    expect(last.spendFen / last.budgetFen).toBeGreaterThan(0.8);
  });
});
