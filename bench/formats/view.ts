// Groups a report's cells into sections (call x payload size) with one row per transport, each scenario's cells in
// their place (the descriptors, not their names, say which): the shape every view prints. Pure data shaping.
import { cellLabel } from '../cells/label.ts';
import type { CallName, CellKey, CellResult, Report } from '../report/types.ts';
import { capacity } from '../scenarios/capacity.ts';
import { latency } from '../scenarios/latency.ts';
import { rate } from '../scenarios/rate.ts';
import { throughput } from '../scenarios/throughput.ts';

export interface Row {
  transport: string;
  /** How outputs name the row: the transport, marked "(target)" when its server is not ours (--target). */
  label: string;
  latency: CellResult | undefined;
  throughput: Map<number, CellResult>;
  rate: CellResult | undefined;
  capacity: CellResult | undefined;
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
    const concurrencies = [...new Set(cells.filter((c) => c.scenario === throughput.name).map((c) => c.concurrency))].sort((a, b) => a - b);
    const rows = rowsOf(cells, (name) => transportLabel(report, name));
    return { call: cells[0]!.call, payloadEntries: cells[0]!.payloadEntries, concurrencies, rows: sortRows(rows, concurrencies) };
  });
}

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
    const row = rows.get(c.transport) ?? {
      transport: c.transport,
      label: label(c.transport),
      latency: undefined,
      throughput: new Map(),
      rate: undefined,
      capacity: undefined,
      first: c,
      errors: 0,
    };
    if (c.scenario === latency.name) row.latency = c;
    if (c.scenario === throughput.name) row.throughput.set(c.concurrency, c);
    if (c.scenario === rate.name) row.rate = c;
    if (c.scenario === capacity.name) row.capacity = c;
    row.errors += c.errors;
    rows.set(c.transport, row);
  }
  return [...rows.values()];
}

/** Fastest first: by p50 with one call in flight, else calls/s at the highest concurrency, else capacity. */
function sortRows(rows: Row[], concurrencies: number[]): Row[] {
  const top = concurrencies.at(-1);
  const speed = (r: Row) =>
    r.latency ? -r.latency.latencyUs.p50 : r.throughput.size ? (r.throughput.get(top ?? 0)?.callsPerSec ?? 0) : (r.capacity?.capacity?.callsPerSec ?? 0);
  return rows.sort((a, b) => speed(b) - speed(a));
}

/** The cell whose p50/p99 a row shows: latency scenario if run, else the lowest concurrency, else an open loop's. */
export function latencyCell(row: Row): CellResult {
  return row.latency ?? [...row.throughput.values()][0] ?? row.rate ?? row.capacity ?? row.first;
}

/** A row with something for the section's table: closed-loop cells, or a capacity. */
export const tabled = (r: Row) => Boolean(r.latency || r.throughput.size || r.capacity);

/** CPU per call shown for a row: from its highest-concurrency throughput cell, where per-call overhead is steadiest. */
export function cpuCell(row: Row): CellResult {
  return [...row.throughput.values()].at(-1) ?? latencyCell(row);
}
