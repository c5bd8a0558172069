// A cell's identity and name, and how results of one cell from several runs fold into one (--runs N, pooled reports).
import { medianOfTrials, trialSummary } from './trials.ts';
import type { CellKey, CellResult, ErrorReason } from './types.ts';

/**
 * How every output names a cell, and the key cells are matched by: "NAME getObj(100) throughput c=16",
 * "NAME fib latency c=1", "NAME getObj(100) rate 1000/s c=16". fib has no payload, so none is named.
 */
export function cellLabel(c: CellKey): string {
  const call = c.call === 'fib' ? c.call : `${c.call}(${c.payloadEntries})`;
  const load = c.scenario === 'rate' ? `${c.ratePerSec}/s c=${c.concurrency}` : `c=${c.concurrency}`;
  return `${c.transport} ${call} ${c.scenario} ${load}`;
}

/** Trials appended, medians and sums recomputed; the first run's bytes per call are kept (they are deterministic). */
export function mergeCells(seen: CellResult, next: CellResult): CellResult {
  const trials = [...seen.trials, ...next.trials];
  return {
    ...seen,
    ...medianOfTrials(trials),
    calls: seen.calls + next.calls,
    errors: seen.errors + next.errors,
    timeouts: seen.timeouts + next.timeouts,
    dropped: seen.dropped + next.dropped,
    errorReasons: mergeReasons([...seen.errorReasons, ...next.errorReasons]),
    clientBound: trials.filter((t) => t.clientBound).length * 2 > trials.length,
    ...trialSummary(seen, trials),
    warmup: { sec: Math.max(seen.warmup.sec, next.warmup.sec), steady: seen.warmup.steady && next.warmup.steady },
    trials,
    bytesPerCall: seen.bytesPerCall ?? next.bytesPerCall,
    codecUsPerCall: seen.codecUsPerCall ?? next.codecUsPerCall,
  };
}

/** Counts of the same message added up, most frequent first. */
export function mergeReasons(reasons: ErrorReason[]): ErrorReason[] {
  const by = new Map<string, number>();
  for (const r of reasons) by.set(r.message, (by.get(r.message) ?? 0) + r.count);
  return [...by].map(([message, count]) => ({ message, count })).sort((a, b) => b.count - a.count);
}

/** Folds results into `cells` by label. */
export function addCell(cells: Map<string, CellResult>, cell: CellResult): void {
  const key = cellLabel(cell);
  const seen = cells.get(key);
  cells.set(key, seen ? mergeCells(seen, cell) : cell);
}
