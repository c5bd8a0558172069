// latency: one call in flight, each sent when the last returns: what one call costs, with nothing queued behind it.
import { mergedHistogram, percentilePoints } from '../report/histograms.ts';
import type { CellResult, Report } from '../report/types.ts';
import { trialSamples } from '../stats/verdict.ts';
import { measureCell, type Scenario } from './scenario.ts';
import type { Chart, RowCells } from './view.ts';

const ofLatency = (report: Report, call: string) =>
  report.results.filter((c) => c.scenario === latency.name && c.call === call && c.payloadEntries === report.meta.options.payloadEntries[0]);
const goalCells = (report: Report, call: string) => {
  const cells = ofLatency(report, call);
  return cells.length ? { cells, where: 'latency, 1 in flight' } : null;
};
const one = (cells: readonly CellResult[]) => cells[0];
const pct = (cv: number) => `±${Number((cv * 100).toPrecision(2))}%`;

export const latency: Scenario<Record<string, never>> = {
  name: 'latency',
  measures: 'how long one call takes with nothing else in flight (p50, p99, ...)',
  loop: 'closed',
  inDefault: true,
  flags: [],
  settings: () => ({}),
  record: () => ({}),
  cells: (base) => [{ ...base, scenario: 'latency', concurrency: 1, ratePerSec: null }],
  plan: () => 'latency (1 in flight)',
  load: (cell) => `c=${cell.concurrency}`,
  metrics: ['p50', 'p90', 'p99', 'p99.9', 'max', 'mean'],
  run: measureCell,
  outcome: () => null,
  goals: [
    { goal: 'p50', cells: goalCells, samples: (c, runs) => trialSamples(c, runs, (t) => t.latencyUs.p50) },
    { goal: 'p99', cells: goalCells, samples: (c, runs) => trialSamples(c, runs, (t) => t.latencyUs.p99) },
  ],
  view: {
    columns: (rows) =>
      rows.some((r) => r.cells.length)
        ? [
            { header: 'p50 µs', figure: (cells) => (one(cells) ? { value: one(cells)!.latencyUs.p50, noisy: one(cells)!.noisy } : null), compact: true },
            { header: 'p99 µs', figure: (cells) => (one(cells) ? { value: one(cells)!.latencyUs.p99 } : null), compact: true },
            { header: 'p50 spread', figure: (cells) => (one(cells) && one(cells)!.trials.length > 1 ? pct(one(cells)!.spread.p50.cv) : null) },
          ]
        : [],
    rank: (cells) => (one(cells) ? -one(cells)!.latencyUs.p50 : null),
    charts: (rows, place) =>
      charts(
        rows.filter((r) => r.cells.length),
        place,
      ),
  },
};

function charts(rows: readonly RowCells[], place: { title: string; id(what: string): string }): Chart[] {
  if (!rows.length) return [];
  const sorted = [...rows].sort((a, b) => a.cells[0]!.latencyUs.p50 - b.cells[0]!.latencyUs.p50);
  const bars: Chart = {
    kind: 'bar',
    id: place.id('latency'),
    title: `${place.title}: latency (lower is better)`,
    valueLabel: 'µs',
    labels: sorted.map((r) => r.label),
    series: [
      { name: 'p50', values: sorted.map((r) => r.cells[0]!.latencyUs.p50) },
      { name: 'p99', values: sorted.map((r) => r.cells[0]!.latencyUs.p99) },
    ],
    axisMin: 0,
    lowerIsBetter: true,
  };
  // the latency distribution, from every trial's saved histogram: an HDR percentile plot
  const series = sorted.flatMap((r) => {
    const h = mergedHistogram(r.cells[0]!.trials);
    return h?.totalCount ? [{ name: r.label, points: percentilePoints(h) }] : [];
  });
  const percentiles: Chart[] = series.length
    ? [
        {
          kind: 'line',
          id: place.id('percentiles'),
          title: `${place.title}: latency by percentile, one call in flight`,
          xLabel: 'percentile',
          xScale: 'nines',
          valueLabel: 'µs',
          axisMin: 0,
          series,
        },
      ]
    : [];
  return [bars, ...percentiles];
}
