/**
 * Creative rotation in libs/simulator's market (issue 6). 50 units x 4 creatives whose CTR
 * multipliers the policies never see, 14 days served hour by hour:
 *   - equal split for 14 days (the hand-run test without a verdict), for reference;
 *   - equal test: even split until the always-valid sequential test decides, then winner takes all;
 *   - epsilon-greedy (10% explore, the rest to the best observed CTR);
 *   - bandit: Thompson weights with the 5% floor, the Scott + sequential decision, winner takes all.
 * Then the Chapelle & Li 2011 setup (10 arms, batched updates): Thompson against UCB1; and the
 * decision rules' calibration under daily peeking (A/A and A/B). Prints PASS/MISS per goal and
 * never exits non-zero on a miss: the figures are the point.
 */
import { type ArmHour, bestArm, mulberry32, posteriors, rotateExperiment, rotationConfig, seedFrom, thompsonWeights, type RotationMetric, type RotationMode } from '@kuaiche/bidding';
import { hashSeed, makeKeywords, perSearch, Rng, TRUE_CURVE } from '@kuaiche/simulator';
import { machineLine } from './bench-machine';

const UNITS = Number(process.env.ROTATION_UNITS ?? 50);
const ARMS = 4;
const DAYS = 14;
const HOURS = DAYS * 24;
/** Monte Carlo draws per rotation here (the worker uses 20,000; P(best) moves by about 0.5% at 0.95). */
const DRAWS = Number(process.env.ROTATION_DRAWS ?? 2000);
const SEED = 606;
/** Keywords per unit (core, long-tail), as libs/simulator makes them. */
const KEYWORDS_CORE = Number(process.env.ROTATION_CORE ?? 6);
const KEYWORDS_TAIL = Number(process.env.ROTATION_TAIL ?? 14);

interface UnitMarket {
  /** Per keyword: expected searches a day, P(shown), CTR when shown (before the creative), CVR, order value (fen). */
  keywords: { searches: number; show: number; ctr: number; cvr: number; aovFen: number }[];
  /** Hidden creative multipliers of CTR and of CVR. */
  ctrMult: number[];
  cvrMult: number[];
}

/** One unit: the core and long-tail keywords of one simulated unit at their initial bids; 4 creatives. */
function buildUnits(valueScenario: boolean): UnitMarket[] {
  const out: UnitMarket[] = [];
  for (let u = 0; u < UNITS; u++) {
    const kws = makeKeywords(SEED + u, KEYWORDS_CORE, KEYWORDS_TAIL).filter((k) => k.unitId === 'unit-a');
    const rng = new Rng(hashSeed(SEED, u, valueScenario ? 2 : 1));
    const keywords = kws.map((k) => {
      const e = perSearch(k, k.initialBidFen);
      return { searches: k.dailySearches, show: e.show, ctr: e.show > 0 ? e.clicks / e.show : 0, cvr: e.clicks > 0 ? e.orders / e.clicks : 0, aovFen: k.orderValueFen };
    });
    // CTR multipliers lognormal (sd 0.15): creatives differ by 10-30%, sometimes by a hair.
    const ctrMult = Array.from({ length: ARMS }, () => Math.exp(0.15 * rng.normal()));
    // Value scenario: the clickier creatives sell worse (CVR multiplier against CTR's).
    const cvrMult = valueScenario ? ctrMult.map((m) => Math.exp(-1.6 * Math.log(m) + 0.1 * rng.normal())) : ctrMult.map(() => 1);
    out.push({ keywords, ctrMult, cvrMult });
  }
  return out;
}

type PolicyName = 'equal split' | 'equal test' | 'epsilon-greedy' | 'bandit' | 'bandit (ctr)' | 'bandit (value)';

interface Policy {
  name: PolicyName;
  mode?: RotationMode;
  metric?: RotationMetric;
  epsilon?: number;
}

interface UnitOutcome {
  clicks: number;
  gmvFen: number;
  regretClicks: number;
  regretValueFen: number;
  bestImps: number;
  imps: number;
  decidedHour: number | null;
  winner: number | null;
  /** The arm the policy ends on (winner, or its greedy/leading choice). */
  finalChoice: number;
}

function binomial(rng: Rng, n: number, p: number): number {
  return rng.binomial(n, Math.min(1, Math.max(0, p)));
}

