import { DEFAULT_CONFIG, DEFAULT_TRAFFIC_CURVE } from './config';
import { reportedShare } from './stats';
import type { DelayCurve } from './types';

/**
 * Budget and performance alert rules, evaluated per plan at hour `asOf` from the plan's hourly
 * facts before it. Pure: the caller passes the hours and the local hour of day; nothing here
 * reads a clock.
 *
 * The three kinds of threshold of the practitioners' material (domain notes, "Alerting"):
 * - static: today so far against the same hours yesterday (e.g. -20%), with a two-Poisson test
 *   so that a small plan's noise does not trip it;
 * - dynamic: a CUSUM over the last 24 hours of Poisson residuals against the same hour over the
 *   previous 7 days (Page 1954, "Continuous inspection schemes", Biometrika; residuals as in
 *   Montgomery, "Introduction to Statistical Quality Control", ch. 9);
 * - correlation: clicks up while conversion falls, over the last hours.
 * Severities: info / warning / critical (the domain's reminder / warning / urgent).
 */

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
export const SEVERITY_RANK: Readonly<Record<AlertSeverity, number>> = { info: 1, warning: 2, critical: 3 };

export const RULE_ALERT_TYPES = ['budget.depleting', 'budget.exhausted', 'roi.below_target', 'spend.anomaly', 'clicks.anomaly', 'cvr.drop'] as const;
export type RuleAlertType = (typeof RULE_ALERT_TYPES)[number];

export interface AlertConfig {
  /** budget.depleting (warning) once spend passes this share of the day's budget. */
  depletingShare: number;
  /** ... and critical past this share. */
  depletingCriticalShare: number;
  /** budget.exhausted at this share: the platform stops serving when what is left is under a click. */
  exhaustedShare: number;
  /** Warn when the pacing projection runs out before this local hour (the evening peak). */
  runOutBeforeHour: number;
  /** Critical when the projected run-out is this close (hours) and before `runOutBeforeHour`. */
  criticalLeadHours: number;
  /** Project only once this share of the day's expected traffic has passed. */
  minProjectionShare: number;
  /** Pseudo-impressions of the default traffic curve when blending the plan's own (as the pacer does). */
  curvePriorImpressions: number;
  roiLookbackHours: number;
  /** roi.below_target needs this many orders, or `roiMinClicks` clicks, in the lookback. */
  roiMinOrders: number;
  roiMinClicks: number;
  /** ROI / target at or above: info; below it down to `roiCriticalRatio`: warning; below: critical. */
  roiWarningRatio: number;
  roiCriticalRatio: number;
  /** Static: relative change of today so far against the same hours yesterday... */
  staticChange: number;
  /** ... that is also this many standard deviations of a difference of two Poisson counts. */
  staticZ: number;
  staticMinHours: number;
  staticMinClicks: number;
  staticMinCostFen: number;
  staticMinOrders: number;
  baselineDays: number;
  minBaselineDays: number;
  /** CUSUM reference value k and decision interval h, in residual standard deviations. */
  cusumK: number;
  cusumH: number;
  cusumWindowHours: number;
  correlationHours: number;
  correlationClicksUp: number;
  correlationCvrDown: number;
  correlationZ: number;
  delay: DelayCurve;
}

/**
 * Thresholds. The CUSUM's k = 0.5 and h = 6 give, on i.i.d. N(0, 1) residuals, an in-control run
 * length of about 2,600 hours per detector and direction (Siegmund's approximation
 * ARL0 ~ (e^{2k(h+1.166)} - 2k(h+1.166) - 1) / (2k^2)), i.e. under one false alarm per 100
 * plan-days; it detects a sustained shift of 2 sd in about 4 hours. Static tests at 3 sd.
 * Documented bound (tested on a simulated stable plan, alerts-math.spec.ts): warning or critical
 * anomaly alerts on at most 2% of plan-days, and any anomaly alert on at most 5%.
 */
