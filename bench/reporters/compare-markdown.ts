// Comparison -> markdown for $GITHUB_STEP_SUMMARY or a PR comment: verdict, mode, then cells, regressions first.
import type { CellComparison, Comparison, MetricComparison, Status } from '../compare/compare.ts';
import { num, table } from './format.ts';

const ICON: Record<Status, string> = { regressed: '🔴 regressed', undecidable: '⚪ too few trials', noise: '🟡 within noise', improved: '🟢 improved', unchanged: '✅ unchanged', reference: '📏 reference' };

export function renderComparison(cmp: Comparison): string {
  const verdict = cmp.regressions
    ? `**${cmp.regressions} cell${cmp.regressions > 1 ? 's' : ''} regressed.**`
    : '**No regression.**';
  const out = [
    '## rpcbench: performance compared with the baseline',
    '',
    `${verdict} ${cmp.cells.length} cells compared. A cell regresses only when a change is beyond its threshold and a one-sided Mann-Whitney test over the trials says it is not noise, Holm-corrected over the ${cmp.tests} tests so that the chance of any false alarm stays at ${cmp.alpha}.`,
    '',
    modeLine(cmp),
    '',
    ...cmp.warnings.map((w) => `> ⚠️ ${w}`),
    ...(cmp.cells.some((c) => c.status === 'undecidable') ? ['> ⚠️ some cells changed beyond their threshold but have too few trials to tell noise from change: give them more trials.', ''] : []),
    table(['cell', 'status', 'p50 µs', 'p99 µs', 'calls/s', 'CPU µs/call', 'bytes/call'], cmp.cells.map(row)),
    '',
  ];
  if (cmp.onlyInBaseline.length) out.push(`Only in the baseline (not compared): ${cmp.onlyInBaseline.join(', ')}`, '');
  if (cmp.onlyInCurrent.length) out.push(`New in this run (not compared): ${cmp.onlyInCurrent.join(', ')}`, '');
  out.push('Each metric: baseline → current (change). ▲ worse, ▼ better; **bold** = beyond its threshold and significant.');
  return `${out.join('\n')}\n`;
}

function modeLine(cmp: Comparison): string {
  if (cmp.mode.kind === 'absolute') return 'Mode: **absolute** (values compared as measured).';
  const { reference, factor, cells } = cmp.mode;
  const pct = (factor - 1) * 100;
  return `Mode: **normalized to ${reference}** (drift correction): this run's ${reference} cells are ${Math.abs(pct).toFixed(1)}% ${pct >= 0 ? 'slower' : 'faster'} than the baseline's (geometric mean of ${cells} cells), so time-like metrics were divided by ${factor.toFixed(3)} and calls/s multiplied by it before comparing. ${reference} itself is the yardstick and is not judged.`;
}

function row(cell: CellComparison): string[] {
  const m = (metric: string) => cell.metrics.find((x) => x.metric === metric);
  return [cell.key, ICON[cell.status], ...['p50', 'p99', 'callsPerSec', 'cpuPerCall', 'bytesPerCall'].map((k) => metricCell(m(k)))];
}

function metricCell(m: MetricComparison | undefined): string {
  if (!m) return '-';
  const arrow = Math.abs(m.worsePct) < 0.05 ? '' : m.worsePct > 0 ? '▲' : '▼';
  const text = `${num(m.baseline)} → ${num(m.current)} (${arrow}${m.changePct >= 0 ? '+' : ''}${m.changePct.toFixed(1)}%)`;
  return m.status === 'regressed' || m.status === 'improved' ? `**${text}**` : text;
}

