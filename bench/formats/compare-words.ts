// The words both views of a comparison use (terminal and markdown): the verdict, a change, a cell's name.
import type { CellComparison, Comparison } from '../gate/compare.ts';
import type { Metric } from '../gate/config.ts';

export const METRIC_ORDER: Metric[] = ['p50', 'p99', 'callsPerSec', 'cpuPerCall', 'bytesPerCall'];
export const METRIC_NAME: Record<Metric, string> = {
  p50: 'p50 µs',
  p99: 'p99 µs',
  callsPerSec: 'calls/s',
  cpuPerCall: 'CPU µs/call',
  bytesPerCall: 'bytes/call',
};

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
  return cmp.targets.includes(cell.transport) ? cell.key.replace(cell.transport, `${cell.transport} (target)`) : cell.key;
}
