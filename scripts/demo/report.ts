/**
 * The demo's report: `demo-report/index.html`, one self-contained page (uPlot and its CSS are
 * inlined, so it opens offline) with the final table and the charts.
 */
import { DEFAULT_TRAFFIC_CURVE } from '@kuaiche/bidding';
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import type { DemoResult } from './drive';

export interface ReportExtras {
  /** Per experiment: unit name and the serving weights per hour (creative label -> weight). */
  experiments: { unit: string; plan: string; hours: string[]; series: { label: string; weights: number[] }[]; winner?: string | null }[];
  /** Alerts raised, in hour order. */
  alerts: { hour: string; plan: string; type: string; severity: string; message: string }[];
  /** Webhook deliveries the local receiver verified. */
  webhooksVerified: number;
  verdicts: { plan: string; unit: string; verdict: string }[];
}

export interface TableRow {
  plan: string;
  budget: number;
  spend: number;
  budgetUse: number;
  gmv: number;
  roi: number | null;
  targetRoi: number;
  bidChanges: number;
  alerts: number;
  winners: number;
  verdicts: string;
  fixedGmv: number;
  fixedRoi: number | null;
  ruleGmv: number;
  ruleRoi: number | null;
}

const yuan = (fen: number) => Math.round(fen / 100);
const roi = (gmv: number, spend: number) => (spend > 0 ? gmv / spend : null);

export function tableRows(r: DemoResult, extras: ReportExtras): TableRow[] {
  return r.plans.map((p, i) => {
    const o = r.ours[i];
    const fixed = r.baselines.find((b) => b.name === 'fixed')!.perPlan[i];
    const rule = r.baselines.find((b) => b.name === 'rule')!.perPlan[i];
    return {
      plan: p.name,
      budget: yuan(o.budgetFen),
      spend: yuan(o.spendFen),
      budgetUse: o.budgetFen ? o.spendFen / o.budgetFen : 0,
      gmv: yuan(o.gmvFen),
      roi: roi(o.gmvFen, o.spendFen),
      targetRoi: p.targetRoi,
      bidChanges: p.runs.reduce((s, x) => s + x.changed, 0),
      alerts: extras.alerts.filter((a) => a.plan === p.name).length,
      winners: extras.experiments.filter((e) => e.plan === p.name && e.winner).length,
      verdicts: extras.verdicts.filter((v) => v.plan === p.name).map((v) => v.verdict).join(' / ') || '-',
      fixedGmv: yuan(fixed.gmvFen),
      fixedRoi: roi(fixed.gmvFen, fixed.spendFen),
      ruleGmv: yuan(rule.gmvFen),
      ruleRoi: roi(rule.gmvFen, rule.spendFen),
    };
  });
}

const f2 = (x: number | null) => (x === null ? '-' : x.toFixed(2));
const int = (x: number) => x.toLocaleString('en-US');

