// What one sample is, and the samples each side of a comparison offers per cell.
// Trials of one run share its server processes and the machine's mood; runs of one build differ far more
// (measured here: 8-28% between runs against 5-12% between trials, per cell). So when a side pools several
// runs (several files, or --runs N), each run (the median of its trials) is one sample; a single run per side
// can only offer its trials.
import { cellLabel } from '../cells/label.ts';
import type { MetricName, Stat } from '../report/metrics.ts';
import { medianOfTrials } from '../report/trials.ts';
import type { CellResult, Report } from '../report/types.ts';
import { scenarioOf } from '../scenarios/index.ts';

export type { Stat };

/** A whole run (several runs pooled per side) or a trial (one run per side). */
export type SampleUnit = 'run' | 'trial';

/** One cell's samples on one side; `index` aligns samples across a transport's cells (run number or trial number). */
export interface CellSamples {
  cell: CellResult;
  samples: Array<{ index: number; stat: Stat }>;
  /** The samples of its scenario's own metrics (a capacity per search): one per run, whatever the unit of the others. */
  own: Partial<Record<MetricName, number[]>>;
}

export interface Side {
  unit: SampleUnit;
  cells: Map<string, CellSamples>;
  /** Every report ran in a gate's round (meta.round): each sample's index is its round, and the two sides pair by it. */
  paired: boolean;
}

export function groupBy<T, K>(items: Iterable<T>, key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const runsOf = (cell: CellResult) => groupBy(cell.trials, (t) => t.run ?? 0);

/** A side's samples per cell: one per run when it has several runs (files, or runs inside one file), else its trials. */
export function sideOf(reports: Report[]): Side {
  const manyRuns = reports.length > 1 || reports.some((r) => r.results.some((c) => runsOf(c).size > 1));
  const paired =
    manyRuns &&
    reports.every((r) => r.meta.round !== undefined && r.results.every((c) => runsOf(c).size <= 1)) &&
    new Set(reports.map((r) => r.meta.round)).size === reports.length;
  const cells = new Map<string, CellSamples>();
  reports.forEach((report, file) => {
    for (const cell of report.results) {
      const key = cellLabel(cell);
      const entry = cells.get(key) ?? { cell, samples: [], own: {} };
      cells.set(key, entry);
      const scenario = scenarioOf(cell.scenario);
      for (const metric of scenario.metrics) {
        const values = scenario.samples?.(cell, metric) ?? [];
        if (values.length) entry.own[metric] = [...(entry.own[metric] ?? []), ...values];
      }
      if (!manyRuns) entry.samples.push(...cell.trials.map((stat, index) => ({ index, stat })));
      else
        for (const [run, trials] of runsOf(cell))
          entry.samples.push({ index: paired ? report.meta.round! : file * 100_000 + run, stat: medianOfTrials(trials) });
    }
  });
  return { unit: manyRuns ? 'run' : 'trial', cells, paired };
}
