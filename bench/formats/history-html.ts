// History -> history.html: one page that works offline (Chart.js inlined, as latest.html). Per machine, its change
// points, then a chart per cell (transport × call × scenario): the median of each report as a line, the spread of its
// runs (or trials) as a bar from lowest to highest, every axis from 0, and each change point as a dashed line.
import type { History, Series } from '../history/types.ts';
import { METRICS } from '../report/metrics.ts';
import { changeRows, HISTORY_NOTE } from './history-text.ts';
import { chartJs, esc, STYLE, scriptJson } from './html.ts';

interface TrendChart {
  id: string;
  title: string;
  labels: string[];
  dates: string[];
  lines: Array<{ metric: string; axis: 'y' | 'y1'; values: number[]; low: number[]; high: number[] }>;
  changes: Array<{ index: number; text: string; worse: boolean }>;
  yLabel: string | null;
  y1Label: string | null;
}

const pct = (r: number) => `${r >= 1 ? '+' : '−'}${Math.abs((r - 1) * 100).toFixed(0)}%`;

function chartOf(id: string, series: Series[]): TrendChart {
  const first = series[0]!;
  const lines = series.map((s) => ({
    metric: s.metric,
    axis: METRICS[s.metric].unit === 'µs' ? ('y' as const) : ('y1' as const),
    values: s.points.map((p) => p.value),
    low: s.points.map((p) => p.low),
    high: s.points.map((p) => p.high),
  }));
  return {
    id,
    title: `${first.label} · ${first.metric}`,
    labels: first.points.map((p, i) => `${i + 1} ${p.commit?.slice(0, 7) ?? ''}`),
    dates: first.points.map((p) => p.date),
    lines,
    changes: series.flatMap((s) =>
      s.changes.map((c) => ({ index: c.index, text: `${s.metric} ${pct(c.ratio)}${c.machineWide ? ' (machine-wide)' : ''}`, worse: c.worse })),
    ),
    yLabel: lines.some((l) => l.axis === 'y') ? 'µs' : null,
    y1Label: lines.some((l) => l.axis === 'y1') ? 'calls/s' : null,
  };
}

/** A chart per series (cell × metric), a cell's metrics side by side: p50 is not drawn flat under a p99 on one axis. */
function chartsOf(h: History, machine: string, offset: number): TrendChart[] {
  return h.series.filter((x) => x.machine === machine).map((s, i) => chartOf(`trend-${offset + i}`, [s]));
}

export function renderHistoryHtml(h: History): string {
  const charts: TrendChart[] = [];
  const body = [`<h1>rpcbench history</h1>`, `<p class="meta">${h.reports} report(s), α = ${h.options.alpha}. ${esc(HISTORY_NOTE)}</p>`];
  for (const m of h.machines) {
    const mine = chartsOf(h, m.key, charts.length);
    charts.push(...mine);
    const rows = changeRows(h).filter((r) => r.machine === m.key);
    body.push(
      `<h2>${esc(m.key)}</h2>`,
      `<p class="meta">${m.reports} report(s), ${esc(m.first)} to ${esc(m.last)}</p>`,
      rows.length
        ? `<table class="changes"><tr><th></th><th>series</th><th>at</th><th>change</th><th>level</th></tr>${rows
            .map(
              (r) =>
                `<tr class="${r.worse ? 'worse' : 'better'}"><td>${r.worse ? 'worse' : 'better'}</td><td>${esc(r.series)}</td><td>${esc(r.at)}</td><td>${esc(r.change)}</td><td>${esc(r.levels)}</td></tr>`,
            )
            .join('')}</table>`
        : '<p>No change points.</p>',
      `<div class="charts trends">${mine.map((c) => `<figure><div class="chart" style="height:230px"><canvas id="${esc(c.id)}" role="img" aria-label="${esc(c.title)}"></canvas></div></figure>`).join('')}</div>`,
    );
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rpcbench history</title>
<style>${STYLE}${HISTORY_STYLE}</style>
</head>
<body>
${body.join('\n')}
<script>${chartJs()}</script>
<script>const TRENDS = ${scriptJson(charts)};
${DRAW}</script>
</body>
</html>
`;
}

const HISTORY_STYLE = `
table.changes td, table.changes th { white-space: normal; text-align: left; max-width: none; }
.charts.trends { grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); }
tr.worse td:first-child { color: #cf222e; font-weight: 600; } tr.better td:first-child { color: #1a7f37; font-weight: 600; }
`;

/** Draws each trend: a line per metric, a floating bar for its spread, a dashed line at each change point. */
const DRAW = `
const METRIC_COLORS = { p50: '#0969da', p99: '#8250df', 'calls/s': '#1a7f37', capacity: '#bc4c00' };
const changeLines = {
  id: 'changeLines',
  afterDatasetsDraw(chart, _args, opts) {
    const { ctx, chartArea, scales } = chart;
    for (const c of opts.changes || []) {
      const x = (scales.x.getPixelForValue(c.index - 1) + scales.x.getPixelForValue(c.index)) / 2;
      ctx.save(); ctx.strokeStyle = c.worse ? '#cf222e' : '#1a7f37'; ctx.setLineDash([5, 4]); ctx.lineWidth = 1.5;
      ctx.beginPath(); ctx.moveTo(x, chartArea.top); ctx.lineTo(x, chartArea.bottom); ctx.stroke();
      ctx.setLineDash([]); ctx.fillStyle = ctx.strokeStyle; ctx.font = '11px system-ui, sans-serif';
      ctx.fillText(c.text, x + 3, chartArea.top + 12 + 13 * (opts.changes.indexOf(c) % 3)); ctx.restore();
    }
  },
};
function draw(t) {
  const datasets = t.lines.flatMap((l) => [
    { type: 'line', label: l.metric, data: l.values, borderColor: METRIC_COLORS[l.metric], backgroundColor: METRIC_COLORS[l.metric],
      pointRadius: 2.5, tension: 0, yAxisID: l.axis, order: 0 },
    { type: 'bar', label: l.metric + ' spread', data: l.low.map((lo, i) => [lo, l.high[i]]), yAxisID: l.axis,
      backgroundColor: METRIC_COLORS[l.metric] + '40', borderWidth: 0, barPercentage: 0.25, categoryPercentage: 1, order: 1 },
  ]);
  const axis = (text, position) => ({ position, min: 0, beginAtZero: true, title: { display: true, text },
    grid: { drawOnChartArea: position === 'left' } });
  const scales = { x: { title: { display: true, text: 'report (commit), oldest first' } } };
  if (t.yLabel) scales.y = axis(t.yLabel, 'left');
  if (t.y1Label) scales.y1 = axis(t.y1Label, t.yLabel ? 'right' : 'left');
  return new Chart(document.getElementById(t.id), {
    data: { labels: t.labels, datasets },
    options: { animation: false, maintainAspectRatio: false,
      plugins: { title: { display: true, text: t.title, font: { size: 13 } }, changeLines: { changes: t.changes },
        legend: { display: false },
        tooltip: { callbacks: { afterTitle: (items) => t.dates[items[0].dataIndex] } } },
      scales },
    plugins: [changeLines],
  });
}
window.rpcbenchCharts = TRENDS.map(draw);
window.rpcbenchChartsDrawn = window.rpcbenchCharts.length;
`;