export const DEFAULT_ALERT_CONFIG: Readonly<AlertConfig> = Object.freeze({
  depletingShare: 0.8,
  depletingCriticalShare: 0.95,
  exhaustedShare: 0.99,
  runOutBeforeHour: 22,
  criticalLeadHours: 2,
  minProjectionShare: 0.1,
  curvePriorImpressions: 2000,
  roiLookbackHours: 72,
  roiMinOrders: 5,
  roiMinClicks: 300,
  roiWarningRatio: 0.8,
  roiCriticalRatio: 0.5,
  staticChange: 0.2,
  staticZ: 3,
  staticMinHours: 3,
  staticMinClicks: 30,
  staticMinCostFen: 3000,
  staticMinOrders: 5,
  baselineDays: 7,
  minBaselineDays: 4,
  cusumK: 0.5,
  cusumH: 6,
  cusumWindowHours: 24,
  correlationHours: 6,
  correlationClicksUp: 0.2,
  correlationCvrDown: 0.2,
  correlationZ: 2,
  delay: DEFAULT_CONFIG.delay,
});

/** One plan-hour of facts (the plan_stats_hourly rollup). */
export interface PlanHourFacts {
  impressions: number;
  clicks: number;
  costFen: number;
  orders: number;
  gmvFen: number;
}

export interface AlertRulesInput {
  /**
   * The plan's hours before asOf, oldest first: `hours[i]` is hour asOf - hours.length + i;
   * null where there is no row. 8 days (192 hours) feed every rule; fewer silence the rules
   * that lack their history.
   */
  hours: readonly (PlanHourFacts | null)[];
  /** Local hour of day (0-23) of the last hour, asOf - 1: its budget day is the one judged. */
  lastHourOfDay: number;
  /** Budget of that day (promo phases resolved), fen. */
  dayBudgetFen: number;
  targetRoi: number;
  /** That day's hours the schedule serves (false: multiplier 0); absent: all. */
  served?: readonly boolean[];
}

export interface AlertFinding {
  type: RuleAlertType;
  severity: AlertSeverity;
  /** Which threshold fired: `share`, `projection`, `static`, `dynamic`, `correlation`, `lookback`. */
  kind: string;
  message: string;
  /** Figures the rule decided with; keys ending in `Fen` are money in fen. */
  data: Record<string, number | string | boolean | null>;
}

const round = (x: number, d = 3) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);

/** Mean and sample variance (n - 1; 0 for a single value). */
export function meanVar(values: readonly number[]): { n: number; mean: number; variance: number } {
  const n = values.length;
  if (n === 0) return { n, mean: 0, variance: 0 };
  let s = 0;
  for (const v of values) s += v;
  const mean = s / n;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  return { n, mean, variance: n > 1 ? ss / (n - 1) : 0 };
}

/**
 * Residual of a count against its baseline: (x - mean) / sqrt(var (1 + 1/n)), with var the larger
 * of the Poisson variance (`poissonVar`, mean for counts) and the baseline's own (over-dispersed
 * traffic), floored at `floor`; (1 + 1/n) adds the uncertainty of a mean of n days.
 */
export function residual(x: number, mean: number, poissonVar: number, sampleVar: number, n: number, floor = 1): number {
  const v = Math.max(poissonVar, sampleVar, floor) * (1 + 1 / Math.max(1, n));
  return (x - mean) / Math.sqrt(v);
}

/**
 * One-sided CUSUMs over residuals (nulls skipped):
 *   down_t = max(0, down_{t-1} - z_t - k),  up_t = max(0, up_{t-1} + z_t - k).
 * Returns the statistics after the last residual; an alarm is a statistic above h.
 */
export function cusum(z: readonly (number | null)[], k: number): { down: number; up: number } {
  let down = 0;
  let up = 0;
  for (const v of z) {
    if (v === null || !Number.isFinite(v)) continue;
    down = Math.max(0, down - v - k);
    up = Math.max(0, up + v - k);
  }
  return { down, up };
}

