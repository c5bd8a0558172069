// Report -> latest.md: per call, one row per transport (fastest first) and the Mermaid charts Mermaid can draw
// honestly: horizontal bars (labels readable), sorted by the value shown, value axis from 0, one series each (Mermaid
// has no legend). Throughput against concurrency, bytes per call and the latency percentiles need lines and
// legends: they are in latest.html.
import type { Report } from '../report/types.ts';
import { type BarChart, chartsOf } from './charts.ts';
import {
  errorLines,
  machineLine,
  notes,
  optionsLine,
  scenarioTables,
  sectionTable,
  skippedLine,
  table,
  thresholdLines,
  verdictNote,
  verdictRows,
} from './format.ts';
import { type Section, tabled } from './view.ts';

export function renderMarkdown(report: Report): string {
  const out = ['# rpcbench report', '', machineLine(report), '', optionsLine(report), '', ...verdictSection(report), COLUMNS, ''];
  for (const { section, charts } of chartsOf(report)) {
    if (!section.rows.some(tabled)) continue;
    out.push(...renderSection(section), ...charts.filter((c): c is BarChart => c.kind === 'bar' && !c.stacked && !c.id.endsWith('-bytes')).flatMap(mermaid));
  }
  for (const t of scenarioTables(report)) {
    const body = [table(t.header, t.text), '', ...(t.note ? [t.note, ''] : [])];
    out.push(
      ...(t.folded
        ? [`<details><summary>${t.title}</summary>`, '', ...body, '</details>', '']
        : [`## ${t.title[0]!.toUpperCase()}${t.title.slice(1)}`, '', ...body]),
    );
  }
  const errors = errorLines(report);
  if (errors.length) out.push('## Errors', '', ...errors.map((e) => `- ${mdText(e)}`), '');
  const thresholds = thresholdLines(report);
  if (thresholds.length) out.push('## Thresholds', '', ...thresholds.map((t) => `- ${t}`), '');
  const warnings = notes(report);
  if (warnings.length) out.push(...warnings.map((w) => `> ${w}`), '');
  if (report.skipped.length) {
    out.push('## Skipped', '', ...report.skipped.map((s) => `- ${mdText(skippedLine(s))}`), '');
  }
  out.push('Throughput against calls in flight, bytes per call and the latency percentiles of every transport: `latest.html` (open it from disk).', '');
  return out.join('\n');
}

const COLUMNS =
  'Latency in µs (p50/p99 with one call in flight), calls/s per concurrency, spread of the trials (coefficient of variation of p50, ' +
  'of calls/s at the highest concurrency), codec µs per call timed in isolation (client/server), bytes per call on the wire ' +
  '(request/response, TCP payload), CPU µs per call (total, then client/server/broker).';

/** Who leads each goal of each call, those not clearly behind, and the rest with their ratios. */
function verdictSection(report: Report): string[] {
  const rows = verdictRows(report);
  if (!rows.length) return [];
  const header = ['call', 'goal', 'leader', 'no clear difference (× the leader, 95% interval)', 'clearly behind'];
  const lines = rows.map((r) => [
    r.call,
    `${r.goal} (${r.where})${r.caveat?.includes('found once') ? ` ⚠ ${r.caveat}` : ''}`,
    r.leader,
    r.tied.join(', ') || '-',
    r.behind.join(', ') || '-',
  ]);
  return ['## Verdict', '', table(header, lines), '', verdictNote(report), ''];
}

function renderSection(s: Section): string[] {
  const { title, header, rows } = sectionTable(s);
  return [`## ${title}`, '', table(header, rows), ''];
}

/** One Mermaid chart per series: horizontal bars sorted by that series, best first, the value axis from 0. */
function mermaid(chart: BarChart): string[] {
  if (chart.labels.length < 2) return [];
  return chart.series.flatMap((series) => {
    const bars = chart.labels
      .map((label, i) => ({ label, value: series.values[i]! }))
      .sort((a, b) => (chart.lowerIsBetter ? a.value - b.value : b.value - a.value));
    const top = Math.max(...bars.map((b) => b.value));
    return [
      '```mermaid',
      'xychart-beta horizontal',
      `    title "${chart.title.replace(/"/g, "'")}${chart.series.length > 1 ? `: ${series.name}` : ''}"`,
      `    x-axis [${bars.map((b) => `"${b.label}"`).join(', ')}]`,
      `    y-axis "${chart.valueLabel}" ${chart.axisMin} --> ${Math.ceil(top * 1.05)}`,
      `    bar [${bars.map((b) => Number(b.value.toPrecision(4))).join(', ')}]`,
      '```',
      '',
    ];
  });
}

/**
 * Text that came from outside (an error a plugin or a server raised) as markdown shows it, one line, inert: no line
 * break to start a heading, no tag a renderer would run, no pipe to break a table (issue 32: a plugin's "<script>" went
 * raw into latest.md).
 */
export function mdText(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|');
}
