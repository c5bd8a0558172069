// Report -> the plain-text summary printed on stdout at the end of a run: the verdict, the tables, the scenarios' own
// tables (the open-loop cells), the errors with their reasons, the notes, what was skipped.
import type { Report } from '../report/types.ts';
import { errorLines, notes, scenarioTables, sectionTable, skippedLine, textTable, thresholdLines, verdictLine, verdictNote, verdictRows } from './format.ts';
import { sections } from './view.ts';

export function renderSummary(report: Report): string {
  const verdict = verdictRows(report);
  const out: string[] = verdict.length ? ['verdict', ...verdict.map((r) => `  ${verdictLine(r)}`), `  ${verdictNote(report)}`, ''] : [];
  for (const s of sections(report)) {
    const { title, header, rows } = sectionTable(s, true);
    if (rows.length) out.push(title, textTable(header, rows), '');
  }
  // the scenarios' own tables, but those folded away in the markdown (every step of a search: long)
  for (const t of scenarioTables(report).filter((x) => !x.folded)) out.push(t.title, textTable(t.header, t.text), ...(t.note ? [t.note] : []), '');
  const errors = errorLines(report);
  if (errors.length) out.push('errors', ...errors.map((e) => `  ${e}`), '');
  const thresholds = thresholdLines(report);
  if (thresholds.length) out.push('thresholds', ...thresholds.map((t) => `  ${t}`), '');
  out.push(...notes(report));
  for (const s of report.skipped) out.push(skippedLine(s));
  return out.join('\n');
}