/** Two-Poisson z of today's count x against yesterday's y (var = (x + y) x unit, unit = fen per click for money). */
export function twoPoissonZ(x: number, y: number, unit = 1): number {
  const v = (x + y) * unit;
  return v > 0 ? (x - y) / Math.sqrt(v) : 0;
}

/**
 * Expected share of the day's traffic per local hour: the plan's impressions by hour over past
 * days served through 22:00 and 23:00, blended with the default curve by pseudo-impressions
 * (as libs/bidding's pacer does), hours the schedule does not serve zeroed, normalized.
 */
export function dayCurve(pastDays: readonly (readonly number[])[], priorImpressions: number, served?: readonly boolean[]): number[] {
  const own = new Array<number>(24).fill(0);
  let n = 0;
  for (const d of pastDays) {
    if (!(d[22] > 0 && d[23] > 0)) continue;
    for (let h = 0; h < 24; h++) {
      own[h] += d[h];
      n += d[h];
    }
  }
  const curve = DEFAULT_TRAFFIC_CURVE.map((def, h) => (served && served[h] === false ? 0 : (own[h] + priorImpressions * def) / (n + priorImpressions)));
  const total = curve.reduce((a, b) => a + b, 0);
  return total > 0 ? curve.map((c) => c / total) : curve;
}

/**
 * Pacing projection: spend so far over the first `elapsedHours` hours of the day continues at
 * the same rate per unit of expected traffic (`curve`, normalized): rate = spent / S_e with S_e
 * the elapsed share; the budget runs out at the (fractional) local hour where
 * spent + rate x (share of the hours since) reaches it; null when it lasts the day or nothing
 * can be projected (no elapsed share or no spend).
 */
export function projectRunOut(budgetFen: number, spentFen: number, elapsedHours: number, curve: readonly number[]): { elapsedShare: number; projectedDayFen: number | null; runOutHour: number | null } {
  let se = 0;
  for (let h = 0; h < elapsedHours && h < 24; h++) se += curve[h];
  if (spentFen >= budgetFen) return { elapsedShare: se, projectedDayFen: spentFen, runOutHour: elapsedHours };
  if (!(se > 0) || !(spentFen > 0)) return { elapsedShare: se, projectedDayFen: null, runOutHour: null };
  const rate = spentFen / se;
  let cum = spentFen;
  let runOutHour: number | null = null;
  for (let h = elapsedHours; h < 24; h++) {
    const add = rate * curve[h];
    if (runOutHour === null && add > 0 && cum + add >= budgetFen) runOutHour = h + (budgetFen - cum) / add;
    cum += add;
  }
  return { elapsedShare: se, projectedDayFen: cum, runOutHour };
}

function sum(hours: readonly (PlanHourFacts | null)[], from: number, to: number, f: (h: PlanHourFacts, i: number) => number): number {
  let s = 0;
  for (let i = Math.max(0, from); i < to; i++) {
    const h = hours[i];
    if (h) s += f(h, i);
  }
  return s;
}

const cny = (fen: number) => (fen / 100).toFixed(2);
const pct = (x: number) => `${x >= 0 ? '+' : ''}${Math.round(x * 100)}%`;

