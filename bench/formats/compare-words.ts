// The words both views of a comparison use (terminal and markdown): the verdict, a change, a cell's name.
import type { CellComparison, Comparison, TransportComparison } from '../gate/compare.ts';
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

const pctText = (x: number) => `${x < 10 ? x.toFixed(1) : Math.round(x)}%`;

/**
 * The smallest p50 slowdown the gate would call a regression: beyond its threshold, and large enough for these
 * runs to find with 80% power. "≥ 10% (threshold; the runs alone: 3.7%)" or "≥ 15% (the runs' spread)".
 */
export function detectableText(t: TransportComparison): string {
  const d = t.detection.detectablePct;
  if (d === null) return 'none (too few runs)';
  return d > t.thresholdPct ? `≥ ${pctText(d)} (the runs' spread)` : `≥ ${pctText(t.thresholdPct)} (threshold; runs: ${pctText(d)})`;
}

/** "5%: 19, 10%: 7": runs a side that would find each slowdown with 80% power ("> 64" beyond what is practical). */
export function runsForText(t: TransportComparison): string {
  const n = (x: number | null) => (x === null ? '> 64' : String(x));
  return `5%: ${n(t.detection.runsFor5Pct)}, 10%: ${n(t.detection.runsFor10Pct)}`;
}

export const DETECTION_NOTE =
  'can detect: the smallest p50 slowdown (over all its cells) the gate calls a regression: beyond its threshold (p50: 10% ' +
  "unless rpcbench.config.json says less), and found with 80% power by these runs at the transport test's level, given their " +
  "run-to-run spread (robust: 1.4826 × MAD; simulated with the gate's own test: Mann-Whitney, or for runs paired by round Wilcoxon signed-rank on pairs drawn from the rounds' own differences). runs a side for: what would " +
  'find a 5% and a 10% slowdown.';
