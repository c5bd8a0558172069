// Reports of one matrix run at several network round-trip times -> markdown: per transport, p50 and calls/s at
// each RTT, and the round trips a call costs (how much p50 grew per millisecond of RTT): a transport whose calls
// need two round trips pays twice the delay, and it shows here, not on loopback.
import { sectionTitle } from '../cells/label.ts';
import type { CallName, CellResult, Report } from '../report/types.ts';
import { scenarioOf } from '../scenarios/index.ts';
import { num, table } from './format.ts';

export interface SweepPoint {
  rttMs: number;
  report: Report;
}

export function renderSweep(points: SweepPoint[]): string {
  const sorted = [...points].sort((a, b) => a.rttMs - b.rttMs);
  const sections = new Map<string, { call: string; payload: number }>();
  for (const { report } of sorted) for (const c of report.results) sections.set(`${c.call}/${c.payloadEntries}`, { call: c.call, payload: c.payloadEntries });
  const out = ['# rpcbench: the matrix across a link at several round-trip times', ''];
  for (const { call, payload } of sections.values()) out.push(...section(sorted, call, payload));
  out.push(
    'p50: one call in flight. calls/s: at the highest concurrency of the run. Round trips per call: (p50 at the largest RTT − p50 at the smallest) ÷ (the RTT difference); about 1 for a transport that needs one round trip per call.',
    '',
  );
  return out.join('\n');
}

function section(points: SweepPoint[], call: string, payload: number): string[] {
  // the closed loops: one call in flight for p50, the most calls in flight for calls/s
  const cellsOf = (r: Report) => r.results.filter((c) => c.call === call && c.payloadEntries === payload && scenarioOf(c.scenario).loop === 'closed');
  const transports = [...new Set(points.flatMap((p) => cellsOf(p.report).map((c) => c.transport)))];
  const top = Math.max(...points.flatMap((p) => cellsOf(p.report).map((c) => c.concurrency)));
  const one = (r: Report, t: string): CellResult | undefined => cellsOf(r).find((c) => c.transport === t && c.concurrency === 1);
  const header = ['transport', ...points.map((p) => `p50 µs @${p.rttMs} ms`), ...points.map((p) => `calls/s @${p.rttMs} ms`), 'round trips per call'];
  const firstP50 = (t: string) => one(points[0]!.report, t)?.latencyUs.p50 ?? Infinity;
  // fastest first, at the first round-trip time, as every view sorts
  transports.sort((a, b) => firstP50(a) - firstP50(b));
  const rows = transports.map((t) => {
    const latency = points.map((p) => one(p.report, t)?.latencyUs.p50);
    const rate = points.map((p) => cellsOf(p.report).find((c) => c.transport === t && c.concurrency === top)?.callsPerSec);
    const [first, last] = [points[0]!, points.at(-1)!];
    const [p0, p1] = [latency[0], latency.at(-1)];
    const trips = p0 !== undefined && p1 !== undefined && last.rttMs > first.rttMs ? (p1 - p0) / ((last.rttMs - first.rttMs) * 1000) : null;
    return [t, ...latency.map((x) => num(x)), ...rate.map((x) => num(x)), trips === null ? '-' : trips.toFixed(2)];
  });
  const title = sectionTitle(call as CallName, payload);
  return [`## ${title}`, '', `calls/s at ${top} in flight.`, '', table(header, rows), ''];
}
