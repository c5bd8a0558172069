// The one vocabulary of metrics: their names (as thresholds, the gate's config and every view write them), units,
// which way is worse, how each is read from a cell and from one sample, and how each moves with the machine (for
// drift correction). Thresholds, the gate and the formats all read this table; none spells a metric its own way.
import type { CellResult, CpuUsPerCall, LatencyUs, TrialResult } from './types.ts';

/** One sample of a cell for the gate: a trial, or the median trial of a run. `capacityPerSec`: that run's capacity. */
export interface Stat extends Pick<TrialResult, 'latencyUs' | 'callsPerSec' | 'cpuUsPerCall'> {
  capacityPerSec?: number | null;
}

export type Unit = 'µs' | 'calls/s' | 'calls' | 'share' | 'bytes';

export interface MetricSpec {
  unit: Unit;
  higherIsWorse: boolean;
  /** The cell's value (its median over trials, or over runs), NaN where not measured. */
  ofCell(c: CellResult): number;
  /** One sample's value, for the gate's test; absent where a cell has no per-sample value (deterministic or counted). */
  ofStat?(s: Stat): number;
  /** How it moves when the whole machine is uniformly slower (drift correction): time-like divide, rates multiply. */
  scaling: 'divide' | 'multiply' | 'none';
  /** Read from every cell (errors, bytes), else from the cells of the scenarios that report it (bench/scenarios). */
  everyCell: boolean;
  /** The gate's metrics (GATE_METRICS): its default threshold, a change in percent in the worse direction. */
  gatePct?: number;
  /** Judged without a statistical test: any change beyond the threshold counts (bytes per call do not vary). */
  deterministic?: boolean;
}

const latency = (pick: keyof LatencyUs, gatePct?: number): MetricSpec => ({
  unit: 'µs',
  higherIsWorse: true,
  ofCell: (c) => c.latencyUs[pick],
  ofStat: (s) => s.latencyUs[pick],
  scaling: 'divide',
  everyCell: false,
  ...(gatePct === undefined ? {} : { gatePct }),
});

/** CPU per call on every side that was measured: client, server and, where it runs here and is visible, the broker. */
export function cpuTotal(cpu: CpuUsPerCall): number {
  return cpu.client + (cpu.server ?? 0) + (cpu.broker ?? 0);
}

/** Bytes on the wire per call, both ways; NaN where there is no wire. */
export function bytesTotal(c: Pick<CellResult, 'bytesPerCall'>): number {
  return c.bytesPerCall ? c.bytesPerCall.request + c.bytesPerCall.response : Number.NaN;
}

/**
 * Default gate thresholds: 10% on p50, calls/s and capacity, 25% on the noisier p99 and on CPU, any growth in bytes.
 * Capacity is a search that stops within 5%, so it varies more than calls/s: its threshold is 10% all the same, and
 * the gate's test (runs as samples) is what keeps its noise from being called a regression.
 */
export const METRICS = {
  p50: latency('p50', 10),
  p90: latency('p90'),
  p99: latency('p99', 25),
  'p99.9': latency('p999'),
  max: latency('max'),
  mean: latency('mean'),
  'calls/s': {
    unit: 'calls/s',
    higherIsWorse: false,
    ofCell: (c) => c.callsPerSec,
    ofStat: (s) => s.callsPerSec,
    scaling: 'multiply',
    everyCell: false,
    gatePct: 10,
  },
  capacity: {
    unit: 'calls/s',
    higherIsWorse: false,
    ofCell: (c) => c.capacity?.callsPerSec ?? Number.NaN,
    ofStat: (s) => s.capacityPerSec ?? Number.NaN,
    scaling: 'multiply',
    everyCell: false,
    gatePct: 10,
  },
  'cpu/call': {
    unit: 'µs',
    higherIsWorse: true,
    ofCell: (c) => cpuTotal(c.cpuUsPerCall),
    ofStat: (s) => cpuTotal(s.cpuUsPerCall),
    scaling: 'divide',
    everyCell: false,
    gatePct: 25,
  },
  'bytes/call': { unit: 'bytes', higherIsWorse: true, ofCell: bytesTotal, scaling: 'none', everyCell: true, gatePct: 0, deterministic: true },
  errors: { unit: 'calls', higherIsWorse: true, ofCell: (c) => c.errors, scaling: 'none', everyCell: true },
  'error-rate': { unit: 'share', higherIsWorse: true, ofCell: (c) => c.errors / Math.max(1, c.calls + c.errors), scaling: 'none', everyCell: true },
} satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

/** The metrics the regression gate judges, in the order views show them; each has its default threshold (gatePct). */
export const GATE_METRICS = ['p50', 'p99', 'calls/s', 'capacity', 'cpu/call', 'bytes/call'] as const satisfies readonly MetricName[];

/** How a view heads a metric's column: its name and its unit, "p50 µs", "calls/s", "bytes/call". */
export function metricHeading(name: MetricName): string {
  const { unit } = METRICS[name] as MetricSpec;
  return name.includes(unit) || name.startsWith(unit) || unit === 'calls' || unit === 'share' || unit === 'bytes' ? name : `${name} ${unit}`;
}
