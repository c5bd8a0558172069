// Comparison -> markdown for $GITHUB_STEP_SUMMARY or a PR comment: verdict, mode, then cells, regressions first,
// the unchanged ones folded away.
import type { CellComparison, Comparison, MetricComparison, Status, TransportComparison } from '../gate/compare.ts';
import { cellKeyLabel, changeText, DETECTION_NOTE, detectableText, METRIC_NAME, METRIC_ORDER, runsForText, verdictLine } from './compare-words.ts';
import { num, table } from './format.ts';
import { targetLabel } from './view.ts';

const ICON: Record<Status, string> = {
  regressed: '🔴 regressed',
  undecidable: '⚪ too few samples',
  noise: '🟡 within noise',
  improved: '🟢 improved',
  unchanged: '✅ unchanged',
  reference: '📏 reference',
};

export function renderComparison(cmp: Comparison): string {
  const out = [
    '## rpcbench: performance compared with the baseline',
    '',
    `**${verdictLine(cmp)}** ${cmp.cells.length} cells and ${cmp.transports.length} transports compared.`,
    '',
    modeLine(cmp),
    '',
    samplesLine(cmp),
    '',
    ...cmp.warnings.flatMap((w) => [`> ⚠️ ${w}`, '']),
    ...(hasUndecidable(cmp) ? ['> ⚠️ some changes are beyond their threshold but there are too few samples to tell them from noise: pool more runs.', ''] : []),
    '### By transport (p50 over all its cells)',
    '',
    table(
      ['transport', 'status', 'p50 change', 'cells', 'p', 'run-to-run spread', 'can detect', 'runs a side for'],
      cmp.transports.map((t) => transportRow(cmp, t)),
    ),
    '',
    DETECTION_NOTE,
    '',
    ...cellTables(cmp),
  ];
  if (cmp.onlyInBaseline.length) out.push(`Only in the baseline (not compared): ${cmp.onlyInBaseline.join(', ')}`, '');
  if (cmp.onlyInCurrent.length) out.push(`New in this run (not compared): ${cmp.onlyInCurrent.join(', ')}`, '');
  out.push(
    'Each metric: baseline → current (change, and whether that is better or worse), medians over the samples; **bold** = beyond its threshold and significant.',
  );
  return `${out.join('\n')}\n`;
}

/** The gate's metrics that some cell of the comparison has (capacity only where a capacity cell was compared). */
const shownMetrics = (cmp: Comparison) => METRIC_ORDER.filter((k) => cmp.cells.some((c) => c.metrics.some((m) => m.metric === k)));
const cellHeader = (cmp: Comparison) => ['cell', 'status', ...shownMetrics(cmp).map((k) => METRIC_NAME[k])];

/** The cells that moved first; the unchanged ones folded in a <details>, so that what changed is what one sees. */
function cellTables(cmp: Comparison): string[] {
  const quiet = (c: CellComparison) => c.status === 'unchanged' || c.status === 'reference';
  const moved = cmp.cells.filter((c) => !quiet(c));
  const still = cmp.cells.filter(quiet);
  const out = [
    '### Cells that changed',
    '',
    moved.length
      ? table(
          cellHeader(cmp),
          moved.map((c) => row(cmp, c)),
        )
      : 'None beyond its threshold.',
    '',
  ];
  if (still.length) {
    out.push(
      `<details><summary>${still.length} cell(s) unchanged (within every threshold)</summary>`,
      '',
      table(
        cellHeader(cmp),
        still.map((c) => row(cmp, c)),
      ),
      '',
      '</details>',
      '',
    );
  }
  return out;
}

function samplesLine(cmp: Comparison): string {
  const what =
    cmp.unit === 'run'
      ? `runs (each the median of its trials)${cmp.paired ? ', in rounds: each baseline run paired with the current run of its round' : ''}`
      : 'trials of a single run (they do not see run-to-run noise: pool several runs per side for a gate you can trust)';
  const test = cmp.paired
    ? "a one-sided test says it is not noise (transports: Wilcoxon signed-rank on the rounds' pairs; cells: Mann-Whitney)"
    : 'a one-sided Mann-Whitney test says it is not noise';
  const code =
    cmp.subjects.baseline || cmp.subjects.current
      ? ` Code under test: baseline ${cmp.subjects.baseline ?? 'unnamed'}, current ${cmp.subjects.current ?? 'unnamed'}.`
      : '';
  return (
    `Samples: ${cmp.samples.baseline} baseline vs ${cmp.samples.current} current ${what}.${code} A change counts when it is beyond its threshold ` +
    `and ${test}, Holm-corrected over ${cmp.tests.cells} cell tests and ${cmp.tests.transports} transport tests ` +
    `(α/2 each), so the chance that this comparison cries wolf is at most ${cmp.alpha}.`
  );
}

const hasUndecidable = (cmp: Comparison) => [...cmp.cells, ...cmp.transports].some((c) => c.status === 'undecidable');

function transportRow(cmp: Comparison, t: TransportComparison): string[] {
  const text = `${changeText(t.changePct, t.changePct)} (threshold ${t.thresholdPct}%)`;
  const name = targetLabel(t.transport, cmp.targets.includes(t.transport));
  const seen = [`${t.detection.spreadPct.toFixed(1)}%`, detectableText(t), runsForText(t)];
  return [name, ICON[t.status], t.status === 'regressed' ? `**${text}**` : text, String(t.cells), t.p === null ? '-' : t.p.toPrecision(2), ...seen];
}

function modeLine(cmp: Comparison): string {
  if (cmp.mode.kind === 'absolute') return 'Mode: **absolute** (values compared as measured).';
  const { reference, factor, cells } = cmp.mode;
  const pct = (factor - 1) * 100;
  const drift = `${Math.abs(pct).toFixed(1)}% ${pct >= 0 ? 'slower' : 'faster'} than the baseline's (geometric mean of ${cells} cells)`;
  return (
    `Mode: **normalized to ${reference}** (drift correction): this run's ${reference} cells are ${drift}, so time-like metrics were divided by ` +
    `${factor.toFixed(3)} and calls/s multiplied by it before comparing. ${reference} itself is the yardstick and is not judged.`
  );
}

function row(cmp: Comparison, cell: CellComparison): string[] {
  const m = (metric: string) => cell.metrics.find((x) => x.metric === metric);
  return [cellKeyLabel(cmp, cell), ICON[cell.status], ...shownMetrics(cmp).map((k) => metricCell(m(k)))];
}

function metricCell(m: MetricComparison | undefined): string {
  if (!m) return '-';
  const text = `${num(m.baseline)} → ${num(m.current)} (${changeText(m.changePct, m.worsePct)})`;
  return m.status === 'regressed' || m.status === 'improved' ? `**${text}**` : text;
}
