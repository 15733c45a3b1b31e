import {
  anomalyFindings,
  budgetFindings,
  cusum,
  DEFAULT_ALERT_CONFIG,
  evaluatePlanAlerts,
  meanVar,
  type PlanHourFacts,
  projectRunOut,
  residual,
  roiFindings,
  SEVERITY_RANK,
  twoPoissonZ,
} from './alerts-math';
import { mulberry32 } from './rotation';
import { DEFAULT_TRAFFIC_CURVE } from './config';

/** Orders reported at once (F = 1 at any age): the hand-checked cases stay free of the delay curve. */
const NO_DELAY = { ...DEFAULT_ALERT_CONFIG, delay: { weights: [1], tauHours: [1], windowHours: 0 } };
const flat = (over: Partial<PlanHourFacts> = {}): PlanHourFacts => ({ impressions: 1000, clicks: 100, costFen: 10_000, orders: 0, gmvFen: 0, ...over });

describe('alert statistics, by hand', () => {
  it('meanVar: [2, 4, 6] has mean 4 and sample variance 4', () => {
    expect(meanVar([2, 4, 6])).toEqual({ n: 3, mean: 4, variance: 4 });
    expect(meanVar([])).toEqual({ n: 0, mean: 0, variance: 0 });
  });

  it('residual: (14 - 10) / sqrt(max(10, 4) x (1 + 1/7)) = 1.1832', () => {
    expect(residual(14, 10, 10, 4, 7)).toBeCloseTo(4 / Math.sqrt(10 * (8 / 7)), 10);
    expect(residual(14, 10, 10, 4, 7)).toBeCloseTo(1.1832, 4);
    // Over-dispersed baseline: its own variance (25) wins over the Poisson one (10).
    expect(residual(20, 10, 10, 25, 7)).toBeCloseTo(10 / Math.sqrt(25 * (8 / 7)), 10);
  });

  it('cusum: down 0.5, 1.0, 1.5 on three residuals of -1 (k = 0.5); nulls are skipped', () => {
    expect(cusum([-1, -1, -1], 0.5)).toEqual({ down: 1.5, up: 0 });
    // down: 1.5, max(0, 1.5 + ... ) -> 1.5 - 1 - 0.5 = 0, (skip), 0 + 3 - 0.5 = 2.5; up: 0, 0.5, (skip), 0.
    expect(cusum([-2, 1, null, -3], 0.5)).toEqual({ down: 2.5, up: 0 });
  });

  it('twoPoissonZ: 60 against 100 is -40 / sqrt(160) = -3.162', () => {
    expect(twoPoissonZ(60, 100)).toBeCloseTo(-3.1623, 4);
    expect(twoPoissonZ(0, 0)).toBe(0);
  });

  it('projectRunOut on a flat curve: 120.00 spent in 10 h of a 240.00 budget runs out at 20:00', () => {
    const curve = new Array(24).fill(1 / 24);
    const p = projectRunOut(24_000, 12_000, 10, curve);
    expect(p.runOutHour).toBeCloseTo(20, 10);
    expect(p.projectedDayFen).toBeCloseTo(12_000 + 14 * 1_200, 6);
    expect(p.elapsedShare).toBeCloseTo(10 / 24, 10);
    // Half the pace lasts the day.
    expect(projectRunOut(24_000, 6_000, 10, curve).runOutHour).toBeNull();
    expect(projectRunOut(24_000, 0, 10, curve).runOutHour).toBeNull();
  });
});

/** 8 days of hours ending at local hour `lastHour`; today's hours cost `todayCostFen` each; past days a flat curve. */
function budgetDay(lastHour: number, todayCostFen: number): (PlanHourFacts | null)[] {
  const hours: (PlanHourFacts | null)[] = [];
  for (let i = 0; i < 7 * 24; i++) hours.push(flat({ impressions: 1e9, costFen: 1000 }));
  for (let h = 0; h <= lastHour; h++) hours.push(flat({ impressions: 1e9, costFen: todayCostFen }));
  return hours;
}

