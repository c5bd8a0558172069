// How every output names a call, a section and a cell: one label per concept.
import { CALL_TRAITS } from '../../transports/contract.ts';
import type { CallName, CellKey, ReportOptions } from '../report/types.ts';
import { scenarioOf } from '../scenarios/index.ts';

/** "getObj(100)", or "fib" for a call without a payload. */
export function callLabel(call: CallName, payloadEntries: number): string {
  return CALL_TRAITS[call].payload ? `${call}(${payloadEntries})` : call;
}

/** A section's title: "getObj (100 entries)", or "fib". */
export function sectionTitle(call: CallName, payloadEntries: number): string {
  return CALL_TRAITS[call].payload ? `${call} (${payloadEntries} entries)` : call;
}

/**
 * How every output names a cell, and the key cells are matched by: "NAME getObj(100) throughput c=16",
 * "NAME fib latency c=1", "NAME getObj(100) rate 1000/s c=16"; each scenario names its own load.
 */
export function cellLabel(c: CellKey): string {
  return `${c.transport} ${callLabel(c.call, c.payloadEntries)} ${c.scenario} ${scenarioOf(c.scenario).load(c)}`;
}

/** "0 µs", "0 µs (NAME 45 µs)": the simulated server work a run was asked for, for all and per transport. */
export function serverWorkLabel(o: Pick<ReportOptions, 'serverWorkUs' | 'serverWorkUsByTransport'>): string {
  const each = Object.entries(o.serverWorkUsByTransport ?? {}).map(([name, us]) => `${name} ${us} µs`);
  return `${o.serverWorkUs} µs${each.length ? ` (${each.join(', ')})` : ''}`;
}
