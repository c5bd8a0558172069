// Comparison -> a compact terminal view: the verdict, the transports, and only the cells that moved, each with
// only the metrics that moved. The full table is the markdown (a file, or $GITHUB_STEP_SUMMARY).
import type { CellComparison, Comparison, Status } from '../gate/compare.ts';
import { cellKeyLabel, changeText, DETECTION_NOTE, detectableText, METRIC_NAME, METRIC_ORDER, runsForText, verdictLine } from './compare-words.ts';
import { num, textTable } from './format.ts';
import { targetLabel } from './view.ts';

const WORD: Record<Status, string> = {
  regressed: 'REGRESSED',
  undecidable: 'too few samples',
  noise: 'within noise',
  improved: 'improved',
  unchanged: 'unchanged',
  reference: 'reference',
};

export function renderComparisonTerminal(cmp: Comparison, fullTable: string | null): string {
  const unit = cmp.unit === 'run' ? (cmp.paired ? 'runs, paired by round' : 'runs') : 'trials of one run (they do not see run-to-run noise)';
  const mode = cmp.mode.kind === 'absolute' ? 'values as measured' : `normalized to ${cmp.mode.reference} (÷${cmp.mode.factor.toFixed(3)})`;
  const out = [
    verdictLine(cmp),
    `samples: ${cmp.samples.baseline} vs ${cmp.samples.current} ${unit}; ${mode}`,
    ...(cmp.subjects.baseline || cmp.subjects.current
      ? [`code under test: baseline ${cmp.subjects.baseline ?? 'unnamed'}, current ${cmp.subjects.current ?? 'unnamed'}`]
      : []),
    `tests: ${cmp.tests.cells} of cells, ${cmp.tests.transports} of transports, Holm-corrected: at most ${cmp.alpha} chance of a false alarm`,
    ...cmp.warnings.map((w) => `warning: ${w}`),
    '',
    textTable(
      ['transport', 'status', 'p50, all cells', 'p', 'spread', 'can detect', 'runs a side for'],
      cmp.transports.map((t) => [
        targetLabel(t.transport, cmp.targets.includes(t.transport)),
        WORD[t.status],
        changeText(t.changePct, t.changePct),
        t.p === null ? '-' : t.p.toPrecision(2),
        `${t.detection.spreadPct.toFixed(1)}%`,
        detectableText(t),
        runsForText(t),
      ]),
    ),
    ...wrap(DETECTION_NOTE, 110),
    '',
  ];
  const moved = cmp.cells.filter((c) => c.status !== 'unchanged' && c.status !== 'reference');
  if (moved.length) {
    out.push(`cells beyond a threshold (${moved.length} of ${cmp.cells.length}):`);
    for (const c of moved) out.push(`  ${WORD[c.status].padEnd(15)} ${cellKeyLabel(cmp, c)}`, ...movedMetrics(c).map((m) => `${' '.repeat(20)}${m}`));
    out.push('');
  }
  const still = cmp.cells.length - moved.length;
  out.push(`${still} cell(s) unchanged${fullTable ? `; every cell: ${fullTable}` : ''}`);
  return `${out.join('\n')}\n`;
}

/** "p50 µs 117 → 142 (+21.5%, worse)", one per metric beyond its threshold. */
function movedMetrics(cell: CellComparison): string[] {
  return METRIC_ORDER.map((k) => cell.metrics.find((m) => m.metric === k))
    .filter((m) => m && m.status !== 'unchanged')
    .map((m) => `${METRIC_NAME[m!.metric]} ${num(m!.baseline)} → ${num(m!.current)} (${changeText(m!.changePct, m!.worsePct)})`);
}

/** A long note as lines of at most `width` characters, broken between words. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}