describe('budget rules', () => {
  it('warns at 10:00 that 12.00 an hour runs a 240.00 budget out at 20:00, before the evening peak', () => {
    const [f] = budgetFindings({ hours: budgetDay(9, 1_200), lastHourOfDay: 9, dayBudgetFen: 24_000, targetRoi: 3 });
    expect(f).toMatchObject({ type: 'budget.depleting', severity: 'warning', kind: 'projection' });
    expect(f.data.runOutHour).toBeCloseTo(20, 1);
    expect(f.data.hoursLeft).toBeCloseTo(10, 1);
    expect(f.data.spentFen).toBe(12_000);
  });

  it('goes critical when the projected run-out is 2 hours away, and warns on 80% spent', () => {
    const [crit] = budgetFindings({ hours: budgetDay(17, 1_200), lastHourOfDay: 17, dayBudgetFen: 24_000, targetRoi: 3 });
    expect(crit).toMatchObject({ type: 'budget.depleting', severity: 'critical', kind: 'projection' });
    // 81% spent at 23:00: no time left to run out, but the share rule fires.
    const [share] = budgetFindings({ hours: budgetDay(23, 810), lastHourOfDay: 23, dayBudgetFen: 24_000, targetRoi: 3 });
    expect(share).toMatchObject({ type: 'budget.depleting', severity: 'warning', kind: 'share' });
  });

  it('reports exhaustion (critical) once spend reaches 99% of the budget; nothing for a plan that lasts the day', () => {
    const [f] = budgetFindings({ hours: budgetDay(19, 1_200), lastHourOfDay: 19, dayBudgetFen: 24_000, targetRoi: 3 });
    expect(f).toMatchObject({ type: 'budget.exhausted', severity: 'critical' });
    expect(budgetFindings({ hours: budgetDay(9, 500), lastHourOfDay: 9, dayBudgetFen: 24_000, targetRoi: 3 })).toEqual([]);
  });

  it('does not project before 10% of the day’s traffic has passed', () => {
    // 01:00 on the default curve: the first two hours hold under 5% of the day.
    const hours = budgetDay(1, 5_000).map((h) => h && { ...h, impressions: 0 });
    expect(DEFAULT_TRAFFIC_CURVE[0] + DEFAULT_TRAFFIC_CURVE[1]).toBeLessThan(0.1);
    expect(budgetFindings({ hours, lastHourOfDay: 1, dayBudgetFen: 24_000, targetRoi: 3 })).toEqual([]);
  });
});

describe('roi.below_target over the last 3 days', () => {
  const hours = Array.from({ length: 72 }, () => flat({ costFen: 1000, gmvFen: 2000, orders: 1 }));
  it.each([
    [2.2, 'info'],
    [3, 'warning'],
    [5, 'critical'],
  ])('ROI 2.00 against target %s: %s', (targetRoi, severity) => {
    const [f] = roiFindings({ hours, lastHourOfDay: 23, dayBudgetFen: 0, targetRoi }, NO_DELAY);
    expect(f).toMatchObject({ type: 'roi.below_target', severity });
    expect(f.data).toMatchObject({ roi: 2, gmvFen: 144_000, costFen: 72_000, orders: 72 });
  });

  it('stays quiet at or above target, and without enough conversions to mean it', () => {
    expect(roiFindings({ hours, lastHourOfDay: 23, dayBudgetFen: 0, targetRoi: 2 }, NO_DELAY)).toEqual([]);
    const thin = Array.from({ length: 72 }, (_, i) => flat({ clicks: 2, costFen: 1000, gmvFen: i < 4 ? 2000 : 0, orders: i < 4 ? 1 : 0 }));
    expect(roiFindings({ hours: thin, lastHourOfDay: 23, dayBudgetFen: 0, targetRoi: 3 }, NO_DELAY)).toEqual([]);
  });

  it('allows for orders still to come: the same facts reported at once look better than with the delay curve', () => {
    const recent = Array.from({ length: 72 }, () => flat({ costFen: 1000, gmvFen: 2500, orders: 1 }));
    expect(roiFindings({ hours: recent, lastHourOfDay: 23, dayBudgetFen: 0, targetRoi: 2.6 }, NO_DELAY)).toHaveLength(1);
    // Delay-corrected: the last hours' cost counts only by the share of its orders reported yet.
    expect(roiFindings({ hours: recent, lastHourOfDay: 23, dayBudgetFen: 0, targetRoi: 2.6 })).toEqual([]);
  });
});

