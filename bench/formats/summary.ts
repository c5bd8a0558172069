// Report -> the plain-text summary printed on stdout at the end of a run: the tables, the open-loop cells, the
// errors with their reasons, the notes, what was skipped.
import type { Report } from '../report/types.ts';
import {
  errorLines,
  notes,
  RATE_NOTE,
  rateRows,
  sectionTable,
  skippedLine,
  textTable,
  thresholdLines,
  VERDICT_NOTE,
  verdictLine,
  verdictRows,
} from './format.ts';
import { sections } from './view.ts';

export function renderSummary(report: Report): string {
  const verdict = verdictRows(report);
  const out: string[] = verdict.length ? ['verdict', ...verdict.map((r) => `  ${verdictLine(r)}`), `  ${VERDICT_NOTE}`, ''] : [];
  for (const s of sections(report)) {
    const { title, header, rows } = sectionTable(s, true);
    if (rows.length) out.push(title, textTable(header, rows), '');
  }
  const rate = rateRows(report);
  if (rate.rows.length) out.push('open loop', textTable(rate.header, rate.rows), RATE_NOTE, '');
  const errors = errorLines(report);
  if (errors.length) out.push('errors', ...errors.map((e) => `  ${e}`), '');
  const thresholds = thresholdLines(report);
  if (thresholds.length) out.push('thresholds', ...thresholds.map((t) => `  ${t}`), '');
  out.push(...notes(report));
  for (const s of report.skipped) out.push(skippedLine(s));
  return out.join('\n');
}
