// Absolute thresholds, as k6 has them: a number a run must meet, no baseline needed. Written
//   [TRANSPORT:][CALL:]METRIC[@CONCURRENCY] OP VALUE[UNIT]
// e.g. `NAME:getObj:p99<2ms`, `calls/s@16>10000`, `errors==0`, `NAME:error-rate<0.1%`. Without a transport or a call
// it applies to every one; without @C a latency metric is read from the latency scenario (one call in flight) and a
// throughput metric from every concurrency. A threshold that no cell measured fails: CI asked for that number.
import type { CallName, CellKey, CellResult, Report, ThresholdResult } from '../report/types.ts';

export const THRESHOLD_METRICS = ['p50', 'p90', 'p99', 'p99.9', 'max', 'mean', 'calls/s', 'errors', 'error-rate', 'cpu/call', 'bytes/call'] as const;
export type ThresholdMetric = (typeof THRESHOLD_METRICS)[number];
const OPS = ['<=', '>=', '==', '<', '>'] as const;
type Op = (typeof OPS)[number];

export interface Threshold {
  /** As written. */
  text: string;
  /** Transports it applies to (a group name already resolved), or null for every one. */
  transports: string[] | null;
  call: CallName | null;
  metric: ThresholdMetric;
  concurrency: number | null;
  op: Op;
  /** In the metric's unit as the report keeps it: µs, calls/s, a count, a share (0..1), bytes. */
  value: number;
}

export class ThresholdError extends Error {}

const LATENCY = new Set<ThresholdMetric>(['p50', 'p90', 'p99', 'p99.9', 'max', 'mean']);
const UNITS: Record<string, Record<string, number>> = {
  time: { '': 1, us: 1, µs: 1, ms: 1000, s: 1_000_000 },
  share: { '': 1, '%': 0.01 },
  bytes: { '': 1, B: 1, kB: 1000, KiB: 1024, MB: 1_000_000, MiB: 1 << 20 },
  plain: { '': 1, k: 1000 },
};
const UNIT_OF: Record<string, (m: ThresholdMetric) => ThresholdResult['unit']> = {
  time: () => 'µs',
  share: () => 'share',
  bytes: () => 'bytes',
  plain: (m) => (m === 'errors' ? 'calls' : 'calls/s'),
};
const unitKind = (m: ThresholdMetric) => (LATENCY.has(m) || m === 'cpu/call' ? 'time' : m === 'error-rate' ? 'share' : m === 'bytes/call' ? 'bytes' : 'plain');

/**
 * Parses one threshold; `resolve` turns a transport or group name into transport names (or throws a
 * ThresholdError of its own), `calls` are the call names. Errors name what is allowed.
 */
export function parseThreshold(text: string, resolve: (name: string) => string[], calls: readonly CallName[]): Threshold {
  const m = /^\s*(.+?)\s*(<=|>=|==|<|>)\s*(\d+(?:\.\d+)?)\s*([a-zA-Zµ%]*)\s*$/.exec(text);
  if (!m) throw new ThresholdError(`${JSON.stringify(text)} is not [TRANSPORT:][CALL:]METRIC[@C] OP VALUE, e.g. getObj:p99<2ms or calls/s@16>10000`);
  const [, left, op, number, unit] = m as unknown as [string, string, Op, string, string];
  const parts = left.split(':');
  const [metricText, at] = parts.pop()!.split('@') as [string, string | undefined];
  const metric = THRESHOLD_METRICS.find((x) => x === metricText);
  if (!metric) throw new ThresholdError(`${JSON.stringify(text)}: unknown metric ${JSON.stringify(metricText)}; allowed: ${THRESHOLD_METRICS.join(', ')}`);
  const call = parts.length && calls.includes(parts.at(-1) as CallName) ? (parts.pop() as CallName) : null;
  const transports = parts.length ? resolve(parts.join(':')) : null;
  const concurrency = at === undefined ? null : Number(at);
  if (concurrency !== null && !(Number.isInteger(concurrency) && concurrency >= 1))
    throw new ThresholdError(`${JSON.stringify(text)}: @${at} is not a concurrency (a whole number from 1)`);
  const scale = UNITS[unitKind(metric)]![unit];
  if (scale === undefined)
    throw new ThresholdError(
      `${JSON.stringify(text)}: ${metric} takes ${Object.keys(UNITS[unitKind(metric)]!).filter(Boolean).join(', ')} or no unit, not ${JSON.stringify(unit)}`,
    );
  return { text: text.trim(), transports, call, metric, concurrency, op, value: Number(number) * scale };
}

/** The threshold checked on every cell of the report it applies to. */
export function checkThresholds(report: Report, thresholds: Threshold[]): ThresholdResult[] {
  return thresholds.map((t) => {
    const cells = report.results
      .filter((c) => applies(t, c))
      .map((cell) => {
        const value = measured(t.metric, cell);
        const { transport, call, scenario, concurrency, payloadEntries, ratePerSec } = cell;
        const key: CellKey = { transport, call, scenario, concurrency, payloadEntries, ratePerSec };
        return { cell: key, value: Number.isNaN(value) ? null : value, ok: compare(value, t.op, t.value) };
      });
    cells.sort((a, b) => Number(a.ok) - Number(b.ok));
    const reason = cells.length ? null : 'no cell of this run measured it';
    return { threshold: t.text, ok: cells.length > 0 && cells.every((c) => c.ok), reason, unit: UNIT_OF[unitKind(t.metric)](t.metric), cells };
  });
}

function applies(t: Threshold, c: CellResult): boolean {
  if (t.transports && !t.transports.includes(c.transport)) return false;
  if (t.call && c.call !== t.call) return false;
  if (t.concurrency !== null) return c.scenario === 'throughput' && c.concurrency === t.concurrency;
  if (LATENCY.has(t.metric)) return c.scenario === 'latency';
  if (t.metric === 'calls/s' || t.metric === 'cpu/call') return c.scenario === 'throughput';
  return true;
}

function measured(metric: ThresholdMetric, c: CellResult): number {
  switch (metric) {
    case 'calls/s':
      return c.callsPerSec;
    case 'errors':
      return c.errors;
    case 'error-rate':
      return c.errors / Math.max(1, c.calls + c.errors);
    case 'cpu/call':
      return c.cpuUsPerCall.client + (c.cpuUsPerCall.server ?? 0);
    case 'bytes/call':
      return c.bytesPerCall ? c.bytesPerCall.request + c.bytesPerCall.response : Number.NaN;
    default:
      return c.latencyUs[metric === 'p99.9' ? 'p999' : metric];
  }
}

function compare(value: number, op: Op, limit: number): boolean {
  if (Number.isNaN(value)) return false;
  if (op === '<') return value < limit;
  if (op === '<=') return value <= limit;
  if (op === '>') return value > limit;
  if (op === '>=') return value >= limit;
  return value === limit;
}