describe('anomaly rules', () => {
  /** 8 days of 100 clicks an hour at 1.00 a click, `orders` an hour; the last 6 hours replaced by `last`. */
  function series(last: Partial<PlanHourFacts>, orders = 0): PlanHourFacts[] {
    const hours = Array.from({ length: 8 * 24 }, () => flat({ orders, gmvFen: orders * 19_900 }));
    for (let i = hours.length - 6; i < hours.length; i++) hours[i] = flat({ orders, gmvFen: orders * 19_900, ...last });
    return hours;
  }

  it('clicks and spend halved for 6 hours: dynamic, critical (CUSUM 6 x (4.677 - 0.5) = 25.06 > 2h)', () => {
    const found = anomalyFindings({ hours: series({ clicks: 50, costFen: 5_000 }), lastHourOfDay: 23, dayBudgetFen: 0, targetRoi: 3 }, NO_DELAY);
    const clicks = found.find((f) => f.type === 'clicks.anomaly')!;
    // z = (50 - 100) / sqrt(100 x 8/7) = -4.6771 each hour.
    expect(clicks).toMatchObject({ severity: 'critical', kind: 'dynamic', data: { direction: 'down', cusum: 25.06, threshold: 6 } });
    expect(found.find((f) => f.type === 'spend.anomaly')).toMatchObject({ severity: 'critical', kind: 'dynamic', data: { direction: 'down', cusum: 25.06 } });
    // Today so far is -12.5% against yesterday: under the static threshold.
    expect(found.every((f) => f.kind === 'dynamic')).toBe(true);
  });

  it('two hours of a halving are a warning only (CUSUM 8.35 in (6, 12])', () => {
    const hours = series({});
    hours[hours.length - 2] = flat({ clicks: 50, costFen: 5_000 });
    hours[hours.length - 1] = flat({ clicks: 50, costFen: 5_000 });
    const f = anomalyFindings({ hours, lastHourOfDay: 23, dayBudgetFen: 0, targetRoi: 3 }, NO_DELAY).find((x) => x.type === 'clicks.anomaly')!;
    expect(f).toMatchObject({ severity: 'warning', data: { cusum: 8.35 } });
  });

  it('clicks up 50% while orders fall from 5 to 3 an hour: cvr.drop with the correlation threshold', () => {
    const found = anomalyFindings({ hours: series({ clicks: 150, costFen: 15_000, orders: 3, gmvFen: 3 * 19_900 }, 5), lastHourOfDay: 23, dayBudgetFen: 0, targetRoi: 3 }, NO_DELAY);
    const cvr = found.find((f) => f.type === 'cvr.drop')!;
    expect(cvr.severity).toBe('warning');
    // Expected orders 150 x 0.05 = 7.5 an hour: z = -4.5 / sqrt(7.5) = -1.643, CUSUM 6 x 1.143 = 6.86.
    expect(cvr.kind === 'correlation' || String(cvr.data.alsoFired).includes('correlation')).toBe(true);
    expect(found.find((f) => f.type === 'clicks.anomaly')).toMatchObject({ data: { direction: 'up' } });
  });

  it('static: today so far 60% under yesterday at 10:00 is an info alert on its own', () => {
    const hours = Array.from({ length: 8 * 24 }, () => flat({ clicks: 100 }));
    // Yesterday 00-09 had 200 clicks an hour; today 80 (flat elsewhere): -60%, z = -1200 / sqrt(2800).
    const n = hours.length;
    for (let h = 0; h < 10; h++) {
      hours[n - 10 - 24 + h] = flat({ clicks: 200, costFen: 10_000 });
      hours[n - 10 + h] = flat({ clicks: 80, costFen: 10_000 });
    }
    const f = anomalyFindings({ hours, lastHourOfDay: 9, dayBudgetFen: 0, targetRoi: 3 }, { ...NO_DELAY, cusumH: 1e9 }).find((x) => x.type === 'clicks.anomaly')!;
    expect(f).toMatchObject({ severity: 'info', kind: 'static', data: { today: 800, yesterday: 2000, change: -0.6 } });
    expect(f.data.z).toBeCloseTo(-1200 / Math.sqrt(2800), 2);
  });

  it('is silent on a flat plan, and about falling spend while the budget is (nearly) gone', () => {
    expect(anomalyFindings({ hours: series({}), lastHourOfDay: 23, dayBudgetFen: 0, targetRoi: 3 }, NO_DELAY)).toEqual([]);
    const spentOut = anomalyFindings({ hours: series({ clicks: 0, costFen: 0 }), lastHourOfDay: 23, dayBudgetFen: 180_000, targetRoi: 3 }, NO_DELAY);
    expect(spentOut.filter((f) => f.data.direction === 'down' && f.type !== 'cvr.drop')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// False alarms on a stable simulated plan: the documented bound (DEFAULT_ALERT_CONFIG).

const rng = mulberry32;

function poisson(r: () => number, lambda: number): number {
  // Knuth for the small means of one plan-hour (exp(-lambda) stays representable up to ~700).
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= r();
  } while (p > l);
  return k - 1;
}

describe('false alarms on a stable plan (the documented bound)', () => {
  it('over 120 simulated days: warning+ anomaly alerts on <= 2% of plan-days, any anomaly alert on <= 5%', () => {
    const r = rng(7);
    const days = 120;
    const delay = DEFAULT_ALERT_CONFIG.delay;
    // Each order's report delay, drawn from the delay curve's mixture (within the window).
    const drawDelay = () => {
      for (;;) {
        const u = r();
        let i = 0;
        let acc = delay.weights[0];
        while (u > acc && i < delay.weights.length - 1) acc += delay.weights[++i];
        const d = -delay.tauHours[i] * Math.log(1 - r());
        if (d <= delay.windowHours) return d;
      }
    };
    interface Hour { impressions: number; clicks: number; costFen: number; orderDelays: number[]; }
    const truth: Hour[] = [];
    for (let d = 0; d < days; d++) {
      for (let h = 0; h < 24; h++) {
        const lambda = 1500 * DEFAULT_TRAFFIC_CURVE[h];
        const clicks = poisson(r, lambda);
        let costFen = 0;
        for (let c = 0; c < clicks; c++) costFen += 80 + Math.floor(r() * 41);
        const orders = poisson(r, clicks * 0.04);
        truth.push({ impressions: clicks * 20, clicks, costFen, orderDelays: Array.from({ length: orders }, drawDelay) });
      }
    }
    const flagged = new Map<string, number>();
    let evaluated = 0;
    for (let T = 8 * 24; T <= truth.length; T++) {
      const hours: PlanHourFacts[] = truth.slice(T - 8 * 24, T).map((t, j) => {
        const i = T - 8 * 24 + j;
        const orders = t.orderDelays.filter((d) => d <= T - i - 0.5).length;
        return { impressions: t.impressions, clicks: t.clicks, costFen: t.costFen, orders, gmvFen: orders * 19_900 };
      });
      const lastHourOfDay = (T - 1) % 24;
      evaluated++;
      for (const f of anomalyFindings({ hours, lastHourOfDay, dayBudgetFen: 0, targetRoi: 3 })) {
        const key = `${f.type}|${Math.floor((T - 1) / 24)}`;
        flagged.set(key, Math.max(flagged.get(key) ?? 0, SEVERITY_RANK[f.severity]));
      }
    }
    const planDays = (evaluated / 24);
    const dayOf = (k: string) => k.split('|')[1];
    const anyDays = new Set([...flagged.keys()].map(dayOf)).size;
    const seriousDays = new Set([...flagged.entries()].filter(([, s]) => s >= 2).map(([k]) => dayOf(k))).size;
    expect(seriousDays / planDays).toBeLessThanOrEqual(0.02);
    expect(anyDays / planDays).toBeLessThanOrEqual(0.05);
  });

  it('a plan of the same size whose conversion halved over the last day is caught (warning or critical)', () => {
    const hours: PlanHourFacts[] = [];
    const r = rng(3);
    for (let i = 0; i < 8 * 24; i++) {
      const clicks = poisson(r, 1500 * DEFAULT_TRAFFIC_CURVE[i % 24]);
      const orders = poisson(r, clicks * (i >= 7 * 24 ? 0.02 : 0.04));
      hours.push({ impressions: clicks * 20, clicks, costFen: clicks * 100, orders, gmvFen: orders * 19_900 });
    }
    const found = evaluatePlanAlerts({ hours, lastHourOfDay: 23, dayBudgetFen: 0, targetRoi: 0.0001 }, NO_DELAY);
    expect(found.find((f) => f.type === 'cvr.drop')?.severity).toMatch(/warning|critical/);
  });
});
