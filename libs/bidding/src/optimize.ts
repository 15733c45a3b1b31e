import { resolveConfig } from './config';
import { aggregate, cvrTrials, elasticity, estimateLevels, halfLivesOf, keywordValuePerClick, priceRatio, scheduleAt, scratchColumn } from './estimate';
import { bidBounds, finalizeBid } from './guardrails';
import { budgetMultiplier, hourTargetFen, roiMultiplier, servedCurve, trafficCurve, type PacingContext } from './pacing';
import { phaseOn, targetRoiFor } from './promo';
import { betaPosterior, clamp, nonNeg, shrinkOrderValue } from './stats';
import { testBidStep, unitVerdicts } from './test-product';
import type { BidDecision, Clamp, OptimizeInput, OptimizeResult, PlanSummary, UnitInput } from './types';
import { fmt, KeywordExplanation, NO_CLAMPS, sharedClamps } from './explain';

const SKIPPED_INACTIVE: Readonly<{ summary: string }> = Object.freeze({ summary: 'not optimized: keyword or unit not active' });
const LOCKED: Readonly<{ summary: string }> = Object.freeze({ summary: 'locked by the seller: never changed' });

/**
 * Bids for the hour starting at `input.asOf`, from the rows of the hours before it. Pure: the same
 * input always gives the same output, and nothing outside the input is read.
 */
