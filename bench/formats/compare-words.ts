// The words both views of a comparison use (terminal and markdown): the verdict, a change, a cell's name.
import type { CellComparison, Comparison } from '../gate/compare.ts';
import type { Metric } from '../gate/config.ts';
import { GATE_METRICS, metricHeading } from '../report/metrics.ts';
import { markTarget } from './view.ts';

export const METRIC_ORDER: readonly Metric[] = GATE_METRICS;
export const METRIC_NAME = Object.fromEntries(GATE_METRICS.map((m) => [m, metricHeading(m)])) as Record<Metric, string>;

/** "Regression: 1 cell and 1 transport got slower." / "Undecided: too few samples ..." / "No regression." */
export function verdictLine(cmp: Comparison): string {
  const cells = cmp.cells.filter((c) => c.status === 'regressed').length;
  const transports = cmp.transports.filter((t) => t.status === 'regressed').length;
  if (cells || transports) {
    const parts = [cells && `${cells} cell${cells > 1 ? 's' : ''}`, transports && `${transports} transport${transports > 1 ? 's' : ''}`].filter(Boolean);
    return `Regression: ${parts.join(' and ')} got slower.`;
  }
  if (cmp.refusal) return `Undecided: ${cmp.refusal}.`;
  return 'No regression.';
}

/** "+12.3%, worse" or "−35.2%, worse" (calls/s down): the sign is the value's, the word says which way is bad. */
export function changeText(changePct: number, worsePct: number): string {
  if (!Number.isFinite(changePct)) return 'new, was 0';
  const shown = Math.abs(changePct).toFixed(1);
  const sign = shown === '0.0' ? '±' : changePct > 0 ? '+' : '−';
  const text = `${sign}${shown}%`;
  if (Math.abs(worsePct) < 0.05) return text;
  return `${text}, ${worsePct > 0 ? 'worse' : 'better'}`;
}

/** The cell's name, its transport marked "(target)" when that server was not ours. */
export function cellKeyLabel(cmp: Comparison, cell: CellComparison): string {
  return markTarget(cell.key, cell.transport, cmp.targets.includes(cell.transport));
}
