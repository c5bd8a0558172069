// Groups a report's cells into sections (call x payload size) with one row per transport, each row holding its cells
// of every scenario: the shape every view prints. Which columns, tables, charts and notes a scenario adds, and how it
// ranks a row, is its descriptor's (bench/scenarios/view.ts); nothing here names one. Pure data shaping.
import { cellLabel } from '../cells/label.ts';
import type { CallName, CellKey, CellResult, Report } from '../report/types.ts';
import { type AnyScenario, SCENARIOS, scenarioOf } from '../scenarios/index.ts';
import type { RowCells } from '../scenarios/view.ts';

export interface Row {
  transport: string;
  /** How outputs name the row: the transport, marked "(target)" when its server is not ours (--target). */
  label: string;
  /** Its cells, of every scenario. */
  cells: CellResult[];
  /** Any cell of the row, for the fields every cell of a transport x call shares (bytes, payload). */
  first: CellResult;
  errors: number;
}

export interface Section {
  call: CallName;
  payloadEntries: number;
  /** Fastest first: by the rank of the first scenario (in the registry's order) that ranks its rows. */
  rows: Row[];
}

export function sections(report: Report): Section[] {
  const bySection = new Map<string, CellResult[]>();
  for (const r of report.results) {
    const key = `${r.call}\u0000${r.payloadEntries}`;
    bySection.set(key, [...(bySection.get(key) ?? []), r]);
  }
  return [...bySection.values()].map((cells) => {
    const rows = rowsOf(cells, (name) => transportLabel(report, name));
    return { call: cells[0]!.call, payloadEntries: cells[0]!.payloadEntries, rows: sortRows(rows) };
  });
}

/** A row's cells of one scenario. */
export const cellsOf = (row: Row, scenario: AnyScenario) => row.cells.filter((c) => c.scenario === scenario.name);

/** The rows as one scenario's view sees them: each transport's cells of that scenario. */
export const rowCells = (rows: readonly Row[], scenario: AnyScenario): RowCells[] =>
  rows.map((r) => ({ label: r.label, transport: r.transport, cells: cellsOf(r, scenario) }));

/** A transport as every output names it: a server somebody else runs (--target) is marked. */
export function targetLabel(name: string, target: boolean): string {
  return target ? `${name} (target)` : name;
}

/** A cell's label (cellLabel, or a comparison's key) with its transport marked where that server was not ours. */
export function markTarget(label: string, transport: string, target: boolean): string {
  return target ? label.replace(transport, targetLabel(transport, true)) : label;
}

export function transportLabel(report: Report, name: string): string {
  return targetLabel(name, report.meta.transports[name]?.target ?? false);
}

/** A cell as every output names it (cellLabel, with a target's transport marked). */
export function cellName(report: Report, cell: CellKey): string {
  return markTarget(cellLabel(cell), cell.transport, report.meta.transports[cell.transport]?.target ?? false);
}

function rowsOf(cells: CellResult[], label: (transport: string) => string): Row[] {
  const rows = new Map<string, Row>();
  for (const c of cells) {
    const row = rows.get(c.transport) ?? { transport: c.transport, label: label(c.transport), cells: [], first: c, errors: 0 };
    row.cells.push(c);
    row.errors += c.errors;
    rows.set(c.transport, row);
  }
  return [...rows.values()];
}

/** Fastest first: the first scenario (in the registry's order) that ranks any row decides; rows it cannot rank go last. */
function sortRows(rows: Row[]): Row[] {
  const ranker = SCENARIOS.find((s) => s.view?.rank && rows.some((r) => s.view!.rank!(cellsOf(r, s)) !== null));
  if (!ranker) return rows;
  const rank = (r: Row) => ranker.view!.rank!(cellsOf(r, ranker)) ?? Number.NEGATIVE_INFINITY;
  return rows.sort((a, b) => rank(b) - rank(a));
}

/** A row with something for the section's table: cells of a scenario that adds columns. */
export const tabled = (r: Row) => r.cells.some((c) => scenarioOf(c.scenario).view?.columns);

/** The cell whose CPU per call a row shows: its closed loop with the most calls in flight, where per-call overhead is steadiest. */
export function cpuCell(row: Row): CellResult {
  const closed = row.cells.filter((c) => scenarioOf(c.scenario).loop === 'closed').sort((a, b) => b.concurrency - a.concurrency);
  return closed[0] ?? row.first;
}
