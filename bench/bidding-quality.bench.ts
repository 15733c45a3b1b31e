/**
 * Bid quality: each scenario of libs/simulator, 14+ simulated days, the optimizer against fixed
 * bids, the practitioner's daily 3-day ROI rule, and the oracle. Prints PASS/MISS per goal of
 * issue 4 and never exits non-zero on a miss: the figures are the point.
 */
import { allScenarios, fixedPolicy, optimizerPolicy, oraclePolicy, rulePolicy, runScenario, scenarioTargetRoi, type RunResult, type Scenario } from '@kuaiche/simulator';
import { machineLine } from './bench-machine';

interface Row {
  policy: string;
  gmv: number;
  spend: number;
  budget: number;
  roi: number;
  use: number;
  overDays: number;
  earliestDark: number | null;
  darkDays: number;
}

function summarize(r: RunResult): Row {
  let gmv = 0, spend = 0, budget = 0, overDays = 0, darkDays = 0;
  let earliestDark: number | null = null;
  for (const d of r.days) {
    gmv += d.gmvFen;
    spend += d.spendFen;
    budget += d.budgetFen;
    if (d.spendFen > d.budgetFen) overDays++;
    if (d.darkAt !== null) {
      darkDays++;
      earliestDark = earliestDark === null ? d.darkAt : Math.min(earliestDark, d.darkAt);
    }
  }
  return { policy: r.policy, gmv, spend, budget, roi: spend > 0 ? gmv / spend : 0, use: budget > 0 ? spend / budget : 0, overDays, earliestDark, darkDays };
}

const cny = (fen: number): string => (fen / 100).toLocaleString('en-US', { maximumFractionDigits: 0 });
const hhmm = (h: number | null): string => (h === null ? '-' : `${String(Math.floor(h)).padStart(2, '0')}:${String(Math.floor((h % 1) * 60)).padStart(2, '0')}`);
const pad = (s: string, n: number): string => s.padStart(n);

function targetOf(sc: Scenario): number {
  // Spend-weighted target is what the ROI goal compares against; promo days use the promo bar.
  const dates = Array.from({ length: sc.days }, (_, i) => new Date(Date.parse(`${sc.startDate}T00:00:00Z`) + (sc.warmupDays + i) * 86_400_000).toISOString().slice(0, 10));
  return dates.reduce((s, d) => s + scenarioTargetRoi(sc, d), 0) / dates.length;
}

function main(): void {
  console.log(machineLine());
  console.log('bidding-quality: optimizer vs fixed bids, the 3-day ROI rule, and the oracle (expected-value optimum with perfect knowledge)\n');
  const t0 = Date.now();
  const goals: string[] = [];
  for (const sc of allScenarios()) {
    const ts = Date.now();
    const rows = [fixedPolicy(), rulePolicy(), optimizerPolicy(), oraclePolicy()].map((p) => summarize(runScenario(sc, p)));
    const oracle = rows.find((r) => r.policy === 'oracle')!;
    const opt = rows.find((r) => r.policy === 'optimizer')!;
    const rule = rows.find((r) => r.policy === 'rule')!;
    const target = targetOf(sc);
    console.log(`## ${sc.name} (${sc.days} days after ${sc.warmupDays} warm-up, target ROI ${target.toFixed(2)}, binds: ${sc.binds}) - ${sc.description}`);
    console.log(`${'policy'.padEnd(10)}${pad('GMV CNY', 12)}${pad('spend CNY', 12)}${pad('ROI', 7)}${pad('budget use', 12)}${pad('% oracle', 10)}${pad('over-budget days', 18)}${pad('dark days', 11)}${pad('earliest dark', 15)}`);
    for (const r of rows) {
      console.log(`${r.policy.padEnd(10)}${pad(cny(r.gmv), 12)}${pad(cny(r.spend), 12)}${pad(r.roi.toFixed(2), 7)}${pad(`${(r.use * 100).toFixed(1)}%`, 12)}${pad(`${((r.gmv / oracle.gmv) * 100).toFixed(1)}%`, 10)}${pad(String(r.overDays), 18)}${pad(String(r.darkDays), 11)}${pad(hhmm(r.earliestDark), 15)}`);
    }
    const pctOracle = opt.gmv / oracle.gmv;
    const roiErr = Math.abs(opt.roi / target - 1);
    const check = (ok: boolean, what: string): void => {
      const line = `${ok ? 'PASS' : 'MISS'}  ${sc.name}: ${what}`;
      goals.push(line);
      console.log(line);
    };
    if (sc.binds === 'budget' || sc.binds === 'roi') check(pctOracle >= 0.9, `>= 90% of oracle GMV (${(pctOracle * 100).toFixed(1)}%)`);
    if (sc.binds === 'roi' || sc.name === 'shock') check(roiErr <= 0.05, `ROI within 5% of target (${opt.roi.toFixed(2)} vs ${target.toFixed(2)}, ${(roiErr * 100).toFixed(1)}% off)`);
    if (sc.binds === 'budget') check(opt.roi >= target * 0.95, `ROI at least target - 5% while budget binds (${opt.roi.toFixed(2)} vs ${target.toFixed(2)})`);
    check(opt.overDays === 0, `daily spend never over budget (${opt.overDays} days over)`);
    if (sc.binds === 'budget' || sc.binds === 'both') check(opt.earliestDark === null || opt.earliestDark >= 22, `never dark before 22:00 (earliest ${hhmm(opt.earliestDark)})`);
    check(opt.gmv > rule.gmv, `ahead of the rule on GMV (${cny(opt.gmv)} vs ${cny(rule.gmv)} CNY; ROI ${opt.roi.toFixed(2)} vs ${rule.roi.toFixed(2)})`);
    console.log(`(${((Date.now() - ts) / 1000).toFixed(1)} s)\n`);
  }
  console.log('Goals:');
  for (const g of goals) console.log(g);
  console.log(`\ntotal ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main();
