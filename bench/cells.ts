// A cell's identity, and how results of one cell from several runs fold into one (--runs N, pooled reports).
import { medianOfTrials } from './stats.ts';
import type { CellKey, CellResult } from './types.ts';

/** e.g. "tcp getObj throughput c16 100e": how the gate and its summary name a cell. */
export function cellKey(c: CellKey): string {
  return [c.transport, c.call, c.scenario, `c${c.concurrency}`, c.ratePerSec === null ? '' : `${c.ratePerSec}/s`, `${c.payloadEntries}e`].filter(Boolean).join(' ');
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
    errorMessages: [...new Set([...seen.errorMessages, ...next.errorMessages])].slice(0, 5),
    trials,
    bytesPerCall: seen.bytesPerCall ?? next.bytesPerCall,
  };
}

/** Folds results into `cells` by key. */
export function addCell(cells: Map<string, CellResult>, cell: CellResult): void {
  const key = cellKey(cell);
  const seen = cells.get(key);
  cells.set(key, seen ? mergeCells(seen, cell) : cell);
}
