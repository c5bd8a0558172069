// Groups a report's cells into sections (call x payload size) with one row per transport,
// the shape both text reporters print. Pure data shaping: no measuring, no formatting.
import type { CallName, CellResult, Report } from '../report/types.ts';

export interface Row {
  transport: string;
  latency: CellResult | undefined;
  throughput: Map<number, CellResult>;
  rate: CellResult | undefined;
  /** Any cell of the row, for the fields every cell of a transport x call shares (bytes, payload). */
  first: CellResult;
  errors: number;
}

export interface Section {
  call: CallName;
  payloadEntries: number;
  concurrencies: number[];
  /** Fastest first: by p50 of the latency scenario, else by calls/s at the highest concurrency. */
  rows: Row[];
}

export function sections(report: Report): Section[] {
  const bySection = new Map<string, CellResult[]>();
  for (const r of report.results) {
    const key = `${r.call}\u0000${r.payloadEntries}`;
    bySection.set(key, [...(bySection.get(key) ?? []), r]);
  }
  return [...bySection.values()].map((cells) => {
    const concurrencies = [...new Set(cells.filter((c) => c.scenario === 'throughput').map((c) => c.concurrency))].sort((a, b) => a - b);
    return { call: cells[0]!.call, payloadEntries: cells[0]!.payloadEntries, concurrencies, rows: sortRows(rowsOf(cells), concurrencies) };
  });
}

function rowsOf(cells: CellResult[]): Row[] {
  const rows = new Map<string, Row>();
  for (const c of cells) {
    const row = rows.get(c.transport) ?? { transport: c.transport, latency: undefined, throughput: new Map(), rate: undefined, first: c, errors: 0 };
    if (c.scenario === 'latency') row.latency = c;
    if (c.scenario === 'throughput') row.throughput.set(c.concurrency, c);
    if (c.scenario === 'rate') row.rate = c;
    row.errors += c.errors;
    rows.set(c.transport, row);
  }
  return [...rows.values()];
}

function sortRows(rows: Row[], concurrencies: number[]): Row[] {
  const top = concurrencies.at(-1);
  const speed = (r: Row) => (r.latency ? -r.latency.latencyUs.p50 : (r.throughput.get(top ?? 0)?.callsPerSec ?? 0));
  return rows.sort((a, b) => speed(b) - speed(a));
}

/** The cell whose p50/p99 a row shows: latency scenario if run, else the lowest concurrency. */
export function latencyCell(row: Row): CellResult {
  return row.latency ?? [...row.throughput.values()][0] ?? row.rate ?? row.first;
}

/** CPU per call shown for a row: from its highest-concurrency throughput cell, where per-call overhead is steadiest. */
export function cpuCell(row: Row): CellResult {
  return [...row.throughput.values()].at(-1) ?? latencyCell(row);
}