/** Splits n impressions by the weights (sequential binomials). */
function multinomial(rng: Rng, n: number, w: number[]): number[] {
  const out = new Array<number>(w.length).fill(0);
  let left = n;
  let wLeft = 1;
  for (let k = 0; k < w.length; k++) {
    if (left <= 0) break;
    const x = k === w.length - 1 ? left : binomial(rng, left, wLeft > 0 ? w[k] / wLeft : 0);
    out[k] = x;
    left -= x;
    wLeft -= w[k];
  }
  return out;
}

function runUnit(u: number, m: UnitMarket, p: Policy, valueBest: boolean): UnitOutcome {
  const ids = m.ctrMult.map((_, k) => `c${k}`);
  const rows: ArmHour[][] = ids.map(() => []);
  const value = m.ctrMult.map((c, k) => c * m.cvrMult[k]);
  const target = valueBest ? value : m.ctrMult;
  const best = bestOf(target);
  const bestCtr = Math.max(...m.ctrMult);
  const bestValue = Math.max(...value);
  const stream = seedFrom(p.name);
  let weights = ids.map(() => 1 / ARMS);
  let status: 'running' | 'decided' = 'running';
  let minP: Record<string, number> = {};
  let winner: number | null = null;
  let decidedHour: number | null = null;
  const o: UnitOutcome = { clicks: 0, gmvFen: 0, regretClicks: 0, regretValueFen: 0, bestImps: 0, imps: 0, decidedHour: null, winner: null, finalChoice: 0 };
  const clicksSeen = new Array<number>(ARMS).fill(0);
  const impsSeen = new Array<number>(ARMS).fill(0);
  const random = mulberry32(hashSeed(SEED, u, stream, 7));
  for (let h = 0; h < HOURS; h++) {
    // The unit's traffic this hour: the same for every policy (common random numbers).
    const traffic = new Rng(hashSeed(SEED, u, h));
    let n = 0;
    let clicksPerImp = 0;
    let ordersPerClick = 0;
    let aov = 0;
    for (const k of m.keywords) {
      const imps = binomial(traffic, traffic.poisson(k.searches * TRUE_CURVE[h % 24]), k.show);
      n += imps;
      clicksPerImp += imps * k.ctr;
      ordersPerClick += imps * k.ctr * k.cvr;
      aov += imps * k.ctr * k.cvr * k.aovFen;
    }
    if (n > 0) {
      aov = ordersPerClick > 0 ? aov / ordersPerClick : 0;
      ordersPerClick = clicksPerImp > 0 ? ordersPerClick / clicksPerImp : 0;
      clicksPerImp /= n;
    }
    const draw = new Rng(hashSeed(SEED, u, h, stream));
    const split = multinomial(draw, n, weights);
    for (let k = 0; k < ARMS; k++) {
      const ctr = clicksPerImp * m.ctrMult[k];
      const clicks = binomial(draw, split[k], ctr);
      const orders = binomial(draw, clicks, ordersPerClick * m.cvrMult[k]);
      const gmv = Math.round(orders * aov);
      rows[k].push({ hour: h, impressions: split[k], clicks, orders, gmvFen: gmv });
      clicksSeen[k] += clicks;
      impsSeen[k] += split[k];
      o.clicks += clicks;
      o.gmvFen += gmv;
      o.imps += split[k];
      if (k === best) o.bestImps += split[k];
      // Regret in expectation (less noisy than realized clicks): what the best creative would have made of these impressions.
      o.regretClicks += split[k] * clicksPerImp * (bestCtr - m.ctrMult[k]);
      o.regretValueFen += split[k] * clicksPerImp * ordersPerClick * aov * (bestValue - value[k]);
    }
    // The weights for the next hour, from the hours so far.
    const asOf = h + 1;
    if (p.name === 'epsilon-greedy') {
      let g = 0;
      for (let k = 1; k < ARMS; k++) if (clicksSeen[k] / Math.max(1, impsSeen[k]) > clicksSeen[g] / Math.max(1, impsSeen[g])) g = k;
      weights = ids.map((_, k) => p.epsilon! / ARMS + (k === g ? 1 - p.epsilon! : 0));
      o.finalChoice = g;
    } else if (p.mode && status === 'running') {
      const r = rotateExperiment({ mode: p.mode, metric: p.metric ?? 'ctr', armIds: ids, rows, asOf, startHour: 0, status, minP, random, config: { draws: p.mode === 'equal' ? 200 : DRAWS } });
      minP = r.minP;
      weights = ids.map((id) => r.weights[id]);
      o.finalChoice = ids.indexOf(r.check.leaderId);
      if (r.decided) {
        status = 'decided';
        winner = ids.indexOf(r.decided.winnerId);
        decidedHour = asOf;
        o.finalChoice = winner;
      }
    } else if (p.name === 'equal split') {
      let g = 0;
      for (let k = 1; k < ARMS; k++) if (clicksSeen[k] / Math.max(1, impsSeen[k]) > clicksSeen[g] / Math.max(1, impsSeen[g])) g = k;
      o.finalChoice = g;
    }
  }
  o.decidedHour = decidedHour;
  o.winner = winner;
  return o;
}

