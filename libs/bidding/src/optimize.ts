import { resolveConfig } from './config';
import { aggregate, estimatePlan, scheduleAt, type KeywordEstimate } from './estimate';
import { bidBounds, finalizeBid } from './guardrails';
import { budgetMultiplier, hourTargetFen, roiMultiplier, servedCurve, trafficCurve, type PacingContext } from './pacing';
import { phaseOn, targetRoiFor } from './promo';
import { clamp, nonNeg } from './stats';
import { testBidStep, unitVerdicts } from './test-product';
import type { BidDecision, Clamp, Explanation, OptimizeInput, OptimizeResult, PlanSummary } from './types';

const fmt = (fen: number): string => (fen / 100).toFixed(2);
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/**
 * Bids for the hour starting at `input.asOf`, from the rows of the hours before it. Pure: the same
 * input always gives the same output, and nothing outside the input is read.
 */
export function optimizePlan(input: OptimizeInput): OptimizeResult {
  const cfg = resolveConfig(input.config);
  const plan = input.plan;
  const isPromoDay = plan.type === 'promo' && phaseOn(plan.promo, input.date) !== null;
  const fast = plan.type === 'promo';
  const halfLife = fast ? cfg.promoHalfLifeHours : cfg.halfLifeHours;
  const roiHalfLife = fast ? cfg.promoRoiHalfLifeHours : cfg.roiHalfLifeHours;
  const agg = aggregate(input, cfg, halfLife, roiHalfLife);
  const est = estimatePlan(input, agg, cfg);
  const curve = trafficCurve(agg, cfg);
  const ctx: PacingContext = {
    asOf: input.asOf, hourOfDay: input.hourOfDay, dayOfWeek: input.dayOfWeek, date: input.date,
    plan, curve, cfg, hourCostFen: agg.hourCostFen,
  };
  const targetRoi = targetRoiFor(plan, input.date, cfg.steadyTargetRoi, cfg.promoTargetRoi);
  const effRoi = plan.type === 'long_tail' ? targetRoi * cfg.longTailRoiFactor : targetRoi;
  const now = hourTargetFen(ctx, input.asOf);
  const spentToday = agg.keywords.reduce((s, a) => s + a.todayCostFen, 0);
  const remainingToday = Math.max(0, now.dayBudgetFen - spentToday);
  const sched = scheduleAt(plan.schedule, input.dayOfWeek, input.hourOfDay);
  const cap = typeof plan.maxChangePerHour === 'number' && plan.maxChangePerHour >= 0 ? plan.maxChangePerHour : cfg.maxChangePerHour;
  const bounds = bidBounds(plan.minBidFen, plan.maxBidFen);
  const verdicts = plan.type === 'test_product' ? unitVerdicts(input.keywords, agg.keywords, est.units, cfg) : [];

  // Multipliers actually in force, read back from the bids in the rows: no state to persist.
  let roiCost = 0, roiCostBidOverV = 0, roiGmv = 0, roiClicks = 0, lastCost = 0, lastCostBidOverV = 0;
  let coldSpentToday = 0;
  const valid = (e: KeywordEstimate): boolean => e.valuePerClickFen > 0 && Number.isFinite(e.valuePerClickFen);
  agg.keywords.forEach((a, i) => {
    const e = est.keywords[i];
    roiGmv += a.roiGmv;
    roiClicks += a.roiMaturedClicks;
    if (a.clicks < cfg.coldStartClicks) coldSpentToday += a.todayCostFen;
    if (!valid(e)) return;
    roiCost += a.roiMaturedCost;
    roiCostBidOverV += a.roiCostBid / e.valuePerClickFen;
    lastCost += a.lastCostFen;
    lastCostBidOverV += a.lastCostBid / e.valuePerClickFen;
  });
  const roiHat = roiClicks >= cfg.minRoiEvidenceClicks && roiCost > 0 ? roiGmv / roiCost : null;
  const speed = fast ? cfg.promoSpeedup : 1;
  let aRoi = roiMultiplier({
    refApplied: roiCost > 0 ? roiCostBidOverV / roiCost : null,
    roiHat, targetRoi: effRoi, gain: cfg.roiGain, maxStep: cfg.roiMaxStep * speed,
  });
  if (plan.type === 'long_tail') aRoi = Math.min(aRoi, 1 / effRoi);
  let lastTarget = 0;
  for (let j = 1; j <= cfg.pacingLookbackHours; j++) lastTarget += hourTargetFen(ctx, input.asOf - j).targetFen;
  const lastSpend = agg.hourCostFen.slice(48 - cfg.pacingLookbackHours).reduce((s, x) => s + x, 0);
  const aBudget = budgetMultiplier({
    appliedLast: lastCost > 0 ? lastCostBidOverV / lastCost : null,
    lastTargetFen: lastTarget, lastSpendFen: lastSpend, remainingTodayFen: remainingToday,
    elasticity: est.planElasticity, gain: cfg.budgetGain * speed, maxStep: cfg.budgetMaxStep * speed,
  });
  const applied = Math.min(aRoi, aBudget);
  const binding: PlanSummary['binding'] = aBudget < aRoi ? 'budget' : 'roi';
  const explorationOpen = coldSpentToday < cfg.explorationShare * now.dayBudgetFen;
  const planHasEvidence = agg.keywords.some((a) => a.clicks > 0) || nonNeg(input.advertiser?.clicks) > 0;

  const decisions: BidDecision[] = [];
  let changed = 0, skipped = 0;
  const active = plan.status === 'active' && plan.bidStrategy === 'target_roi';
  const unitStatus = new Map(input.units.map((u) => [u.id, u.status]));
  const unitVerdict = new Map(verdicts.map((v) => [v.unitId, v]));
  // Test plans: every unit gets an equal share of the learning budget.
  const unitSpend = new Map<string, number>();
  input.keywords.forEach((k, i) => unitSpend.set(k.unitId, (unitSpend.get(k.unitId) ?? 0) + agg.keywords[i].todayCostFen));
  const cShare = servedCurve(curve, plan.schedule, input.dayOfWeek);
  const soFarShare = cShare.slice(0, input.hourOfDay).reduce((s, x) => s + x, 0) / Math.max(1e-12, cShare.reduce((s, x) => s + x, 0));

  input.keywords.forEach((k, i) => {
    const old = k.bidFen;
    if (k.status !== 'active' || unitStatus.get(k.unitId) !== 'active' || !active) {
      skipped++;
      decisions.push({ keywordId: k.id, oldBidFen: old, newBidFen: old, action: 'skipped', reason: { summary: `not optimized: ${!active ? `plan ${plan.status}/${plan.bidStrategy}` : 'keyword or unit not active'}` } });
      return;
    }
    if (k.locked) {
      decisions.push({ keywordId: k.id, oldBidFen: old, newBidFen: old, action: 'locked', reason: { summary: 'locked by the seller: never changed' } });
      return;
    }
    const e = est.keywords[i];
    const a = agg.keywords[i];
    const clamps: Clamp[] = [];
    const v = e.valuePerClickFen;
    const cold = a.clicks < cfg.coldStartClicks;
    let served: number;
    let margin = 0;
    let defended = false;
    let why: string;
    if (sched === 0) {
      clamps.push('schedule');
      served = NaN;
      why = 'not served this hour (schedule 0): bid kept';
    } else if (plan.type === 'test_product') {
      const u = unitVerdict.get(k.unitId);
      if (u && u.verdict !== 'keep_testing') {
        served = NaN;
        why = `unit verdict ${u.verdict}: test bids frozen`;
      } else {
        const units = Math.max(1, unitVerdict.size);
        const share = (now.dayBudgetFen * cfg.budgetSafety) / units;
        const step = testBidStep(share * soFarShare, unitSpend.get(k.unitId) ?? 0, share - (unitSpend.get(k.unitId) ?? 0));
        served = nonNeg(old) * sched * step;
        why = `test: unit spent ${fmt(unitSpend.get(k.unitId) ?? 0)} of ${fmt(share)} share, pace step x${step.toFixed(2)}`;
      }
    } else if (!planHasEvidence || !(v > 0)) {
      if (cold && typeof k.suggestedBidFen === 'number' && k.suggestedBidFen > 0 && a.rawClicks === 0) {
        served = k.suggestedBidFen * sched;
        why = `no data yet: start from the platform's suggested bid ${fmt(k.suggestedBidFen)}`;
      } else {
        served = NaN;
        why = 'no data to justify a change';
      }
    } else {
      // The ROI bid and the budget bid are computed side by side and the lower wins, so whichever
      // constraint binds decides; a proven core keyword may lift its ROI bid to hold rank, up to
      // its own break-even at the observed price ratio, but never past the budget bid.
      let roiBid = v * aRoi;
      if (plan.type === 'core_word' && a.clicks >= cfg.provenClicks) {
        const defend = Math.min(roiBid * (1 + cfg.defendMargin), v / (effRoi * e.priceRatio));
        if (defend > roiBid) {
          roiBid = defend;
          defended = true;
        }
      }
      const budgetBid = v * aBudget;
      served = Math.min(roiBid, budgetBid);
      if (budgetBid < roiBid) defended = false;
      if (cold && explorationOpen) {
        margin = cfg.explorationMargin;
        served *= 1 + margin;
      } else if (cold) clamps.push('exploration_budget');
      if (plan.type === 'long_tail' && served > v / effRoi) {
        served = v / effRoi;
        clamps.push('long_tail_cap');
      }
      why = `value/click ${fmt(v)} x ${(served / v).toFixed(3)} (${binding === 'budget' ? 'budget' : 'ROI'} binds)${margin ? ` +${pct(margin)} exploration` : ''}${defended ? ' +rank defence' : ''}`;
    }
    const desiredBase = sched > 0 ? served / sched : NaN;
    if (sched > 0 && sched !== 1) clamps.push('schedule');
    const nb = finalizeBid(old, desiredBase, bounds, cap, cfg.deadband, clamps);
    const action = nb !== old ? 'changed' : 'unchanged';
    if (action === 'changed') changed++;
    const reason: Explanation = {
      summary: `${action === 'changed' ? `${fmt(old)} -> ${fmt(nb)}` : `kept ${fmt(old)}`}: ${why}${clamps.length ? ` [${clamps.join(', ')}]` : ''}`,
      ctr: e.ctr, cvr: e.cvr, orderValueFen: e.orderValueFen, valuePerClickFen: v,
      clicks: a.clicks, maturedClicks: a.maturedClicks, priceRatio: e.priceRatio, elasticity: e.elasticity,
      roiMultiplier: aRoi, budgetMultiplier: Number.isFinite(aBudget) ? aBudget : -1, appliedMultiplier: applied,
      binding, scheduleMultiplier: sched, coldStart: cold, explorationMargin: margin, defended,
      targetServedBidFen: Number.isFinite(served) ? served : -1, clamps,
    };
    decisions.push({ keywordId: k.id, oldBidFen: old, newBidFen: nb, action, reason });
  });

  const summary: PlanSummary = {
    dayBudgetFen: now.dayBudgetFen, spentTodayFen: spentToday, targetSpendThisHourFen: now.targetFen,
    targetRoi, effectiveTargetRoi: effRoi, realizedRoi: roiHat,
    roiMultiplier: aRoi, budgetMultiplier: Number.isFinite(aBudget) ? aBudget : -1, binding,
    trafficShareThisHour: now.share, scheduleMultiplier: sched,
    keywordsSeen: input.keywords.length, keywordsChanged: changed, keywordsSkipped: skipped,
    note: `${isPromoDay ? 'promo phase, ' : ''}spent ${fmt(spentToday)} of ${fmt(now.dayBudgetFen)}; ROI ${roiHat === null ? 'n/a' : roiHat.toFixed(2)} vs target ${effRoi.toFixed(2)}; ${binding} binds (x${clamp(applied, 0, 1e6).toFixed(3)})`,
  };
  return { asOf: input.asOf, decisions, summary, verdicts };
}
