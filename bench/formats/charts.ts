// The charts of a report, as data: one per question a reader asks, for each call and payload size. Pure: a report
// in, chart specs out; the markdown (Mermaid) and HTML (Chart.js) reporters only draw them. Every value axis starts
// at 0, bars are sorted by the value they show, and every charted transport of the section is in every chart.
import { sectionTitle } from '../cells/label.ts';
import { mergedHistogram, percentilePoints } from '../report/histograms.ts';
import { cpuTotal } from '../report/metrics.ts';
import type { CellResult, Report } from '../report/types.ts';
import { cpuCell, latencyCell, type Row, type Section, sections } from './view.ts';

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
  /** The series are parts of one whole, drawn end to end (CPU: client, server, broker). */
  stacked?: boolean;
}

export interface LineChart {
  kind: 'line';
  id: string;
  title: string;
  xLabel: string;
  /** 'nines': a percentile axis, log-scaled in 1 / (1 - p), labelled 90%, 99%, 99.9%, ...; 'linear': numbers from 0. */
  xScale: 'category' | 'nines' | 'linear';
  valueLabel: string;
  /** A second value axis on the right, for series that say `axis: 'y1'` (a time chart's p99 beside its calls/s). */
  value2Label?: string;
  /** Where the value axis ends, when the interesting part is below it (points above are drawn at the edge). */
  valueMax?: number;
  axisMin: 0;
  /** `group`: the transport a series belongs to (its colour); `dashed`: its second line (p50 beside p99). */
  series: Array<{ name: string; points: Array<[number, number]>; group?: string; dashed?: boolean; axis?: 'y' | 'y1' }>;
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
    const closed = rows.filter((r) => r.latency || r.throughput.size);
    const charts: Chart[] = [
      latencyBars(section, closed),
      throughputBars(section, rows),
      throughputLines(section, rows),
      capacityBars(section, rows),
      loadLatency(section, rows),
      bytesBars(section, rows),
      cpuBars(section, rows),
      percentiles(section, closed),
      ...timeCharts(section, rows),
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

/** CPU per call, the parts end to end (client, server, broker where it was measured), least first: the column's cell. */
function cpuBars(s: Section, rows: Row[]): BarChart | null {
  if (!rows.length) return null;
  const withBroker = rows.some((r) => typeof cpuCell(r).cpuUsPerCall.broker === 'number');
  const entries = rows.map((r) => {
    const cpu = cpuCell(r).cpuUsPerCall;
    const parts = [cpu.client, cpu.server ?? 0, ...(withBroker ? [cpu.broker ?? 0] : [])];
    return { label: r.label, values: [cpuTotal(cpu), ...parts] };
  });
  const names = ['total', 'client', 'server', ...(withBroker ? ['broker'] : [])];
  const where = cpuCell(rows[0]!).concurrency;
  const chart = bars(idOf(s, 'cpu'), `${title(s)}: CPU µs per call at ${where} in flight (lower is better)`, 'µs of CPU', true, entries, names);
  return { ...chart, series: chart.series.slice(1), stacked: true };
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

/** Capacity within the objective, most first, beside what one server core would carry (1e6 ÷ its CPU per call). */
function capacityBars(s: Section, rows: Row[]): BarChart | null {
  const withIt = rows.filter((r) => r.capacity?.capacity);
  if (!withIt.length) return null;
  const slo = withIt[0]!.capacity!.capacity!.slo;
  const entries = withIt.map((r) => ({ label: r.label, values: [r.capacity!.capacity!.callsPerSec, r.capacity!.capacity!.perCoreCallsPerSec ?? 0] }));
  return bars(idOf(s, 'capacity'), `${title(s)}: capacity within ${slo} (higher is better)`, 'calls/s', false, entries, [
    'capacity (≥ where client-bound)',
    'per server core',
  ]);
}

/**
 * Latency against throughput: each capacity step's achieved calls/s and its p50 and p99, one line per transport
 * (p99 solid, p50 dashed, one colour), every axis from 0: where each transport's latency turns up.
 */
function loadLatency(s: Section, rows: Row[]): LineChart | null {
  const withSteps = rows.filter((r) => r.capacity?.capacity?.searches.length);
  if (!withSteps.length) return null;
  const series = withSteps.flatMap((r) => {
    const steps = r.capacity!.capacity!.searches.flatMap((x) => x.steps).sort((a, b) => a.achievedPerSec - b.achievedPerSec);
    const line = (pick: 'p50' | 'p99', dashed: boolean) => ({
      name: `${r.label} ${pick}`,
      group: r.label,
      dashed,
      points: steps.map((x) => [x.achievedPerSec, x.latencyUs[pick]] as [number, number]),
    });
    return [line('p99', false), line('p50', true)];
  });
  // the objective as a line across the chart, and the axis to twice it: above, every step failed anyway
  const capacity = withSteps[0]!.capacity!.capacity!;
  const limitUs = capacity.sloLimitUs;
  const xMax = Math.max(...series.flatMap((x) => x.points.map(([p]) => p)));
  const objective = [
    {
      name: `objective ${capacity.slo}`,
      group: 'objective',
      dashed: true,
      points: [
        [0, limitUs],
        [xMax, limitUs],
      ] as Array<[number, number]>,
    },
  ];
  return {
    kind: 'line',
    id: idOf(s, 'load-latency'),
    title: `${title(s)}: latency against throughput (capacity search steps; p99 solid, p50 dashed; the axis ends at twice the objective)`,
    xLabel: 'achieved calls/s',
    xScale: 'linear',
    valueLabel: 'µs',
    axisMin: 0,
    valueMax: 2 * limitUs,
    series: [...objective, ...series],
  };
}

/** Each open-loop cell over time, second by second: calls/s and p99 (a capacity search's steps, one after another). */
function timeCharts(s: Section, rows: Row[]): LineChart[] {
  const cells = rows.flatMap((r) => [r.rate, r.capacity].filter((c): c is CellResult => Boolean(c)).map((c) => ({ r, c })));
  return cells.flatMap(({ r, c }) => {
    const trials = c.capacity ? c.capacity.searches.flatMap((x) => x.steps.flatMap((step) => step.trials)) : c.trials;
    const t0 = Math.min(...trials.map((t) => t.startedAtMs));
    const windows = trials.flatMap((t) => (t.windows ?? []).map((w) => ({ at: (t.startedAtMs - t0) / 1000 + w.atSec, w })));
    if (!windows.length) return [];
    windows.sort((a, b) => a.at - b.at);
    const at = (x: number) => Math.round(x * 100) / 100;
    return [
      {
        kind: 'line',
        id: idOf(s, `time-${c.scenario}-${r.transport.replace(/\W/g, '_')}`),
        title: `${title(s)}: ${r.label} ${c.scenario}, second by second`,
        xLabel: 'seconds from the first trial',
        xScale: 'linear',
        valueLabel: 'calls/s',
        value2Label: 'p99 µs',
        axisMin: 0,
        series: [
          { name: 'calls/s', points: windows.map(({ at: x, w }) => [at(x), w.callsPerSec] as [number, number]) },
          { name: 'p99 µs', axis: 'y1', dashed: true, points: windows.map(({ at: x, w }) => [at(x), w.p99Us] as [number, number]) },
        ],
      } satisfies LineChart,
    ];
  });
}