/** The budget rules for the day of the last hour. */
export function budgetFindings(input: AlertRulesInput, cfg: AlertConfig = DEFAULT_ALERT_CONFIG): AlertFinding[] {
  const { hours, dayBudgetFen: budget } = input;
  if (!(budget > 0)) return [];
  const n = hours.length;
  const e = input.lastHourOfDay + 1;
  const dayStart = n - e;
  const spent = sum(hours, dayStart, n, (h) => h.costFen);
  const share = spent / budget;
  if (share >= cfg.exhaustedShare) {
    return [{ type: 'budget.exhausted', severity: 'critical', kind: 'share', message: `spent ${cny(spent)} of the day's budget ${cny(budget)}: the platform stops serving the plan for the rest of the day`, data: { spentFen: spent, budgetFen: budget, share: round(share), hoursElapsed: e } }];
  }
  const pastDays: number[][] = [];
  for (let d = 1; d <= 7; d++) {
    const start = dayStart - 24 * d;
    if (start < 0) break;
    pastDays.push(Array.from({ length: 24 }, (_, h) => hours[start + h]?.impressions ?? 0));
  }
  const curve = dayCurve(pastDays, cfg.curvePriorImpressions, input.served);
  const p = projectRunOut(budget, spent, e, curve);
  const runOut = p.elapsedShare >= cfg.minProjectionShare ? p.runOutHour : null;
  const data = { spentFen: spent, budgetFen: budget, share: round(share), hoursElapsed: e, projectedDayFen: p.projectedDayFen === null ? null : Math.round(p.projectedDayFen), runOutHour: runOut === null ? null : round(runOut, 2), hoursLeft: runOut === null ? null : round(runOut - e, 2) };
  const at = runOut === null ? '' : `${String(Math.floor(runOut)).padStart(2, '0')}:${String(Math.floor((runOut % 1) * 60)).padStart(2, '0')}`;
  let severity: AlertSeverity | null = null;
  let kind = 'share';
  if (share >= cfg.depletingCriticalShare) severity = 'critical';
  else if (runOut !== null && runOut < cfg.runOutBeforeHour && runOut - e <= cfg.criticalLeadHours) [severity, kind] = ['critical', 'projection'];
  else if (share >= cfg.depletingShare) severity = 'warning';
  else if (runOut !== null && runOut < cfg.runOutBeforeHour) [severity, kind] = ['warning', 'projection'];
  else if (runOut !== null && runOut < 24) [severity, kind] = ['info', 'projection'];
  if (!severity) return [];
  const message =
    kind === 'share'
      ? `spent ${Math.round(share * 100)}% of the day's budget (${cny(spent)} of ${cny(budget)}) after ${e} hours${runOut !== null ? `; at this pace it runs out at ${at}` : ''}`
      : `at this pace the day's budget (${cny(budget)}) runs out at about ${at}, ${round(runOut! - e, 1)} hours from now${runOut! < cfg.runOutBeforeHour ? ', before the evening peak' : ''}; spent ${cny(spent)} so far`;
  return [{ type: 'budget.depleting', severity, kind, message, data }];
}

/** ROI over the lookback (GMV over the cost whose orders should have been reported by now), against the target. */
export function roiFindings(input: AlertRulesInput, cfg: AlertConfig = DEFAULT_ALERT_CONFIG): AlertFinding[] {
  const { hours, targetRoi } = input;
  const n = hours.length;
  const from = n - cfg.roiLookbackHours;
  const gmv = sum(hours, from, n, (h) => h.gmvFen);
  const cost = sum(hours, from, n, (h) => h.costFen);
  const matured = sum(hours, from, n, (h, i) => h.costFen * reportedShare(n - i - 0.5, cfg.delay));
  const orders = sum(hours, from, n, (h) => h.orders);
  const clicks = sum(hours, from, n, (h) => h.clicks);
  if (!(matured > 0) || !(targetRoi > 0) || (orders < cfg.roiMinOrders && clicks < cfg.roiMinClicks)) return [];
  const roi = gmv / matured;
  if (roi >= targetRoi) return [];
  const ratio = roi / targetRoi;
  const severity: AlertSeverity = ratio >= cfg.roiWarningRatio ? 'info' : ratio >= cfg.roiCriticalRatio ? 'warning' : 'critical';
  return [
    {
      type: 'roi.below_target',
      severity,
      kind: 'lookback',
      message: `ROI over the last ${Math.round(cfg.roiLookbackHours / 24)} days is ${roi.toFixed(2)} against a target of ${targetRoi} (${orders} orders, GMV ${cny(gmv)}, spend ${cny(cost)}; recent orders still arriving are allowed for)`,
      data: { roi: round(roi), targetRoi, gmvFen: gmv, costFen: cost, maturedCostFen: Math.round(matured), orders, clicks, lookbackHours: cfg.roiLookbackHours },
    },
  ];
}

