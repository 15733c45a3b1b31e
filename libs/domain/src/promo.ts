import { type FieldError } from './errors';
import { type PromoConfig, type PromoPhase, type PromoPhaseName } from './types';

/** Pre-heat : main : tail = 3 : 6 : 1, the practitioners' promo budget split (shared/domain.md). */
export const PROMO_SPLIT: Record<PromoPhaseName, number> = { preheat: 3, main: 6, tail: 1 };
const MIN_DAILY_FEN = 10_000;

export interface PromoInput {
  phases: { name: PromoPhaseName; startDate: string; endDate: string; budgetFen?: number }[];
  totalBudgetFen?: number;
}

export function daysInclusive(startDate: string, endDate: string): number {
  return Math.round((Date.parse(`${endDate}T00:00:00Z`) - Date.parse(`${startDate}T00:00:00Z`)) / 86_400_000) + 1;
}

/**
 * Splits `totalFen` over the phases present by their 3:6:1 weights, in whole fen; the
 * rounding remainder goes to the heaviest phase so the parts always sum to the total.
 */
export function splitPromoBudget(totalFen: number, names: PromoPhaseName[]): Record<string, number> {
  const weight = names.reduce((s, n) => s + PROMO_SPLIT[n], 0);
  const parts: Record<string, number> = {};
  let given = 0;
  for (const n of names) {
    parts[n] = Math.floor((totalFen * PROMO_SPLIT[n]) / weight);
    given += parts[n];
  }
  const heaviest = names.reduce((a, b) => (PROMO_SPLIT[b] > PROMO_SPLIT[a] ? b : a));
  parts[heaviest] += totalFen - given;
  return parts;
}

/**
 * Checks a promo calendar and resolves its budgets. Errors carry paths under `promo`.
 * Phases may not overlap or repeat; budgets are given for every phase or for none; a
 * `totalBudget` beside phase budgets must equal their sum; every phase day gets at least the
 * platform's 100 CNY minimum.
 */
export function resolvePromo(input: PromoInput): { value?: PromoConfig; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const ph = input.phases;
  const seen = new Set<string>();
  ph.forEach((p, i) => {
    if (seen.has(p.name)) errors.push({ path: `promo.phases[${i}].name`, message: `phase ${p.name} appears twice` });
    seen.add(p.name);
    if (p.endDate < p.startDate) errors.push({ path: `promo.phases[${i}].endDate`, message: 'endDate must not be before startDate' });
  });
  const order = ph.map((p, i) => ({ ...p, i })).sort((a, b) => a.startDate.localeCompare(b.startDate));
  for (let k = 1; k < order.length; k++) {
    if (order[k].startDate <= order[k - 1].endDate) {
      errors.push({ path: `promo.phases[${order[k].i}].startDate`, message: `overlaps phase ${order[k - 1].name}` });
    }
  }
  const withBudget = ph.filter((p) => p.budgetFen !== undefined).length;
  if (withBudget > 0 && withBudget < ph.length) {
    ph.forEach((p, i) => {
      if (p.budgetFen === undefined) errors.push({ path: `promo.phases[${i}].budget`, message: 'give a budget for every phase or for none' });
    });
  }
  if (errors.length) return { errors };

  let phases: PromoPhase[];
  let total: number | null = input.totalBudgetFen ?? null;
  if (withBudget === ph.length) {
    const sum = ph.reduce((s, p) => s + (p.budgetFen ?? 0), 0);
    if (total !== null && total !== sum) {
      return { errors: [{ path: 'promo.totalBudget', message: `must equal the sum of the phase budgets (${(sum / 100).toFixed(2)})` }] };
    }
    total = sum;
    phases = ph.map((p) => ({ name: p.name, startDate: p.startDate, endDate: p.endDate, budgetFen: p.budgetFen! }));
  } else if (total !== null) {
    const parts = splitPromoBudget(total, ph.map((p) => p.name));
    phases = ph.map((p) => ({ name: p.name, startDate: p.startDate, endDate: p.endDate, budgetFen: parts[p.name] }));
  } else {
    phases = ph.map((p) => ({ name: p.name, startDate: p.startDate, endDate: p.endDate, budgetFen: null }));
  }
  phases.forEach((p, i) => {
    if (p.budgetFen !== null && p.budgetFen < MIN_DAILY_FEN * daysInclusive(p.startDate, p.endDate)) {
      errors.push({
        path: withBudget ? `promo.phases[${i}].budget` : 'promo.totalBudget',
        message: `phase ${p.name} gets ${(p.budgetFen / 100).toFixed(2)} CNY over ${daysInclusive(p.startDate, p.endDate)} days, under the 100.00 CNY daily minimum`,
      });
    }
  });
  if (errors.length) return { errors };
  phases.sort((a, b) => a.startDate.localeCompare(b.startDate));
  return { value: { phases, totalBudgetFen: total }, errors: [] };
}