export function optimizePlan(input: OptimizeInput): OptimizeResult {
  const cfg = resolveConfig(input.config);
  const plan = input.plan;
  const isPromoDay = plan.type === 'promo' && phaseOn(plan.promo, input.date) !== null;
  const fast = plan.type === 'promo';
  const { halfLife, roiHalfLife } = halfLivesOf(plan.type, cfg);
  const agg = aggregate(input, cfg, halfLife, roiHalfLife);
  const est = estimateLevels(input, agg, cfg);
  const nKw = input.keywords.length;
  // Value per click of every keyword (the plan's multipliers need all of them); the intervals of
  // the explanation are computed in the decision loop, for the keywords decided.
  const vpc = scratchColumn(6, nKw);
  for (let i = 0; i < nKw; i++) vpc[i] = keywordValuePerClick(est, agg.keywords[i], est.unitOf[i], cfg);
  const curve = trafficCurve(agg, cfg);
  const ctx: PacingContext = {
    asOf: input.asOf, hourOfDay: input.hourOfDay, dayOfWeek: input.dayOfWeek, date: input.date,
    plan, curve, cfg, hourCostFen: agg.hourCostFen,
  };
  const targetRoi = targetRoiFor(plan, input.date, cfg.steadyTargetRoi, cfg.promoTargetRoi);
  const effRoi = plan.type === 'long_tail' ? targetRoi * cfg.longTailRoiFactor : targetRoi;
  const now = hourTargetFen(ctx, input.asOf);
  const spentToday = agg.todayCostFen;
  const remainingToday = Math.max(0, now.dayBudgetFen - spentToday);
  const sched = scheduleAt(plan.schedule, input.dayOfWeek, input.hourOfDay);
  const cap = typeof plan.maxChangePerHour === 'number' && plan.maxChangePerHour >= 0 ? plan.maxChangePerHour : cfg.maxChangePerHour;
  const bounds = bidBounds(plan.minBidFen, plan.maxBidFen);
  const verdicts = plan.type === 'test_product' ? unitVerdicts(input.keywords, agg.keywords, est.units, cfg) : [];

  // Multipliers actually in force, read back from the bids in the rows: no state to persist.
  let roiCost = 0, roiCostBidOverV = 0, roiGmv = 0, roiClicks = 0, lastCost = 0, lastCostBidOverV = 0;
  let coldSpentToday = 0;
  let anyClicks = false;
  for (let i = 0; i < agg.keywords.length; i++) {
    const a = agg.keywords[i];
    const v = vpc[i];
    roiGmv += a.roiGmv;
    roiClicks += a.roiMaturedClicks;
    if (a.clicks > 0) anyClicks = true;
    if (a.clicks < cfg.coldStartClicks) coldSpentToday += a.todayCostFen;
    if (!(v > 0 && Number.isFinite(v))) continue;
    roiCost += a.roiMaturedCost;
    roiCostBidOverV += a.roiCostBid / v;
    lastCost += a.lastCostFen;
    lastCostBidOverV += a.lastCostBid / v;
  }
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
  const planHasEvidence = anyClicks || nonNeg(input.advertiser?.clicks) > 0;

  const n = nKw;
  const decisions: BidDecision[] = new Array<BidDecision>(n);
  let changed = 0, skipped = 0;
  const active = plan.status === 'active' && plan.bidStrategy === 'target_roi';
  // Everything per unit is resolved once here; the keyword loop reads it by the unit's index.
  const unitIds = est.unitIds;
  const nUnits = unitIds.length;
  const unitStatus = new Map<string, UnitInput['status']>();
  for (const u of input.units) unitStatus.set(u.id, u.status);
  const unitActive = new Array<number>(nUnits).fill(0);
  for (let j = 0; j < nUnits; j++) unitActive[j] = unitStatus.get(unitIds[j]) === 'active' ? 1 : 0;
  const unitOf = est.unitOf;
  // Test plans: every unit gets an equal share of the learning budget.
  const unitSpend = new Array<number>(nUnits).fill(0);
  for (let i = 0; i < n; i++) unitSpend[unitOf[i]] += agg.keywords[i].todayCostFen;
  const cShare = servedCurve(curve, plan.schedule, input.dayOfWeek);
  const soFarShare = cShare.slice(0, input.hourOfDay).reduce((s, x) => s + x, 0) / Math.max(1e-12, cShare.reduce((s, x) => s + x, 0));

  // Skipped and locked keywords share one (frozen) reason object each.
  const skippedWhy = active ? SKIPPED_INACTIVE : Object.freeze({ summary: `not optimized: plan ${plan.status}/${plan.bidStrategy}` });
  const coldClicks = cfg.coldStartClicks;
  const isTest = plan.type === 'test_product';
  const isCore = plan.type === 'core_word';
  const isLongTail = plan.type === 'long_tail';
  const provenClicks = cfg.provenClicks;
  const defendFactor = 1 + cfg.defendMargin;
  const explorationMargin = cfg.explorationMargin;
  const deadband = cfg.deadband;
  const budgetOut = Number.isFinite(aBudget) ? aBudget : -1;
  const scheduleClamp = sched > 0 && sched !== 1;
  const testShare = (now.dayBudgetFen * cfg.budgetSafety) / Math.max(1, verdicts.length);
  const clampsScratch: Clamp[] = [];
  const unitList = est.unitList;
  const meanQs = est.meanQualityScore;
  const kwCtrK = est.keywordCtrStrength;
  const kwCvrK = est.keywordCvrStrength;
  const kOv = cfg.orderValuePriorOrders;
  const kRho = cfg.priceRatioPriorClicks;
  const planRho = est.planPriceRatio;
  const planElasticity = est.planElasticity;

  for (let i = 0; i < n; i++) {
    const k = input.keywords[i];
    const old = k.bidFen;
    const ui = unitOf[i];
    if (!active || k.status !== 'active' || unitActive[ui] !== 1) {
      skipped++;
      decisions[i] = { keywordId: k.id, oldBidFen: old, newBidFen: old, action: 'skipped', reason: skippedWhy };
      continue;
    }
    if (k.locked) {
      decisions[i] = { keywordId: k.id, oldBidFen: old, newBidFen: old, action: 'locked', reason: LOCKED };
      continue;
    }
    const a = agg.keywords[i];
    // The keyword's estimates (estimateKeyword's formulas; v is its valuePerClickFen).
    const u = unitList[ui];
    const qs = typeof k.qualityScore === 'number' && meanQs > 0 ? clamp(k.qualityScore / meanQs, 0.5, 2) : 1;
    const ctr = betaPosterior(clamp(u.ctr.mean * qs, 1e-6, 0.999), kwCtrK, a.clicks, a.impressions);
    const cvr = betaPosterior(u.cvr.mean, kwCvrK, a.orders, cvrTrials(a.maturedClicks, a.orders));
    const orderValueFen = shrinkOrderValue(u.orderValueFen.mean, kOv, a.orders, a.gmvFen);
    const rho = priceRatio(a.costFen, a.clickBidFen, a.clicks, nonNeg(old), planRho, kRho);
    const elast = elasticity(a.lw, a.lx, a.ly, a.lxx, a.lxy, planElasticity);
    const v = vpc[i];
    const clamps = clampsScratch;
    const cold = a.clicks < coldClicks;
    let served: number;
    let margin = 0;
    let defended = false;
    // The reason text of the rare branches; null: from value per click (composed when read).
    let why: string | null = null;
    if (sched === 0) {
      clamps.push('schedule');
      served = NaN;
      why = 'not served this hour (schedule 0): bid kept';
    } else if (isTest) {
      const u = verdicts[ui];
      if (u && u.verdict !== 'keep_testing') {
        served = NaN;
        why = `unit verdict ${u.verdict}: test bids frozen`;
      } else {
        const spent = unitSpend[ui];
        const step = testBidStep(testShare * soFarShare, spent, testShare - spent);
        served = nonNeg(old) * sched * step;
        why = `test: unit spent ${fmt(spent)} of ${fmt(testShare)} share, pace step x${step.toFixed(2)}`;
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
      if (isCore && a.clicks >= provenClicks) {
        const defend = Math.min(roiBid * defendFactor, v / (effRoi * rho));
        if (defend > roiBid) {
          roiBid = defend;
          defended = true;
        }
      }
      const budgetBid = v * aBudget;
      served = Math.min(roiBid, budgetBid);
      if (budgetBid < roiBid) defended = false;
      if (cold && explorationOpen) {
        margin = explorationMargin;
        served *= 1 + margin;
      } else if (cold) clamps.push('exploration_budget');
      if (isLongTail && served > v / effRoi) {
        served = v / effRoi;
        clamps.push('long_tail_cap');
      }
    }
    const desiredBase = sched > 0 ? served / sched : NaN;
    if (scheduleClamp) clamps.push('schedule');
    const nb = finalizeBid(old, desiredBase, bounds, cap, deadband, clamps);
    const isChanged = nb !== old;
    if (isChanged) changed++;
    let kept = NO_CLAMPS;
    if (clamps.length) {
      kept = sharedClamps(clamps);
      // Emptied by pop, not `clamps.length = 0`: that makes V8 deoptimize the loop (3x slower, measured).
      while (clamps.length) clamps.pop();
    }
    const reason = new KeywordExplanation(
      old, nb, why, ctr, cvr, orderValueFen, v, a.clicks, a.maturedClicks, rho, elast,
      aRoi, budgetOut, applied, binding, sched, cold, margin, defended, Number.isFinite(served) ? served : -1, kept,
    );
    decisions[i] = { keywordId: k.id, oldBidFen: old, newBidFen: nb, action: isChanged ? 'changed' : 'unchanged', reason };
  }

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
