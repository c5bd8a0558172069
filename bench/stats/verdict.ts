// The verdict: for each call and each goal, the leader, and every other transport as a ratio to it with a 95%
// confidence interval, as hyperfine says "2.1 ± 0.1 times faster". Intervals are percentile bootstraps (Efron and
// Tibshirani, 1993) of the ratio of the two cells' medians, resampled 2,000 times with a fixed seed (the same report
// always reads the same). Bytes per call are measured once and exact: their ratios have no interval.
//
// What the samples are decides what a lead is worth. Runs differ more than trials: measured on these 2-vCPU VMs, a
// cell's runs 8-28% apart where its trials were 5-12% (README), and three back-to-back capacity searches 1.5-5.3× apart
// (issue 30). So with several runs (--runs N, or pooled reports) each run is one sample and an interval that clears 1
// is clear. One run's trials cannot show that spread: a lead is then clear only when its interval clears RUN_MARGIN,
// and a figure found once per run (a capacity search) is never clear from one run. The goals come from the
// scenarios (each compares its own cells); this file knows none of them by name.

import { bytesTotal, METRICS, type MetricName, type MetricSpec } from '../report/metrics.ts';
import { median } from '../report/trials.ts';
import type { CallName, CellResult, Report, VerdictBasis, VerdictItem, VerdictOther, VerdictSection } from '../report/types.ts';
import { bootstrapRatio, seedOf } from './random.ts';

/** The cells of one call that a goal compares, and what they are ("latency, 1 in flight"). */
export interface GoalCells {
  cells: CellResult[];
  where: string;
}

/** A goal of the verdict, as a scenario (or every cell, for bytes) contributes it. */
export interface GoalSpec {
  /** The metric it ranks by: its direction and words come from the metric table. */
  goal: MetricName;
  /** The cells of one call it compares. */
  cells(report: Report, call: CallName): GoalCells | null;
  /** The cell's samples: one per trial, or one per run when `byRun` (one value for an exact figure). */
  samples(c: CellResult, byRun: boolean): number[];
  /** The figure is found once per run (a search): one run gives one sample, whose spread nobody knows. */
  oncePerRun?: boolean;
  /** The cell's figure is a lower bound: its client was the limit (calls/s, capacity). */
  lowerBound?(c: CellResult): boolean;
  /** An exact figure (bytes): ratios without intervals, clear when not 1. */
  exact?: boolean;
}

const RESAMPLES = 2000;
const CONFIDENCE = 0.95;

/**
 * With one run, a lead is clear only if its interval clears this: the run-to-run spread of a cell on these machines
 * (8-28% between runs, README) makes a smaller lead from one run a guess that the next run can reverse.
 */
export const RUN_MARGIN = 0.25;

/** The report's runs: how many distinct run numbers its trials carry (1 for a single run). */
export function runsOf(report: Report): number {
  const runs = new Set(report.results.flatMap((c) => c.trials.map((t) => t.run ?? 0)));
  return Math.max(1, runs.size);
}

/** Each run's trials of a cell, in run order: for samples one per run. */
export function byRun<T extends { run?: number }>(trials: readonly T[]): T[][] {
  const runs = new Map<number, T[]>();
  for (const t of trials) runs.set(t.run ?? 0, [...(runs.get(t.run ?? 0) ?? []), t]);
  return [...runs.entries()].sort(([a], [b]) => a - b).map(([, ts]) => ts);
}

/** The verdict of a report: every call, every goal its cells measure; transports that are the harness's floor left out. */
export function verdictOf(report: Report, goals: readonly GoalSpec[]): VerdictSection {
  const items: VerdictItem[] = [];
  const runs = runsOf(report);
  const basis: VerdictBasis = runs > 1 ? { kind: 'runs', runs } : { kind: 'trials', margin: RUN_MARGIN };
  const comparable = (c: CellResult) => report.meta.transports[c.transport]?.role !== 'harness-floor' && c.calls > 0;
  for (const call of report.meta.options.calls) {
    for (const spec of goals) {
      const chosen = spec.cells(report, call);
      const cells = chosen?.cells.filter(comparable) ?? [];
      if (cells.length >= 2) items.push(judge(spec, call, chosen!.where, cells, basis));
    }
  }
  const method =
    basis.kind === 'runs'
      ? `percentile bootstrap of the ratio of medians over each cell's ${runs} runs (${RESAMPLES.toLocaleString('en-US')} resamples); bytes: exact`
      : `percentile bootstrap of the ratio of medians over each cell's trials of one run (${RESAMPLES.toLocaleString('en-US')} resamples), clear only beyond ${Math.round(RUN_MARGIN * 100)}%; a capacity from one run is never clear; bytes: exact`;
  return { confidence: CONFIDENCE, method, items };
}

