// Report -> latest.html: one self-contained page that works offline, opened from disk. Chart.js (MIT) is read from
// node_modules and inlined, as are the chart data; nothing is fetched. It draws what Mermaid cannot draw honestly:
// the HDR percentile plot (percentile on a log "nines" axis), calls/s against calls in flight, bytes per call beside
// the payload, and latency with p50 and p99 side by side; the tables and notes are those of the markdown report.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Report } from '../report/types.ts';
import { type Chart, chartsOf } from './charts.ts';
import { errorLines, machineLine, notes, optionsLine, scenarioTables, sectionTable, skippedLine, thresholdLines, verdictNote, verdictRows } from './format.ts';
import { type Section, transportLabel } from './view.ts';

const require = createRequire(import.meta.url);
/** The UMD build registers every chart type and scale; its source-map comment is dropped (nothing may be fetched). */
export const chartJs = () =>
  readFileSync(path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.js'), 'utf8').replace(/\/\/# sourceMappingURL=.*$/m, '');

export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** JSON safe inside a <script>: no "</script>" can close it early. */
export const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

export function renderHtml(report: Report): string {
  const sectionsWithCharts = chartsOf(report);
  const charts = sectionsWithCharts.flatMap((s) => s.charts);
  const body = [
    `<h1>rpcbench report</h1>`,
    `<p class="meta">${esc(machineLine(report))}${report.meta.interrupted ? ' · interrupted' : ''}</p>`,
    `<p class="meta">${esc(optionsLine(report))}</p>`,
    verdictHtml(report),
    ...sectionsWithCharts.flatMap(({ section, charts: cs }) => [sectionHtml(section), `<div class="charts">${cs.map(figure).join('')}</div>`]),
    ...scenarioTables(report).map(
      (t) =>
        `${t.folded ? `<details><summary>${esc(t.title)}</summary>` : `<h2>${esc(t.title[0]!.toUpperCase() + t.title.slice(1))}</h2>`}\n${htmlTable(t.header, t.text)}${t.note ? `<p class="note">${esc(t.note)}</p>` : ''}${t.folded ? '</details>' : ''}`,
    ),
    list('Errors', errorLines(report)),
    list('Thresholds', thresholdLines(report)),
    list('Notes', notes(report)),
    list('Skipped', report.skipped.map(skippedLine)),
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rpcbench report ${esc(report.meta.date)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
<script>${chartJs()}</script>
<script>const CHARTS = ${scriptJson(charts)};
const COLORS = ${scriptJson(transportColors(report))};
${DRAW}</script>
</body>
</html>
`;
}

/** The verdict at the top: per call and goal, the leader, those not clearly behind it, and the rest. */
function verdictHtml(report: Report): string {
  const rows = verdictRows(report);
  if (!rows.length) return '';
  const cells = (xs: string[]) => (xs.length ? xs.map(esc).join(', ') : '-');
  const body = rows
    .map(
      (r) =>
        `<tr><td>${esc(r.call)}</td><td>${esc(r.goal)}<br><small>${esc(r.where)}</small>${r.caveat?.includes('found once') ? `<br><small class="caveat">⚠ ${esc(r.caveat)}</small>` : ''}</td><td><b>${esc(r.leader)}</b></td><td>${cells(r.tied)}</td><td>${cells(r.behind)}</td></tr>`,
    )
    .join('');
  return `<h2>Verdict</h2><table class="verdict"><thead><tr><th>call</th><th>goal</th><th>leader</th><th>no clear difference<br><small>× the leader, 95% interval</small></th><th>clearly behind</th></tr></thead><tbody>${body}</tbody></table><p class="note">${esc(verdictNote(report))}</p>`;
}

/**
 * Each transport's colour index, by its place in the registry (kept in the report): the same transport
 * is the same colour in every chart of the page, a target's label included.
 */
function transportColors(report: Report): Record<string, number> {
  return Object.fromEntries(
    report.meta.options.transports.flatMap((name, i) => {
      const colour = report.meta.transports[name]?.colour ?? i; // a report from before: its run's order
      return [
        [name, colour],
        [transportLabel(report, name), colour],
      ];
    }),
  );
}

function sectionHtml(s: Section): string {
  const { title, header, rows } = sectionTable(s);
  return rows.length ? `<h2>${esc(title)}</h2>\n${htmlTable(header, rows)}` : '';
}

const htmlTable = (head: string[], rows: string[][]) =>
  `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;

const list = (title: string, items: string[]) => (items.length ? `<h2>${title}</h2><ul>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>` : '');

/** Small multiples: a panel per transport, each its own canvas, side by side, every one with the axes of all. */
function panels(chart: Chart & { kind: 'line' }): string {
  const groups = panelGroups(chart);
  const cells = groups.map(
    (g, i) =>
      `<div class="panel"><div class="chart" style="height:200px"><canvas id="${esc(chart.id)}-${i}" role="img" aria-label="${esc(`${chart.title}: ${g}`)}"></canvas></div></div>`,
  );
  return `<figure class="wide"><figcaption class="title">${esc(chart.title)}</figcaption><div class="panels">${cells.join('')}</div></figure>`;
}

/** The panels of a small-multiples chart: its series' groups, in order. */
export const panelGroups = (chart: Chart & { kind: 'line' }) => [...new Set(chart.series.map((x) => x.group ?? x.name))];

function figure(chart: Chart): string {
  if (chart.kind === 'line' && chart.panels) return panels(chart);
  // bars get room for their labels: about 16 px per bar, so every label is drawn (none skipped, none overlapping)
  const height = chart.kind === 'bar' ? Math.max(200, 110 + chart.labels.length * chart.series.length * 16) : 440;
  // a line per transport needs the page's width: its legend takes a column, and the lines cross
  // a percentile plot spans from microseconds to a slow transport's max: the axis starts at 0, and a reader may
  // switch it to logarithmic, or hide a transport by clicking its legend entry (the axis then rescales)
  const caption =
    chart.kind === 'line' && chart.xScale === 'nines'
      ? `<figcaption><label><input type="checkbox" data-log-axis="${esc(chart.id)}"> logarithmic latency axis</label> · click a transport in the legend to hide it</figcaption>`
      : '';
  return `<figure${chart.kind === 'line' ? ' class="wide"' : ''}><div class="chart" style="height:${Math.round(height)}px"><canvas id="${esc(chart.id)}" role="img" aria-label="${esc(chart.title)}"></canvas></div>${caption}</figure>`;
}

export const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1180px; padding: 0 16px; color: #1f2328; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 32px; }
.meta, .note { color: #57606a; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #d0d7de; padding: 3px 7px; text-align: right; white-space: nowrap; }
/* headers wrap, so a section's table fits a 1,280 px window (the CPU column's header is long) */
th { white-space: normal; vertical-align: bottom; min-width: 4em; max-width: 9em; }
table.verdict td, table.verdict th { white-space: normal; text-align: left; vertical-align: top; max-width: none; }
table.verdict td:nth-child(4) { max-width: 18em; }
table.verdict td:nth-child(3) { white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; }
figure { margin: 0; border: 1px solid #d0d7de; border-radius: 6px; padding: 8px; }
figure.wide { grid-column: 1 / -1; }
figcaption { color: #57606a; font-size: 12px; padding: 4px 8px 0; }
figcaption.title { color: #1f2328; font-size: 13px; font-weight: 600; padding: 0 0 6px; }
.panels { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 8px; }
.chart { position: relative; }
`;

/** Draws every chart in CHARTS with the inlined Chart.js; sets window.rpcbenchChartsDrawn when done (for tests). */
const DRAW = `
// Kelly's colours of maximum contrast (white left out), then a cyan: 22 a reader tells apart, where the shades of
// one hue the palette had before drew two transports in one red on a chart of every transport
const PALETTE = ['#0067a5','#be0032','#008856','#f38400','#875692','#882d17','#e68fac','#848482','#8db600','#604e97','#f6a600','#b3446c','#a1caf1','#e25822','#2b3d26','#f99379','#654522','#dcd300','#c2b280','#f3c300','#222222','#17becf'];
const color = (i) => PALETTE[i % PALETTE.length];
// a transport's colour is its own everywhere (COLORS: its place in the run); a series of no transport keeps its place
const seriesColor = (s, i) => (s.group === 'objective' ? '#6e7781' : color(COLORS[s.group ?? s.name] ?? i));
const ninesTick = (x) => { const p = 100 * (1 - 1 / x); return p <= 0 ? '0%' : (Math.round(p * 1000) / 1000) + '%'; };
function draw(spec) {
  const canvas = document.getElementById(spec.id);
  const title = { display: true, text: spec.title, font: { size: 13 } };
  if (spec.kind === 'bar') {
    return new Chart(canvas, {
      type: 'bar',
      // one series: each bar in its transport's colour; several (p50 and p99, the parts of CPU): a colour per series
      data: { labels: spec.labels, datasets: spec.series.map((s, i) => ({ label: s.name, data: s.values,
        backgroundColor: spec.series.length > 1 ? color(i) : spec.labels.map((l, j) => color(COLORS[l] ?? j)) })) },
      options: { indexAxis: 'y', animation: false, maintainAspectRatio: false,
        plugins: { title, legend: { display: spec.series.length > 1 } },
        scales: { x: { min: spec.axisMin, beginAtZero: true, stacked: !!spec.stacked, title: { display: true, text: spec.valueLabel } },
          y: { stacked: !!spec.stacked, ticks: { autoSkip: false } } } },
    });
  }
  const nines = spec.xScale === 'nines';
  const linear = spec.xScale === 'linear';
  const toX = (p) => (p >= 100 ? null : 1 / (1 - p / 100));
  const datasets = spec.series.map((s, i) => {
    let pts = s.points.map(([x, y]) => ({ x: nines ? toX(x) : linear ? x : String(x), y }));
    if (nines) { const last = pts.filter((p) => p.x !== null).at(-1); pts = pts.map((p) => (p.x === null ? { x: (last ? last.x : 1) * 10, y: p.y } : p)); }
    const c = spec.value2Label ? color(i) : seriesColor(s, i);
    return { label: s.name, group: s.group ?? s.name, data: pts, borderColor: c, backgroundColor: c, pointRadius: 2, tension: 0,
      borderDash: s.dashed ? [6, 4] : [], yAxisID: s.axis === 'y1' ? 'y1' : 'y' };
  });
  // a transport drawn twice (p99 solid, p50 dashed) is one legend entry, named by the transport, and a click hides both
  const members = (g) => datasets.filter((d) => d.group === g);
  const legendLabels = {
    boxWidth: 12,
    filter: (item) => datasets.findIndex((d) => d.group === datasets[item.datasetIndex].group) === item.datasetIndex,
    generateLabels: (chart) => Chart.defaults.plugins.legend.labels.generateLabels(chart).map((l) => {
      const g = datasets[l.datasetIndex].group;
      return members(g).length > 1 ? { ...l, text: g, lineDash: [] } : l;
    }),
  };
  const legendClick = (e, item, legend) => {
    const chart = legend.chart;
    const g = datasets[item.datasetIndex].group;
    const hide = chart.isDatasetVisible(item.datasetIndex);
    datasets.forEach((d, i) => { if (d.group === g) chart.setDatasetVisibility(i, !hide); });
    chart.update();
  };
  const x = nines
    ? { type: 'logarithmic', min: 1, title: { display: true, text: spec.xLabel + ' (log nines; the last point is the max)' },
        afterBuildTicks: (axis) => { const ticks = []; for (let v = 1; v <= axis.max; v *= 10) ticks.push({ value: v }); axis.ticks = ticks; },
        ticks: { callback: (v) => ninesTick(v) } }
    : linear
      ? { type: 'linear', min: 0, beginAtZero: true, title: { display: true, text: spec.xLabel } }
      : { type: 'category', labels: [...new Set(spec.series.flatMap((s) => s.points.map(([c]) => String(c))))], title: { display: true, text: spec.xLabel } };
  const y1 = spec.value2Label ? { y1: { position: 'right', min: 0, beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: spec.value2Label } } } : {};
  return new Chart(canvas, {
    type: 'line',
    data: { datasets },
    options: { animation: false, maintainAspectRatio: false, parsing: true,
      plugins: { title, legend: { display: spec.legend !== false, position: 'right', labels: legendLabels, onClick: legendClick } },
      scales: { x: { ...x, max: spec.xMax }, y: { min: spec.axisMin, max: spec.valueMax, beginAtZero: true, title: { display: true, text: spec.valueLabel } }, ...y1 } },
  });
}
// small multiples: one chart a group (a transport), each with the axes of all, titled by its group
function drawPanels(spec) {
  const groups = [...new Set(spec.series.map((s) => s.group ?? s.name))];
  return groups.map((g, i) => draw({ ...spec, id: spec.id + '-' + i, title: g, panels: false, legend: false,
    series: spec.series.filter((s) => (s.group ?? s.name) === g) }));
}
window.rpcbenchCharts = CHARTS.flatMap((spec) => (spec.panels ? drawPanels(spec) : [draw(spec)]));
for (const box of document.querySelectorAll('input[data-log-axis]')) {
  box.addEventListener('change', () => {
    const chart = window.rpcbenchCharts.find((c) => c.canvas.id === box.dataset.logAxis);
    chart.options.scales.y.type = box.checked ? 'logarithmic' : 'linear';
    chart.options.scales.y.min = box.checked ? undefined : 0;
    chart.update();
  });
}
window.rpcbenchChartsDrawn = window.rpcbenchCharts.length;
`;
