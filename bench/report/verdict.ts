// The verdict: for each call and each goal, the leader, and every other transport as a ratio to it with a 95%
// confidence interval, as hyperfine says "2.1 ± 0.1 times faster". Intervals are percentile bootstraps (Efron and
// Tibshirani, 1993) of the ratio of the two cells' medians over their trials, resampled 2,000 times with a fixed
// seed (the same report always reads the same). An interval that holds 1 is "no clear difference", never a rank.
// Capacity, found once per run by a search, takes the search's bracket instead: it lies between the highest rate
// that passed and the lowest that failed. Bytes per call are measured once and exact: their ratios have no interval.
// Trials of one run share that run's machine state; runs differ more (8-28% here), which --runs N pools.

import { bytesTotal, cpuTotal } from './metrics.ts';
import { bootstrapRatio, seedOf } from './random.ts';
import { median } from './trials.ts';
import type { CallName, CellResult, Goal, Report, VerdictItem, VerdictSection } from './types.ts';

interface GoalSpec {
  goal: Goal;
  lowerIsBetter: boolean;
  /** The cells of one call the goal compares, and what they are. */
  cells(report: Report, call: CallName): { cells: CellResult[]; where: string } | null;
  /** The samples of a cell: one per trial (per search for capacity), or one exact value. */
  samples(c: CellResult): number[];
  /** Where the samples are not resampled: the cell's value lies in [low, high] (a capacity search's bracket). */
  bracket?(c: CellResult): [number, number];
  /** The cell's figure is a lower bound: its client was the limit (calls/s, capacity). */
  lowerBound?(c: CellResult): boolean;
}

const RESAMPLES = 2000;
const CONFIDENCE = 0.95;

const ofScenario = (report: Report, call: CallName, scenario: string) =>
  report.results.filter((c) => c.call === call && c.scenario === scenario && c.payloadEntries === report.meta.options.payloadEntries[0]);

/** Throughput at the most calls in flight the run had: where transports differ most. */
function busiest(report: Report, call: CallName): { cells: CellResult[]; where: string } | null {
  const cells = ofScenario(report, call, 'throughput');
  if (!cells.length) return null;
  const most = Math.max(...cells.map((c) => c.concurrency));
  return { cells: cells.filter((c) => c.concurrency === most), where: `throughput, ${most} in flight` };
}

const latency = (report: Report, call: CallName) => {
  const cells = ofScenario(report, call, 'latency');
  return cells.length ? { cells, where: 'latency, 1 in flight' } : null;
};

const GOALS: GoalSpec[] = [
  { goal: 'p50', lowerIsBetter: true, cells: latency, samples: (c) => c.trials.map((t) => t.latencyUs.p50) },
  { goal: 'p99', lowerIsBetter: true, cells: latency, samples: (c) => c.trials.map((t) => t.latencyUs.p99) },
  { goal: 'calls/s', lowerIsBetter: false, cells: busiest, samples: (c) => c.trials.map((t) => t.callsPerSec), lowerBound: (c) => c.clientBound },
  {
    goal: 'capacity',
    lowerIsBetter: false,
    cells: (report, call) => {
      const cells = ofScenario(report, call, 'capacity').filter((c) => c.capacity);
      return cells.length ? { cells, where: `capacity at ${cells[0]!.capacity!.slo}` } : null;
    },
    samples: (c) => c.capacity!.searches.map((s) => s.callsPerSec),
    lowerBound: (c) => c.capacity!.bound === 'client' || c.capacity!.bound === 'max-rate',
    bracket: (c) => {
      const found = c.capacity!.callsPerSec;
      const failed = c.capacity!.searches.flatMap((s) => s.steps.filter((x) => !x.pass && x.ratePerSec > found).map((x) => x.ratePerSec));
      return [found, failed.length ? Math.min(...failed) : found];
    },
  },
  {
    goal: 'bytes/call',
    lowerIsBetter: true,
    cells: (report, call) => {
      // measured once per call, the same in every scenario: one cell per transport
      const byTransport = new Map<string, CellResult>();
      for (const c of report.results)
        if (c.call === call && c.payloadEntries === report.meta.options.payloadEntries[0] && c.bytesPerCall && !byTransport.has(c.transport))
          byTransport.set(c.transport, c);
      return byTransport.size ? { cells: [...byTransport.values()], where: 'on the wire, request + reply' } : null;
    },
    samples: (c) => [bytesTotal(c)],
  },
  {
    goal: 'cpu/call',
    lowerIsBetter: true,
    cells: (report, call) => {
      const b = busiest(report, call);
      return b && { ...b, cells: b.cells.filter((c) => c.cpuUsPerCall.server !== null) };
    },
    samples: (c) => c.trials.map((t) => cpuTotal(t.cpuUsPerCall)),
  },
];

/** The verdict of a report: every call, every goal its cells measure; transports that are the harness's floor left out. */
export function verdictOf(report: Report): VerdictSection {
  const items: VerdictItem[] = [];
  const comparable = (c: CellResult) => report.meta.transports[c.transport]?.role !== 'harness-floor' && c.calls > 0;
  for (const call of report.meta.options.calls) {
    for (const spec of GOALS) {
      const chosen = spec.cells(report, call);
      const cells = chosen?.cells.filter(comparable) ?? [];
      if (cells.length >= 2) items.push(judge(spec, call, chosen!.where, cells));
    }
  }
  return {
    confidence: CONFIDENCE,
    method: `percentile bootstrap of the ratio of medians over each cell's trials (${RESAMPLES.toLocaleString('en-US')} resamples); capacity: the search's bracket; bytes: exact`,
    items,
  };
}

function judge(spec: GoalSpec, call: CallName, where: string, cells: CellResult[]): VerdictItem {
  const valued = cells.map((c) => ({ c, samples: spec.samples(c) })).map((x) => ({ ...x, value: median(x.samples) }));
  valued.sort((a, b) => (spec.lowerIsBetter ? a.value - b.value : b.value - a.value));
  const [lead, ...rest] = valued as [(typeof valued)[0], ...typeof valued];
  // worse ÷ better, whichever way the goal points, so every ratio reads "this many times worse"
  const worse = (other: number, leader: number) => (spec.lowerIsBetter ? other / leader : leader / other);
  const others = rest.map(({ c, samples, value }) => {
    const [low, high] = spec.bracket
      ? bracketRatio(spec.bracket(c), spec.bracket(lead.c), worse)
      : samples.length > 1 || lead.samples.length > 1
        ? bootstrapRatio(samples, lead.samples, worse, seedOf(`${call}|${spec.goal}|${c.transport}|${lead.c.transport}`), RESAMPLES, CONFIDENCE)
        : [worse(value, lead.value), worse(value, lead.value)];
    return { transport: c.transport, value, ratio: worse(value, lead.value), low, high, clear: low > 1 };
  });
  return { call, goal: spec.goal, where, leader: lead.c.transport, leaderValue: lead.value, leaderClientBound: spec.lowerBound?.(lead.c) ?? false, others };
}

/** The interval of worse(other, leader) from the two brackets: its least and most over the corners. */
function bracketRatio(other: [number, number], leader: [number, number], worse: (o: number, l: number) => number): [number, number] {
  const corners = [worse(other[0], leader[0]), worse(other[0], leader[1]), worse(other[1], leader[0]), worse(other[1], leader[1])];
  return [Math.min(...corners), Math.max(...corners)];
}
