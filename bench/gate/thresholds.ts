// Absolute thresholds, as k6 has them: a number a run must meet, no baseline needed. Written
//   [TRANSPORT:][CALL:]METRIC[@CONCURRENCY] OP VALUE[UNIT]
// e.g. `NAME:getObj:p99<2ms`, `calls/s@16>10000`, `errors==0`, `NAME:capacity>5000`. Without a transport or a call
// it applies to every one; without @C a metric is read from the cells of the scenarios that report it (latency from
// one call in flight, calls/s from every concurrency, capacity from the capacity search; errors and bytes from every
// cell), with @C from the cells told apart by calls in flight. A threshold that no cell measured fails: CI asked for it.
import { METRIC_NAMES, METRICS, type MetricName, type MetricSpec, UNIT_SUFFIXES } from '../report/metrics.ts';
import type { CallName, CellKey, CellResult, Report, ThresholdResult } from '../report/types.ts';
import { metricOf, scenarioOf } from '../scenarios/index.ts';

export const THRESHOLD_METRICS = METRIC_NAMES;
export type ThresholdMetric = MetricName;
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

const spec = (m: ThresholdMetric): MetricSpec => METRICS[m];

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
  const suffixes = UNIT_SUFFIXES[spec(metric).unit];
  const scale = suffixes[unit];
  if (scale === undefined)
    throw new ThresholdError(
      `${JSON.stringify(text)}: ${metric} takes ${Object.keys(suffixes).filter(Boolean).join(', ')} or no unit, not ${JSON.stringify(unit)}`,
    );
  return { text: text.trim(), transports, call, metric, concurrency, op, value: Number(number) * scale };
}

/** The threshold checked on every cell of the report it applies to. */
export function checkThresholds(report: Report, thresholds: Threshold[]): ThresholdResult[] {
  return thresholds.map((t) => {
    const cells = report.results
      .filter((c) => applies(t, c))
      .map((cell) => {
        const value = metricOf(cell, t.metric);
        const { transport, call, scenario, concurrency, payloadEntries, ratePerSec } = cell;
        const key: CellKey = { transport, call, scenario, concurrency, payloadEntries, ratePerSec };
        return { cell: key, value: Number.isNaN(value) ? null : value, ok: compare(value, t.op, t.value) };
      });
    cells.sort((a, b) => Number(a.ok) - Number(b.ok));
    const reason = cells.length ? null : 'no cell of this run measured it';
    return { threshold: t.text, ok: cells.length > 0 && cells.every((c) => c.ok), reason, unit: spec(t.metric).unit, cells };
  });
}

function applies(t: Threshold, c: CellResult): boolean {
  if (t.transports && !t.transports.includes(c.transport)) return false;
  if (t.call && c.call !== t.call) return false;
  const scenario = scenarioOf(c.scenario);
  if (t.concurrency !== null) return scenario.byConcurrency === true && c.concurrency === t.concurrency;
  return spec(t.metric).everyCell || scenario.metrics.includes(t.metric);
}

function compare(value: number, op: Op, limit: number): boolean {
  if (Number.isNaN(value)) return false;
  if (op === '<') return value < limit;
  if (op === '<=') return value <= limit;
  if (op === '>') return value > limit;
  if (op === '>=') return value >= limit;
  return value === limit;
}
