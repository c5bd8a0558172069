// The charts of a report, as data: one per question a reader asks, for each call and payload size. Pure: a report
// in, chart specs out; the markdown (Mermaid) and HTML (Chart.js) reporters only draw them. Every value axis starts
// at 0, bars are sorted by the value they show, and every charted transport of the section is in every chart. Each
// scenario contributes its own charts (bench/scenarios); bytes and CPU per call are every cell's.
import { sectionTitle } from '../cells/label.ts';
import { cpuTotal } from '../report/metrics.ts';
import type { Report } from '../report/types.ts';
import { SCENARIOS } from '../scenarios/index.ts';
import type { BarChart, Chart, ChartPlace } from '../scenarios/view.ts';
import { cpuCell, type Row, rowCells, type Section, sections } from './view.ts';

export type { BarChart, Chart, LineChart } from '../scenarios/view.ts';

export interface SectionCharts {
  section: Section;
  charts: Chart[];
}

/** Charted rows only: the harness floor (or anything its traits say) is orders of magnitude off every scale. */
function charted(report: Report, rows: Row[]): Row[] {
  return rows.filter((r) => report.meta.transports[r.transport]?.charted ?? true);
}

export function chartsOf(report: Report): SectionCharts[] {
  return sections(report).map((section) => {
    const rows = charted(report, section.rows);
    const place: ChartPlace = { title: sectionTitle(section.call, section.payloadEntries), id: (what) => `${section.call}-${section.payloadEntries}-${what}` };
    const own = SCENARIOS.flatMap(
      (s) =>
        s.view?.charts?.(
          rowCells(rows, s).filter((r) => r.cells.length),
          place,
        ) ?? [],
    );
    const charts = [...own, bytesBars(place, rows), cpuBars(place, rows)].filter((c): c is Chart => c !== null);
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

/** Bytes on the wire per call, request and response, beside the payload's own JSON size. */
function bytesBars(place: ChartPlace, rows: Row[]): BarChart | null {
  const withBytes = rows.filter((r) => r.first.bytesPerCall);
  if (!withBytes.length) return null;
  const entries = withBytes.map((r) => {
    const b = r.first.bytesPerCall!;
    const payload = r.first.payloadBytes.request + r.first.payloadBytes.response;
    return { label: r.label, values: [b.request + b.response, b.request, b.response, payload] };
  });
  const chart = bars(place.id('bytes'), `${place.title}: bytes on the wire per call (lower is better)`, 'bytes', true, entries, [
    'total',
    'request',
    'response',
    'payload (JSON)',
  ]);
  // the total only sorts; the bars are the parts and the payload beside them
  return { ...chart, series: chart.series.slice(1) };
}

/** CPU per call, the parts end to end (client, server, broker where it was measured), least first: the column's cell. */
function cpuBars(place: ChartPlace, rows: Row[]): BarChart | null {
  if (!rows.length) return null;
  const withBroker = rows.some((r) => typeof cpuCell(r).cpuUsPerCall.broker === 'number');
  const entries = rows.map((r) => {
    const cpu = cpuCell(r).cpuUsPerCall;
    const parts = [cpu.client, cpu.server ?? 0, ...(withBroker ? [cpu.broker ?? 0] : [])];
    return { label: r.label, values: [cpuTotal(cpu), ...parts] };
  });
  const names = ['total', 'client', 'server', ...(withBroker ? ['broker'] : [])];
  const where = cpuCell(rows[0]!).concurrency;
  const chart = bars(place.id('cpu'), `${place.title}: CPU µs per call at ${where} in flight (lower is better)`, 'µs of CPU', true, entries, names);
  return { ...chart, series: chart.series.slice(1), stacked: true };
}