function judge(spec: GoalSpec, call: CallName, where: string, cells: CellResult[], basis: VerdictBasis): VerdictItem {
  const m: MetricSpec = METRICS[spec.goal];
  const lowerIsBetter = m.higherIsWorse;
  const many = basis.kind === 'runs';
  const valued = cells.map((c) => ({ c, samples: spec.samples(c, many) })).map((x) => ({ ...x, value: median(x.samples) }));
  valued.sort((a, b) => (lowerIsBetter ? a.value - b.value : b.value - a.value));
  const [lead, ...rest] = valued as [(typeof valued)[0], ...typeof valued];
  // worse ÷ better, whichever way the goal points, so every ratio reads "this many times worse"
  const worse = (other: number, leader: number) => (lowerIsBetter ? other / leader : leader / other);
  const leaderBound = spec.lowerBound?.(lead.c) ?? false;
  const others = rest.map(({ c, samples, value }): VerdictOther => {
    const ratio = worse(value, lead.value);
    const [low, high] =
      spec.exact || (samples.length < 2 && lead.samples.length < 2)
        ? [ratio, ratio]
        : bootstrapRatio(samples, lead.samples, worse, seedOf(`${call}|${spec.goal}|${c.transport}|${lead.c.transport}`), RESAMPLES, CONFIDENCE);
    // a lower bound behind the leader may be ahead of it: the server it stands for carries more than our client reached
    const lowerBound = spec.lowerBound?.(c) ?? false;
    const bothClientBound = leaderBound && lowerBound;
    const clear = isClear(spec, low, ratio, basis) && !lowerBound;
    return { transport: c.transport, value, ratio, low, high, clear, ...(lowerBound ? { lowerBound } : {}), ...(bothClientBound ? { bothClientBound } : {}) };
  });
  const oneSample = basis.kind === 'trials' && spec.oncePerRun === true;
  return {
    call,
    goal: spec.goal,
    where,
    leader: lead.c.transport,
    leaderValue: lead.value,
    leaderClientBound: leaderBound,
    basis,
    ...(oneSample ? { oneSample } : {}),
    others,
  };
}

/** Clear: exact and different; from runs, an interval above 1; from one run's trials, above the run margin, and never for a figure found once per run. */
function isClear(spec: GoalSpec, low: number, ratio: number, basis: VerdictBasis): boolean {
  if (spec.exact) return ratio > 1;
  if (basis.kind === 'runs') return low > 1;
  return !spec.oncePerRun && low > 1 + basis.margin;
}

/** A cell's samples of a per-trial figure: each trial's, or with `perRun` each run's median of its trials. */
export function trialSamples(c: CellResult, perRun: boolean, pick: (t: CellResult['trials'][number]) => number): number[] {
  return perRun ? byRun(c.trials).map((ts) => median(ts.map(pick))) : c.trials.map(pick);
}

/** Bytes per call, both ways: measured once per call and exact, one cell per transport whatever its scenario. */
export const BYTES_GOAL: GoalSpec = {
  goal: 'bytes/call',
  exact: true,
  cells: (report, call) => {
    const byTransport = new Map<string, CellResult>();
    for (const c of report.results)
      if (c.call === call && c.payloadEntries === report.meta.options.payloadEntries[0] && c.bytesPerCall && !byTransport.has(c.transport))
        byTransport.set(c.transport, c);
    return byTransport.size ? { cells: [...byTransport.values()], where: 'on the wire, request + reply' } : null;
  },
  samples: (c) => [bytesTotal(c)],
};