export function printTable(rows: TableRow[]): string {
  const head = '| plan | budget ¥ | spend ¥ | budget use | GMV ¥ | ROI (target) | bid changes | alerts | experiment winners | test verdicts | fixed bids: GMV ¥ (ROI) | rule: GMV ¥ (ROI) |';
  const sep = '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|';
  const lines = rows.map(
    (r) =>
      `| ${r.plan} | ${int(r.budget)} | ${int(r.spend)} | ${(r.budgetUse * 100).toFixed(0)}% | ${int(r.gmv)} | ${f2(r.roi)} (${r.targetRoi}) | ${int(r.bidChanges)} | ${r.alerts} | ${r.winners} | ${r.verdicts} | ${int(r.fixedGmv)} (${f2(r.fixedRoi)}) | ${int(r.ruleGmv)} (${f2(r.ruleRoi)}) |`,
  );
  return [head, sep, ...lines].join('\n');
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** Writes the page; returns its path. */
export function writeReport(dir: string, r: DemoResult, extras: ReportExtras, meta: { seed: number; days: number; keywords: number }): string {
  const uplotDir = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
  const js = readFileSync(join(uplotDir, 'uPlot.iife.min.js'), 'utf8');
  const css = readFileSync(join(uplotDir, 'uPlot.min.css'), 'utf8');
  const rows = tableRows(r, extras);
  const x = r.hours.map((h) => Date.parse(h) / 1000);
  // Hourly spend within each day against the budget's pace over the default traffic curve.
  const pace = r.plans.map((p) => {
    let cum = 0;
    let paceCum = 0;
    const spent: number[] = [];
    const paced: number[] = [];
    p.hourlySpendFen.forEach((s, i) => {
      const hod = i % 24;
      if (hod === 0) {
        cum = 0;
        paceCum = 0;
      }
      cum += s;
      paceCum += DEFAULT_TRAFFIC_CURVE[hod] * p.dayBudgetFen[i];
      spent.push(cum / 100);
      paced.push(paceCum / 100);
    });
    return { spent, paced, budget: p.dayBudgetFen.map((b) => b / 100) };
  });
  const dayX = r.days.map((d) => Date.parse(`${d.date}T00:00:00+08:00`) / 1000);
  const roiByDay = r.plans.map((_, i) => r.days.map((d) => (d.perPlan[i].spendFen > 0 ? d.perPlan[i].gmvFen / d.perPlan[i].spendFen : null)));
  const data = {
    x, pace, dayX, roiByDay,
    targets: r.plans.map((p) => p.targetRoi),
    names: r.plans.map((p) => p.name),
    bids: r.plans.map((p) => ({ labels: p.topKeywords.map((k) => k.text), series: p.topKeywords.map((_, j) => p.topBids.map((b) => b[j] / 100)) })),
    experiments: extras.experiments.map((e) => ({ title: `${e.plan} · ${e.unit}${e.winner ? ` (winner ${e.winner})` : ''}`, x: e.hours.map((h) => Date.parse(h) / 1000), series: e.series })),
    alerts: extras.alerts.map((a) => ({ t: Date.parse(a.hour) / 1000, plan: r.plans.findIndex((p) => p.name === a.plan), severity: a.severity, label: `${a.type}: ${a.message}` })),
  };
  const table = `<table><thead><tr><th>plan</th><th>budget ¥</th><th>spend ¥</th><th>budget use</th><th>GMV ¥</th><th>ROI (target)</th><th>bid changes</th><th>alerts</th><th>winners</th><th>test verdicts</th><th>fixed bids GMV ¥ (ROI)</th><th>rule GMV ¥ (ROI)</th></tr></thead><tbody>${rows
    .map(
      (t) =>
        `<tr><td>${esc(t.plan)}</td><td>${int(t.budget)}</td><td>${int(t.spend)}</td><td>${(t.budgetUse * 100).toFixed(0)}%</td><td>${int(t.gmv)}</td><td>${f2(t.roi)} (${t.targetRoi})</td><td>${int(t.bidChanges)}</td><td>${t.alerts}</td><td>${t.winners}</td><td>${esc(t.verdicts)}</td><td>${int(t.fixedGmv)} (${f2(t.fixedRoi)})</td><td>${int(t.ruleGmv)} (${f2(t.ruleRoi)})</td></tr>`,
    )
    .join('')}</tbody></table>`;
  const html = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>Kuaiche Pilot demo report</title>
<style>${css}
body{font:14px/1.45 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
.chart{margin:8px 0 18px}.note{color:#666;font-size:12px}#alerts li{font-size:12px}
</style></head><body>
<h1>Kuaiche Pilot demo: ${meta.days} simulated days, ${int(meta.keywords)} keywords, seed ${meta.seed}</h1>
<p class="note">Every hour the sandbox market served the plans at the bids the product set; its reports went in through the API; the worker set the next hour's bids. Beside it, the same market with the seller's fixed bids and with the practitioner's rule (3-day ROI: -10% below target, +10% above 1.2x target). GMV counts every order of the period's clicks.</p>
<section id="summary"><h2>Result per plan</h2>${table}<p class="note">Webhook deliveries verified by the local receiver: ${extras.webhooksVerified}. Run time ${r.seconds.toFixed(0)} s.</p></section>
<section id="spend"><h2>Spend through each day against the budget pace</h2><div id="spend-charts"></div></section>
<section id="roi"><h2>ROI by day against the target</h2><div id="roi-charts"></div></section>
<section id="bids"><h2>Bids of each plan's top keywords</h2><div id="bid-charts"></div></section>
<section id="creatives"><h2>Creative serving weights</h2><div id="creative-charts"></div></section>
<section id="alerts-section"><h2>Alerts</h2><div id="alert-chart"></div><ul id="alerts"></ul></section>
<script>${js}</script>
<script>
const D = ${JSON.stringify(data)};
const W = Math.min(1150, window.innerWidth - 60);
const COLORS = ['#d9480f', '#1971c2', '#2f9e44', '#9c36b5', '#e67700', '#0c8599', '#c2255c'];
window.__charts = [];
function chart(el, title, x, series, opts) {
  const div = document.createElement('div'); div.className = 'chart'; el.appendChild(div);
  const u = new uPlot(Object.assign({ title, width: W, height: 220, axes: [{}, { size: 72, values: (u, vals) => vals.map((v) => v == null ? '' : Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : String(+v.toFixed(2))) }], series: [{}].concat(series.map((s, i) => Object.assign({ stroke: COLORS[i % COLORS.length], width: 1.5 }, s))) }, opts || {}), [x].concat(series.map((s) => s.data)), div);
  window.__charts.push({ title, points: series.reduce((n, s) => n + s.data.filter((v) => v !== null && v !== undefined).length, 0) });
  return u;
}
D.names.forEach((name, i) => chart(document.getElementById('spend-charts'), name + ': spend so far today vs pace (¥)', D.x, [
  { label: 'spend so far today', data: D.pace[i].spent }, { label: 'budget pace', data: D.pace[i].paced, dash: [5, 5] }, { label: 'day budget', data: D.pace[i].budget, stroke: '#999' }]));
chart(document.getElementById('roi-charts'), 'ROI by day', D.dayX, D.names.map((n, i) => ({ label: n, data: D.roiByDay[i] })).concat(D.names.map((n, i) => ({ label: n + ' target', data: D.dayX.map(() => D.targets[i]), dash: [4, 4] }))));
D.bids.forEach((b, i) => { if (b.labels.length) chart(document.getElementById('bid-charts'), D.names[i] + ': bids (¥)', D.x, b.labels.map((l, j) => ({ label: l, data: b.series[j] }))); });
if (D.experiments.length) D.experiments.forEach((e) => chart(document.getElementById('creative-charts'), e.title, e.x, e.series.map((s) => ({ label: s.label, data: s.weights }))));
else document.getElementById('creative-charts').textContent = 'No experiments ran.';
if (D.alerts.length) {
  const sev = { info: 1, warning: 2, critical: 3 };
  chart(document.getElementById('alert-chart'), 'Alerts by hour (1 info, 2 warning, 3 critical)', D.alerts.map((a) => a.t), [{ label: 'severity', data: D.alerts.map((a) => sev[a.severity] || 0), paths: () => null, points: { show: true, size: 7 } }], { scales: { x: { time: true } } });
  const ul = document.getElementById('alerts');
  D.alerts.slice(0, 200).forEach((a) => { const li = document.createElement('li'); li.textContent = new Date(a.t * 1000).toISOString().slice(0, 13) + 'Z  ' + (D.names[a.plan] || '') + '  ' + a.label; ul.appendChild(li); });
} else document.getElementById('alert-chart').textContent = 'No alerts were raised.';
</script></body></html>`;
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'index.html');
  writeFileSync(path, html);
  return path;
}