interface MetricSeries {
  /** Residual per window hour (null: no data or no baseline). */
  z: (number | null)[];
  /** Baseline mean per window hour. */
  expected: (number | null)[];
  observed: (number | null)[];
}

/** Residuals of clicks and spend (same hour over `baselineDays` days) and of orders (pooled CVR) over the window. */
export function anomalyResiduals(hours: readonly (PlanHourFacts | null)[], cfg: AlertConfig = DEFAULT_ALERT_CONFIG): { clicks: MetricSeries; spend: MetricSeries; orders: MetricSeries; cvrBaseline: number | null } {
  const n = hours.length;
  const w = Math.min(cfg.cusumWindowHours, n);
  const F = (i: number) => reportedShare(n - i - 0.5, cfg.delay);
  // Pooled conversion rate of the baseline days (hours at least a day old), delay-corrected.
  const bFrom = n - 24 * (cfg.baselineDays + 1);
  const bOrders = sum(hours, bFrom, n - 24, (h) => h.orders);
  const bMatured = sum(hours, bFrom, n - 24, (h, i) => h.clicks * F(i));
  const cvr = bMatured > 0 && bOrders > 0 ? bOrders / bMatured : null;
  const series = (): MetricSeries => ({ z: [], expected: [], observed: [] });
  const out = { clicks: series(), spend: series(), orders: series(), cvrBaseline: cvr };
  for (let t = n - w; t < n; t++) {
    const x = hours[t];
    const base: PlanHourFacts[] = [];
    for (let k = 1; k <= cfg.baselineDays; k++) {
      const b = hours[t - 24 * k];
      if (t - 24 * k >= 0 && b) base.push(b);
    }
    if (!x || base.length < cfg.minBaselineDays) {
      for (const s of [out.clicks, out.spend, out.orders]) {
        s.z.push(null);
        s.expected.push(null);
        s.observed.push(x ? 0 : null);
      }
      continue;
    }
    const c = meanVar(base.map((b) => b.clicks));
    out.clicks.z.push(residual(x.clicks, c.mean, c.mean, c.variance, c.n));
    out.clicks.expected.push(c.mean);
    out.clicks.observed.push(x.clicks);
    const s = meanVar(base.map((b) => b.costFen));
    const baseClicks = base.reduce((a, b) => a + b.clicks, 0);
    // Spend is compound Poisson: var = clicks x price^2 ~ mean x price, price = fen per click.
    const price = baseClicks > 0 ? s.mean / (baseClicks / base.length) : Math.max(1, s.mean);
    out.spend.z.push(residual(x.costFen, s.mean, s.mean * price, s.variance, s.n, price * price));
    out.spend.expected.push(s.mean);
    out.spend.observed.push(x.costFen);
    if (cvr === null) {
      out.orders.z.push(null);
      out.orders.expected.push(null);
      out.orders.observed.push(x.orders);
    } else {
      const e = x.clicks * F(t) * cvr;
      out.orders.z.push((x.orders - e) / Math.sqrt(Math.max(e, 0.25)));
      out.orders.expected.push(e);
      out.orders.observed.push(x.orders);
    }
  }
  return out;
}

