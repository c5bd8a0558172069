// A plan, as --dry-run prints it: what would run, what was skipped, and how long it should take.
import type { SkippedEntry } from '../report/types.ts';
import { formatDuration, skippedLine, textTable } from './format.ts';
import { targetLabel } from './view.ts';

/** What --dry-run shows of a plan and its estimate (the command builds it: reporters do not know the harness). */
export interface PlanView {
  cells: number;
  servers: number;
  runs: number;
  totalSec: number;
  /** "3 trials × 0.4s" or "3 trials × 1,000 calls". */
  trials: string;
  warmupSec: number;
  /** "getObj(100), sendObj(100), fib"; "latency, throughput at 1, 16, 64". */
  calls: string;
  scenarios: string;
  transports: Array<{ name: string; target: boolean; cells: number; sec: number }>;
  skipped: SkippedEntry[];
}

export function renderPlan(v: PlanView): string {
  const runs = v.runs > 1 ? ` (${v.runs} runs)` : '';
  return [
    `${v.cells} cells on ${v.servers} server(s)${runs}, about ${formatDuration(v.totalSec)} (estimated from the plan)`,
    `calls: ${v.calls}; scenarios: ${v.scenarios}`,
    `each cell: warm-up until steady (at most ${v.warmupSec}s; a server's first cell first runs 5,000 calls), then ${v.trials}`,
    '',
    textTable(
      ['transport', 'cells', 'about'],
      v.transports.map((t) => [targetLabel(t.name, t.target), String(t.cells), formatDuration(t.sec)]),
    ),
    ...v.skipped.map(skippedLine),
    '',
  ].join('\n');
}
