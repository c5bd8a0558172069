// Cells of the same key from several runs (--runs N, or several report files of one side) pooled into one: their
// trials appended (each keeps its run number), folded again.

import type { CellResult, Report } from '../report/types.ts';
import { foldCells } from './fold.ts';
import { cellLabel } from './label.ts';
import { withVerdict } from './verdict.ts';

/** Folds `cell` into `cells` (by label): a new cell, or its trials pooled with the one already there. */
export function addCell(cells: Map<string, CellResult>, cell: CellResult): void {
  const key = cellLabel(cell);
  const seen = cells.get(key);
  cells.set(key, seen ? foldCells([seen, cell], (cs) => cs.flatMap((c) => c.trials)) : cell);
}

/** One report from several runs of the same matrix: trials of matching cells pooled, medians recomputed. */
export function poolReports(reports: Report[]): Report {
  if (reports.length === 1) return reports[0]!;
  const cells = new Map<string, CellResult>();
  for (const report of reports) for (const cell of report.results) addCell(cells, cell);
  const pooled: Report = { ...reports[0]!, results: [...cells.values()], skipped: reports.flatMap((r) => r.skipped) };
  return withVerdict(pooled); // more runs per cell: intervals from the runs
}