function bestOf(xs: number[]): number {
  let b = 0;
  for (let k = 1; k < xs.length; k++) if (xs[k] > xs[b]) b = k;
  return b;
}

interface Summary {
  policy: PolicyName;
  clicks: number;
  gmvFen: number;
  regretClicks: number;
  regretValueFen: number;
  bestShare: number;
  decided: number;
  medianDays: number | null;
  correct: number;
  finalCorrect: number;
  seconds: number;
}

function runPolicy(units: UnitMarket[], p: Policy, valueBest: boolean): Summary {
  const t0 = Date.now();
  const outs = units.map((m, u) => runUnit(u, m, p, valueBest));
  const best = units.map((m) => bestOf(valueBest ? m.ctrMult.map((c, k) => c * m.cvrMult[k]) : m.ctrMult));
  const days = outs.filter((o) => o.decidedHour !== null).map((o) => o.decidedHour! / 24).sort((a, b) => a - b);
  const sum = (f: (o: UnitOutcome) => number) => outs.reduce((s, o) => s + f(o), 0);
  return {
    policy: p.name,
    clicks: sum((o) => o.clicks),
    gmvFen: sum((o) => o.gmvFen),
    regretClicks: sum((o) => o.regretClicks),
    regretValueFen: sum((o) => o.regretValueFen),
    bestShare: sum((o) => o.bestImps) / sum((o) => o.imps),
    decided: days.length,
    medianDays: days.length ? days[Math.floor((days.length - 1) / 2)] : null,
    correct: outs.filter((o, i) => o.winner !== null && o.winner === best[i]).length,
    finalCorrect: outs.filter((o, i) => o.finalChoice === best[i]).length,
    seconds: (Date.now() - t0) / 1000,
  };
}

const int = (x: number) => Math.round(x).toLocaleString('en-US');
const pctS = (x: number) => `${(100 * x).toFixed(1)}%`;

