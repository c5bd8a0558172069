// The charts of a report, as data: one per question a reader asks, for each call and payload size. Pure: a report
// in, chart specs out; the markdown (Mermaid) and HTML (Chart.js) reporters only draw them. Every value axis starts
// at 0, bars are sorted by the value they show, and every charted transport of the section is in every chart.
import { sectionTitle } from '../cells/label.ts';
import { mergedHistogram, percentilePoints } from '../report/histograms.ts';
import type { Report } from '../report/types.ts';
import { latencyCell, type Row, type Section, sections } from './view.ts';

export interface BarChart {
  kind: 'bar';
  id: string;
  title: string;
  /** What the value axis measures, with its unit. */
  valueLabel: string;
  /** One bar group per label (transport), in the order drawn: sorted by the first series. */
  labels: string[];
  series: Array<{ name: string; values: number[] }>;
  /** The value axis's lower end: always 0, so that bars compare by length. */
  axisMin: 0;
  lowerIsBetter: boolean;
}

export interface LineChart {
  kind: 'line';
  id: string;
  title: string;
  xLabel: string;
  /** 'nines': a percentile axis, log-scaled in 1 / (1 - p), labelled 90%, 99%, 99.9%, ... */
  xScale: 'category' | 'nines';
  valueLabel: string;
  axisMin: 0;
  series: Array<{ name: string; points: Array<[number, number]> }>;
}

export type Chart = BarChart | LineChart;

export interface SectionCharts {
  section: Section;
  charts: Chart[];
}

/** Charted rows only: the harness floor (or anything its traits say) is orders of magnitude off every scale. */
function charted(report: Report, rows: Row[]): Row[] {
  return rows.filter((r) => report.meta.transports[r.transport]?.charted ?? true);
}

const title = (s: Section) => sectionTitle(s.call, s.payloadEntries);
const idOf = (s: Section, what: string) => `${s.call}-${s.payloadEntries}-${what}`;

export function chartsOf(report: Report): SectionCharts[] {
  return sections(report).map((section) => {
    const rows = charted(report, section.rows);
    const charts: Chart[] = [
      latencyBars(section, rows),
      throughputBars(section, rows),
      throughputLines(section, rows),
      bytesBars(section, rows),
      percentiles(section, rows),
    ].filter((c): c is Chart => c !== null);
    return { section, charts };
  });
}

function bars(
  id: string,
  t: string,
  valueLabel: string,
  lowerIsBetter: boolean,
  entries: Array<{ label: string; values: number[] }>,
  names: string[],
): BarChart {
  const sorted = [...entries].sort((a, b) => (lowerIsBetter ? a.values[0]! - b.values[0]! : b.values[0]! - a.values[0]!));
  return {
    kind: 'bar',
    id,
    title: t,
    valueLabel,
    labels: sorted.map((e) => e.label),
    series: names.map((name, i) => ({ name, values: sorted.map((e) => e.values[i]!) })),
    axisMin: 0,
    lowerIsBetter,
  };
}

/** p50 and p99 with one call in flight, fastest first. */
function latencyBars(s: Section, rows: Row[]): BarChart | null {
  if (!rows.length) return null;
  const entries = rows.map((r) => ({ label: r.label, values: [latencyCell(r).latencyUs.p50, latencyCell(r).latencyUs.p99] }));
  return bars(idOf(s, 'latency'), `${title(s)}: latency (lower is better)`, 'µs', true, entries, ['p50', 'p99']);
}

/** calls/s at the highest concurrency run, most first. */
function throughputBars(s: Section, rows: Row[]): BarChart | null {
  const c = s.concurrencies.at(-1);
  const withIt = rows.filter((r) => c !== undefined && r.throughput.has(c));
  if (c === undefined || !withIt.length) return null;
  const entries = withIt.map((r) => ({ label: r.label, values: [r.throughput.get(c)!.callsPerSec] }));
  return bars(idOf(s, 'calls'), `${title(s)}: calls/s at ${c} in flight (higher is better)`, 'calls/s', false, entries, [`calls/s @${c}`]);
}

/** calls/s against concurrency, one line per transport: where each stops gaining. */
function throughputLines(s: Section, rows: Row[]): LineChart | null {
  if (s.concurrencies.length < 2) return null;
  return {
    kind: 'line',
    id: idOf(s, 'scaling'),
    title: `${title(s)}: calls/s against calls in flight`,
    xLabel: 'calls in flight',
    xScale: 'category',
    valueLabel: 'calls/s',
    axisMin: 0,
    series: rows.map((r) => ({
      name: r.label,
      points: s.concurrencies.filter((c) => r.throughput.has(c)).map((c) => [c, r.throughput.get(c)!.callsPerSec] as [number, number]),
    })),
  };
}

/** Bytes on the wire per call, request and response, beside the payload's own JSON size. */
function bytesBars(s: Section, rows: Row[]): BarChart | null {
  const withBytes = rows.filter((r) => r.first.bytesPerCall);
  if (!withBytes.length) return null;
  const entries = withBytes.map((r) => {
    const b = r.first.bytesPerCall!;
    const payload = r.first.payloadBytes.request + r.first.payloadBytes.response;
    return { label: r.label, values: [b.request + b.response, b.request, b.response, payload] };
  });
  const chart = bars(idOf(s, 'bytes'), `${title(s)}: bytes on the wire per call (lower is better)`, 'bytes', true, entries, [
    'total',
    'request',
    'response',
    'payload (JSON)',
  ]);
  // the total only sorts; the bars are the parts and the payload beside them
  return { ...chart, series: chart.series.slice(1) };
}

/** The latency distribution with one call in flight, from every trial's saved histogram: an HDR percentile plot. */
function percentiles(s: Section, rows: Row[]): LineChart | null {
  const series = rows.flatMap((r) => {
    const h = mergedHistogram(latencyCell(r).trials);
    return h?.totalCount ? [{ name: r.label, points: percentilePoints(h) }] : [];
  });
  if (!series.length) return null;
  return {
    kind: 'line',
    id: idOf(s, 'percentiles'),
    title: `${title(s)}: latency by percentile, one call in flight`,
    xLabel: 'percentile',
    xScale: 'nines',
    valueLabel: 'µs',
    axisMin: 0,
    series,
  };
}
