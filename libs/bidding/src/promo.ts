import type { PlanInput, PromoInput, PromoPhaseInput, PromoPhaseName } from './types';

/** Pre-heat : main : tail = 3 : 6 : 1, the practitioners' promo budget split (domain notes). */
export const PROMO_SPLIT: Readonly<Record<PromoPhaseName, number>> = { preheat: 3, main: 6, tail: 1 };

const DAY_MS = 86_400_000;

export function dateToDay(date: string): number {
  const t = Date.parse(`${date}T00:00:00Z`);
  return Number.isFinite(t) ? Math.round(t / DAY_MS) : NaN;
}

export function dayToDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(date: string, n: number): string {
  return dayToDate(dateToDay(date) + n);
}

/** Splits a total over the phases present by 3:6:1, whole fen, remainder to the heaviest phase. */
export function splitPromoBudget(totalFen: number, names: readonly PromoPhaseName[]): Record<string, number> {
  const parts: Record<string, number> = {};
  if (!names.length) return parts;
  const weight = names.reduce((s, n) => s + PROMO_SPLIT[n], 0);
  let given = 0;
  for (const n of names) {
    parts[n] = Math.floor((totalFen * PROMO_SPLIT[n]) / weight);
    given += parts[n];
  }
  const heaviest = names.reduce((a, b) => (PROMO_SPLIT[b] > PROMO_SPLIT[a] ? b : a));
  parts[heaviest] += totalFen - given;
  return parts;
}

export function phaseOn(promo: PromoInput | null | undefined, date: string): PromoPhaseInput | null {
  if (!promo) return null;
  for (const p of promo.phases) if (p.startDate <= date && date <= p.endDate) return p;
  return null;
}

/**
 * The budget of one day. Outside promo phases: the plan's daily budget. In a phase: the phase's
 * budget (given, or 3:6:1 of the promo total) spread over its days by expected traffic
 * (`dayWeights`, uniform when absent), in whole fen: floor of the day's share, the remainder on
 * the phase's last day so a phase never spends more than its budget.
 */
export function dayBudgetFen(plan: PlanInput, date: string): number {
  const phase = phaseOn(plan.promo, date);
  if (!phase || !plan.promo) return Math.max(0, Math.floor(plan.dailyBudgetFen));
  let phaseBudget = phase.budgetFen ?? null;
  if (phaseBudget === null && typeof plan.promo.totalBudgetFen === 'number') {
    phaseBudget = splitPromoBudget(plan.promo.totalBudgetFen, plan.promo.phases.map((p) => p.name))[phase.name];
  }
  if (phaseBudget === null || !(phaseBudget >= 0)) return Math.max(0, Math.floor(plan.dailyBudgetFen));
  const start = dateToDay(phase.startDate);
  const end = dateToDay(phase.endDate);
  const today = dateToDay(date);
  let total = 0;
  let mine = 0;
  const weights: number[] = [];
  for (let d = start; d <= end; d++) {
    const w = plan.promo.dayWeights?.[dayToDate(d)];
    weights.push(typeof w === 'number' && w > 0 && Number.isFinite(w) ? w : 1);
  }
  for (let d = start; d <= end; d++) {
    const w = weights[d - start];
    total += w;
    if (d === today) mine = w;
  }
  if (today === end) {
    let given = 0;
    for (let d = start; d < end; d++) given += Math.floor((phaseBudget * weights[d - start]) / total);
    return phaseBudget - given;
  }
  return Math.floor((phaseBudget * mine) / total);
}

/** The promo ROI bar (5 by default) inside phases; the plan's own target elsewhere. */
export function targetRoiFor(plan: PlanInput, date: string, steady: number, promoRoi: number): number {
  const given = typeof plan.targetRoi === 'number' && plan.targetRoi > 0 && Number.isFinite(plan.targetRoi) ? plan.targetRoi : null;
  if (plan.type === 'promo' && phaseOn(plan.promo, date)) return given ?? promoRoi;
  return given ?? (plan.type === 'promo' ? promoRoi : steady);
}