function printTable(rows: Summary[], ref: Summary): void {
  console.log(
    `${'policy'.padEnd(16)}${'clicks'.padStart(10)}${'vs split'.padStart(10)}${'GMV CNY'.padStart(12)}${'vs split'.padStart(10)}${'regret clicks'.padStart(15)}${'regret GMV'.padStart(12)}${'to best'.padStart(9)}${'decided'.padStart(9)}${'median day'.padStart(12)}${'correct'.padStart(9)}${'ends on best'.padStart(14)}${'s'.padStart(6)}`,
  );
  for (const r of rows) {
    console.log(
      `${r.policy.padEnd(16)}${int(r.clicks).padStart(10)}${`${r.clicks >= ref.clicks ? '+' : ''}${pctS(r.clicks / ref.clicks - 1)}`.padStart(10)}${int(r.gmvFen / 100).padStart(12)}${`${r.gmvFen >= ref.gmvFen ? '+' : ''}${pctS(r.gmvFen / ref.gmvFen - 1)}`.padStart(10)}${int(r.regretClicks).padStart(15)}${int(r.regretValueFen / 100).padStart(12)}${pctS(r.bestShare).padStart(9)}${`${r.decided}/${UNITS}`.padStart(9)}${(r.medianDays === null ? '-' : r.medianDays.toFixed(1)).padStart(12)}${(r.decided ? pctS(r.correct / r.decided) : '-').padStart(9)}${pctS(r.finalCorrect / UNITS).padStart(14)}${r.seconds.toFixed(1).padStart(6)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Chapelle & Li 2011: 10 arms, best 0.5, others 0.5 - epsilon; updates in batches ("hourly").

function chapelleLi(epsilon: number, seed: number, horizon: number, batch: number): { thompson: number; ucb: number } {
  const K = 10;
  const mu = Array.from({ length: K }, (_, k) => (k === 0 ? 0.5 : 0.5 - epsilon));
  const run = (policy: 'thompson' | 'ucb'): number => {
    const rng = new Rng(hashSeed(seed, policy === 'thompson' ? 1 : 2));
    const random = mulberry32(hashSeed(seed, 3));
    const s = new Array<number>(K).fill(0);
    const n = new Array<number>(K).fill(0);
    let regret = 0;
    const cfg = rotationConfig();
    for (let t = 0; t < horizon; t += batch) {
      let w: number[];
      if (policy === 'thompson') {
        // Probability matching for the batch: P(best) of Beta(1 + s, 1 + n - s) (Thompson 1933).
        const posts = posteriors(s.map((x, k) => ({ impressions: n[k], clicks: x, maturedClicks: x, orders: 0, gmvFen: 0 })), cfg);
        w = thompsonWeights(bestArm(posts, 'ctr', 500, random).probBest, 0);
      } else {
        // UCB1 (Auer, Cesa-Bianchi & Fischer 2002): mean + sqrt(2 ln t / n), every arm once first; the batch goes to the top index.
        const total = n.reduce((a, b) => a + b, 0);
        let top = 0;
        let topIndex = -Infinity;
        for (let k = 0; k < K; k++) {
          const idx = n[k] === 0 ? Infinity : s[k] / n[k] + Math.sqrt((2 * Math.log(Math.max(1, total))) / n[k]);
          if (idx > topIndex) {
            topIndex = idx;
            top = k;
          }
        }
        w = mu.map((_, k) => (k === top ? 1 : 0));
      }
      const split = multinomial(rng, Math.min(batch, horizon - t), w);
      for (let k = 0; k < K; k++) {
        s[k] += binomial(rng, split[k], mu[k]);
        n[k] += split[k];
        regret += split[k] * (mu[0] - mu[k]);
      }
    }
    return regret;
  };
  return { thompson: run('thompson'), ucb: run('ucb') };
}

// ---------------------------------------------------------------------------------------------
// Calibration under daily peeking (as the unit tests, with more runs).

function calibrate(ctrs: number[], mode: RotationMode, runs: number): { decided: number; correct: number } {
  let decided = 0;
  let correct = 0;
  const best = bestOf(ctrs);
  const allEqual = ctrs.every((c) => c === ctrs[0]);
  for (let s = 0; s < runs; s++) {
    const rng = new Rng(hashSeed(SEED, s, ctrs.length, mode === 'equal' ? 1 : 2, allEqual ? 1 : 2));
    const random = mulberry32(hashSeed(SEED, s, 99));
    const ids = ctrs.map((_, k) => `c${k}`);
    const rows: ArmHour[][] = ctrs.map(() => []);
    let w = ids.map(() => 1 / ids.length);
    let minP: Record<string, number> = {};
    for (let d = 0; d < DAYS; d++) {
      const split = multinomial(rng, 9600, w);
      ctrs.forEach((c, k) => rows[k].push({ hour: d * 24, impressions: split[k], clicks: binomial(rng, split[k], c), orders: 0, gmvFen: 0 }));
      const o = rotateExperiment({ mode, metric: 'ctr', armIds: ids, rows, asOf: (d + 1) * 24, startHour: 0, status: 'running', minP, random, config: { draws: 500 } });
      w = ids.map((id) => o.weights[id]);
      minP = o.minP;
      if (o.decided) {
        decided++;
        if (o.decided.winnerId === `c${best}`) correct++;
        break;
      }
    }
  }
  return { decided, correct };
}

function main(): void {
  console.log(machineLine());
  console.log(`rotation: ${UNITS} units x ${ARMS} creatives, ${DAYS} days hourly in libs/simulator's market; hidden CTR multipliers lognormal(0, 0.15); ${DRAWS} Monte Carlo draws per bandit rotation\n`);
  const goals: [string, boolean][] = [];

  // 1. CTR metric: creatives differ in CTR only.
  const units = buildUnits(false);
  const rows = (
    [
      { name: 'equal split' },
      { name: 'equal test', mode: 'equal' },
      { name: 'epsilon-greedy', epsilon: 0.1 },
      { name: 'bandit', mode: 'bandit' },
    ] as Policy[]
  ).map((p) => runPolicy(units, p, false));
  const split = rows[0];
  const eqTest = rows[1];
  const bandit = rows[3];
  console.log('## CTR test (metric ctr): regret in expected clicks against always serving the best creative');
  printTable(rows, split);
  const ratioTest = bandit.regretClicks / eqTest.regretClicks;
  const ratioSplit = bandit.regretClicks / split.regretClicks;
  console.log(`\nbandit regret / equal-test regret ${ratioTest.toFixed(3)}; / 14-day equal split ${ratioSplit.toFixed(3)}`);
  goals.push([`bandit regret below half of the equal test's (${ratioTest.toFixed(3)}; of the 14-day split's ${ratioSplit.toFixed(3)})`, ratioTest < 0.5]);
  goals.push([`bandit correct winner >= 95% of decided units (${bandit.decided ? pctS(bandit.correct / bandit.decided) : '-'} of ${bandit.decided})`, bandit.decided > 0 && bandit.correct / bandit.decided >= 0.95]);
  goals.push([`equal test correct winner >= 95% of decided units (${eqTest.decided ? pctS(eqTest.correct / eqTest.decided) : '-'} of ${eqTest.decided})`, eqTest.decided > 0 && eqTest.correct / eqTest.decided >= 0.95]);

  // 2. Value metric: the clickier creatives sell worse.
  const vUnits = buildUnits(true);
  const vRows = (
    [
      { name: 'equal split' },
      { name: 'bandit (ctr)', mode: 'bandit', metric: 'ctr' },
      { name: 'bandit (value)', mode: 'bandit', metric: 'value' },
    ] as Policy[]
  ).map((p) => runPolicy(vUnits, p, true));
  console.log("\n## value test: CVR multipliers run against CTR's (a clicky creative that does not sell); best = CTR x CVR; regret GMV in CNY");
  printTable(vRows, vRows[0]);
  goals.push([`value metric earns more GMV than the ctr metric when clicks and sales disagree (${pctS(vRows[2].gmvFen / vRows[1].gmvFen - 1)})`, vRows[2].gmvFen > vRows[1].gmvFen]);

  // 3. Chapelle & Li 2011.
  console.log('\n## Chapelle & Li 2011: 10 arms, best 0.5, others 0.5 - epsilon, 1,000,000 impressions in hourly batches of 1,000, mean of 5 seeds');
  console.log(`${'epsilon'.padEnd(10)}${'Thompson regret'.padStart(17)}${'UCB1 regret'.padStart(14)}${'ratio'.padStart(8)}`);
  for (const eps of [0.1, 0.02]) {
    let th = 0;
    let ucb = 0;
    const seeds = 5;
    for (let s = 0; s < seeds; s++) {
      const r = chapelleLi(eps, 1000 + s, 1_000_000, 1000);
      th += r.thompson / seeds;
      ucb += r.ucb / seeds;
    }
    console.log(`${String(eps).padEnd(10)}${int(th).padStart(17)}${int(ucb).padStart(14)}${(th / ucb).toFixed(2).padStart(8)}`);
    goals.push([`Chapelle & Li epsilon ${eps}: Thompson regret no worse than UCB1's (${int(th)} vs ${int(ucb)})`, th <= ucb]);
  }

  // 4. Calibration.
  console.log('\n## decision rules under daily peeking: 14 days, 9,600 impressions a day, CTR 3% (one creative 25% better in A/B)');
  console.log(`${'case'.padEnd(22)}${'mode'.padEnd(8)}${'runs'.padStart(6)}${'declared'.padStart(10)}${'correct of declared'.padStart(21)}`);
  for (const [name, ctrs, runs] of [
    ['A/A, 2 creatives', [0.03, 0.03], 1000],
    ['A/A, 4 creatives', [0.03, 0.03, 0.03, 0.03], 400],
    ['A/B, 4 creatives', [0.03, 0.03, 0.0375, 0.03], 400],
  ] as const) {
    for (const mode of ['equal', 'bandit'] as const) {
      const r = calibrate([...ctrs], mode, runs);
      const aa = name.startsWith('A/A');
      console.log(`${name.padEnd(22)}${mode.padEnd(8)}${String(runs).padStart(6)}${pctS(r.decided / runs).padStart(10)}${(aa ? '-' : r.decided ? pctS(r.correct / r.decided) : '-').padStart(21)}`);
      if (aa) goals.push([`${name}, ${mode}: a winner declared in <= 5% (${pctS(r.decided / runs)})`, r.decided / runs <= 0.05]);
      else goals.push([`${name}, ${mode}: right winner in >= 95% of decisive runs (${r.decided ? pctS(r.correct / r.decided) : '-'} of ${r.decided})`, r.decided > 0 && r.correct / r.decided >= 0.95]);
    }
  }

  console.log('\n## goals (issue 6)');
  for (const [g, ok] of goals) console.log(`${ok ? 'PASS' : 'MISS'}  ${g}`);
}

main();