/** spend.anomaly, clicks.anomaly and cvr.drop: static, dynamic and correlation thresholds; the strongest finding per type. */
export function anomalyFindings(input: AlertRulesInput, cfg: AlertConfig = DEFAULT_ALERT_CONFIG): AlertFinding[] {
  const { hours } = input;
  const n = hours.length;
  if (n < 48 || !hours[n - 1]) return [];
  const e = input.lastHourOfDay + 1;
  const todaySpent = sum(hours, n - e, n, (h) => h.costFen);
  // A plan at its budget stops serving: its falling spend and clicks are the budget rules' news.
  const atBudget = input.dayBudgetFen > 0 && todaySpent >= cfg.depletingCriticalShare * input.dayBudgetFen;
  const found: AlertFinding[] = [];
  const F = (i: number) => reportedShare(n - i - 0.5, cfg.delay);

  // Static: today so far against the same hours yesterday.
  if (e >= cfg.staticMinHours && n >= e + 24) {
    const [t0, y0] = [n - e, n - e - 24];
    const X = { clicks: sum(hours, t0, n, (h) => h.clicks), cost: sum(hours, t0, n, (h) => h.costFen), orders: sum(hours, t0, n, (h) => h.orders), matured: sum(hours, t0, n, (h, i) => h.clicks * F(i)) };
    const y1 = y0 + e;
    const Y = { clicks: sum(hours, y0, y1, (h) => h.clicks), cost: sum(hours, y0, y1, (h) => h.costFen), orders: sum(hours, y0, y1, (h) => h.orders), matured: sum(hours, y0, y1, (h, i) => h.clicks * F(i)) };
    if (Y.clicks >= cfg.staticMinClicks) {
      const change = X.clicks / Y.clicks - 1;
      const z = twoPoissonZ(X.clicks, Y.clicks);
      if (Math.abs(change) >= cfg.staticChange && Math.abs(z) >= cfg.staticZ && !(change < 0 && atBudget)) {
        found.push({ type: 'clicks.anomaly', severity: 'info', kind: 'static', message: `clicks today so far ${X.clicks}, ${pct(change)} against the same ${e} hours yesterday (${Y.clicks})`, data: { kind: 'static', direction: change < 0 ? 'down' : 'up', today: X.clicks, yesterday: Y.clicks, change: round(change), z: round(z), hours: e } });
      }
    }
    if (Y.cost >= cfg.staticMinCostFen) {
      const change = X.cost / Y.cost - 1;
      const unit = X.clicks + Y.clicks > 0 ? (X.cost + Y.cost) / (X.clicks + Y.clicks) : 1;
      const z = twoPoissonZ(X.cost, Y.cost, unit);
      if (Math.abs(change) >= cfg.staticChange && Math.abs(z) >= cfg.staticZ && !(change < 0 && atBudget)) {
        found.push({ type: 'spend.anomaly', severity: 'info', kind: 'static', message: `spend today so far ${cny(X.cost)}, ${pct(change)} against the same ${e} hours yesterday (${cny(Y.cost)})`, data: { kind: 'static', direction: change < 0 ? 'down' : 'up', todayFen: X.cost, yesterdayFen: Y.cost, change: round(change), z: round(z), hours: e } });
      }
    }
    if (Y.orders >= cfg.staticMinOrders && Y.matured > 0) {
      const expected = (X.matured * Y.orders) / Y.matured;
      const change = expected > 0 ? X.orders / expected - 1 : 0;
      const z = expected > 0 ? (X.orders - expected) / Math.sqrt(expected + (expected * expected) / Y.orders) : 0;
      if (change <= -cfg.staticChange && z <= -cfg.staticZ) {
        found.push({ type: 'cvr.drop', severity: 'info', kind: 'static', message: `conversion today so far ${pct(change)} against yesterday's rate: ${X.orders} orders where ${expected.toFixed(1)} were expected`, data: { kind: 'static', orders: X.orders, expectedOrders: round(expected, 2), change: round(change), z: round(z), hours: e } });
      }
    }
  }

  // Dynamic: CUSUM of the last hours' residuals against the same hour over the last 7 days.
  const r = anomalyResiduals(hours, cfg);
  const dynamic = (type: RuleAlertType, s: MetricSeries, what: string, money: boolean, directions: ('up' | 'down')[]) => {
    const c = cusum(s.z, cfg.cusumK);
    for (const dir of directions) {
      const stat = dir === 'down' ? c.down : c.up;
      if (stat <= cfg.cusumH) continue;
      if (dir === 'down' && atBudget && type !== 'cvr.drop') continue;
      const obs = s.observed[s.observed.length - 1];
      const exp = s.expected[s.expected.length - 1];
      const fmt = (v: number | null) => (v === null ? 'n/a' : money ? cny(v) : v.toFixed(1));
      found.push({
        type,
        severity: stat > 2 * cfg.cusumH ? 'critical' : 'warning',
        kind: 'dynamic',
        message: `${what} ${dir === 'down' ? 'below' : 'above'} the same hours of the last ${cfg.baselineDays} days for several hours (CUSUM ${stat.toFixed(1)} > ${cfg.cusumH}); last hour ${fmt(obs)} against ${fmt(exp)} expected`,
        data: { kind: 'dynamic', direction: dir, cusum: round(stat, 2), threshold: cfg.cusumH, [money ? 'lastHourFen' : 'lastHour']: obs === null ? null : round(obs, 2), [money ? 'expectedFen' : 'expected']: exp === null ? null : round(exp, 2) },
      });
    }
  };
  dynamic('clicks.anomaly', r.clicks, 'clicks', false, ['down', 'up']);
  dynamic('spend.anomaly', r.spend, 'spend', true, ['down', 'up']);
  dynamic('cvr.drop', r.orders, 'orders per click', false, ['down']);

  // Correlation: clicks up while conversion falls, over the last hours.
  const L = Math.min(cfg.correlationHours, r.clicks.z.length);
  let [C, Ce, O, Oe] = [0, 0, 0, 0];
  for (let j = r.clicks.z.length - L; j < r.clicks.z.length; j++) {
    if (r.clicks.expected[j] === null || r.orders.expected[j] === null) continue;
    C += r.clicks.observed[j]!;
    Ce += r.clicks.expected[j]!;
    O += r.orders.observed[j]!;
    Oe += r.orders.expected[j]!;
  }
  if (Ce > 0 && Oe > 0) {
    const up = C / Ce - 1;
    const zc = (C - Ce) / Math.sqrt(Math.max(Ce, 1));
    const down = O / Oe - 1;
    const zo = (O - Oe) / Math.sqrt(Oe);
    if (up >= cfg.correlationClicksUp && zc >= cfg.correlationZ && down <= -cfg.correlationCvrDown && zo <= -cfg.correlationZ) {
      found.push({
        type: 'cvr.drop',
        severity: 'warning',
        kind: 'correlation',
        message: `clicks up ${pct(up)} while conversion fell ${pct(down)} over the last ${L} hours: traffic that does not buy (check broad matches and new keywords)`,
        data: { kind: 'correlation', hours: L, clicks: C, expectedClicks: round(Ce, 1), clicksChange: round(up), orders: O, expectedOrders: round(Oe, 2), cvrChange: round(down) },
      });
    }
  }

  // The strongest finding per type (the others ride along in its data).
  const best = new Map<RuleAlertType, AlertFinding>();
  for (const f of found) {
    const b = best.get(f.type);
    if (!b || SEVERITY_RANK[f.severity] > SEVERITY_RANK[b.severity]) best.set(f.type, f);
  }
  return [...best.values()].map((f) => {
    const others = found.filter((o) => o.type === f.type && o !== f).map((o) => o.kind);
    return others.length ? { ...f, data: { ...f.data, alsoFired: others.join(',') } } : f;
  });
}

/** Every rule for one plan at asOf. */
export function evaluatePlanAlerts(input: AlertRulesInput, cfg: AlertConfig = DEFAULT_ALERT_CONFIG): AlertFinding[] {
  return [...budgetFindings(input, cfg), ...roiFindings(input, cfg), ...anomalyFindings(input, cfg)];
}
