// throughput: C calls in flight (closed loop), each sent as soon as one returns: calls/s at each --concurrency.
// Closed-loop calls/s of a fast transport can measure the client: cells where it was the limit are marked.
import { cpuTotal } from '../report/metrics.ts';
import type { CellResult, Report } from '../report/types.ts';
import { trialSamples } from '../stats/verdict.ts';
import { measureCell, type Scenario } from './scenario.ts';
import type { Chart, ChartPlace, RowCells, ViewColumn } from './view.ts';

/** Throughput at the most calls in flight the run had: where transports differ most. */
function busiest(report: Report, call: string): { cells: CellResult[]; where: string } | null {
  const cells = report.results.filter((c) => c.scenario === throughput.name && c.call === call && c.payloadEntries === report.meta.options.payloadEntries[0]);
  if (!cells.length) return null;
  const most = Math.max(...cells.map((c) => c.concurrency));
  return { cells: cells.filter((c) => c.concurrency === most), where: `throughput, ${most} in flight` };
}

const concurrenciesOf = (rows: readonly RowCells[]) => [...new Set(rows.flatMap((r) => r.cells.map((c) => c.concurrency)))].sort((a, b) => a - b);
const at = (cells: readonly CellResult[], c: number | undefined) => cells.find((x) => x.concurrency === c);
const pct = (cv: number) => `±${Number((cv * 100).toPrecision(2))}%`;

export const throughput: Scenario<Record<string, never>> = {
  name: 'throughput',
  measures: 'calls/s and CPU per call with C calls in flight (closed loop), at each --concurrency',
  loop: 'closed',
  inDefault: true,
  flags: [],
  settings: () => ({}),
  record: () => ({}),
  cells: (base, _s, common) => common.concurrency.map((concurrency) => ({ ...base, scenario: 'throughput', concurrency, ratePerSec: null })),
  plan: (_s, common) => `throughput at ${common.concurrency.join(', ')} in flight`,
  load: (cell) => `c=${cell.concurrency}`,
  metrics: ['calls/s', 'cpu/call'],
  byConcurrency: true,
  run: measureCell,
  outcome: () => null,
  goals: [
    {
      goal: 'calls/s',
      cells: busiest,
      samples: (c, runs) => trialSamples(c, runs, (t) => t.callsPerSec),
      lowerBound: (c) => c.clientBound,
    },
    {
      goal: 'cpu/call',
      cells: (report, call) => {
        const b = busiest(report, call);
        return b && { ...b, cells: b.cells.filter((c) => c.cpuUsPerCall.server !== null) };
      },
      samples: (c, runs) => trialSamples(c, runs, (t) => cpuTotal(t.cpuUsPerCall)),
    },
  ],
  view: {
    columns: (rows) => {
      const cs = concurrenciesOf(rows);
      if (!cs.length) return [];
      const perC = cs.map(
        (c): ViewColumn => ({
          header: `calls/s @${c}`,
          figure: (cells) => {
            const cell = at(cells, c);
            return cell ? { value: cell.callsPerSec, clientBound: cell.clientBound, noisy: cell.noisy } : null;
          },
          compact: true,
        }),
      );
      const top = cs.at(-1);
      const spread: ViewColumn = {
        header: 'calls/s spread',
        figure: (cells) => {
          const cell = at(cells, top);
          return cell && cell.trials.length > 1 ? pct(cell.spread.callsPerSec.cv) : null;
        },
      };
      return [...perC, spread];
    },
    rank: (cells) => {
      const top = [...cells].sort((a, b) => b.concurrency - a.concurrency)[0];
      return top ? top.callsPerSec : null;
    },
    charts: (rows, place) =>
      charts(
        rows.filter((r) => r.cells.length),
        place,
      ),
  },
};

function charts(rows: readonly RowCells[], place: ChartPlace): Chart[] {
  const cs = concurrenciesOf(rows);
  const top = cs.at(-1);
  const withTop = rows.filter((r) => at(r.cells, top));
  if (top === undefined || !withTop.length) return [];
  const sorted = [...withTop].sort((a, b) => at(b.cells, top)!.callsPerSec - at(a.cells, top)!.callsPerSec);
  const bars: Chart = {
    kind: 'bar',
    id: place.id('calls'),
    title: `${place.title}: calls/s at ${top} in flight (higher is better)`,
    valueLabel: 'calls/s',
    labels: sorted.map((r) => r.label),
    series: [{ name: `calls/s @${top}`, values: sorted.map((r) => at(r.cells, top)!.callsPerSec) }],
    axisMin: 0,
    lowerIsBetter: false,
  };
  if (cs.length < 2) return [bars];
  // calls/s against concurrency, one line per transport: where each stops gaining
  const lines: Chart = {
    kind: 'line',
    id: place.id('scaling'),
    title: `${place.title}: calls/s against calls in flight`,
    xLabel: 'calls in flight',
    xScale: 'category',
    valueLabel: 'calls/s',
    axisMin: 0,
    series: rows.map((r) => ({ name: r.label, points: cs.filter((c) => at(r.cells, c)).map((c) => [c, at(r.cells, c)!.callsPerSec] as [number, number]) })),
  };
  return [bars, lines];
}
