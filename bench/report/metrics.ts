// The one vocabulary of metrics: their names (as thresholds, the gate's config, the verdict and every view write them),
// units, which way is worse, how each is read from a cell and from one sample, how each moves with the machine (for
// drift correction), the gate's default threshold, the verdict's words and what the history follows. Every other
// list of metrics (the schemas' enums, --slo's metrics, benchmark-action's directions) is derived from this table.
import type { CellResult, CpuUsPerCall, LatencyUs, TrialResult } from './types.ts';

/** One sample of a cell for the gate: a trial, or the median trial of a run. */
export type Stat = Pick<TrialResult, 'latencyUs' | 'callsPerSec' | 'cpuUsPerCall'>;

export type Unit = 'µs' | 'calls/s' | 'calls' | 'share' | 'bytes';

export interface MetricSpec {
  unit: Unit;
  higherIsWorse: boolean;
  /** The cell's value (its median over trials, or over runs), NaN where not measured; absent: a scenario's own metric, which its scenario reads (figure). */
  ofCell?(c: CellResult): number;
  /** One sample's value, for the gate's test; absent where a cell has no per-sample value (deterministic, counted, or a scenario's own). */
  ofStat?(s: Stat): number;
  /** A latency percentile: its field of LatencyUs (an objective such as --slo p99.9<50ms reads it). */
  percentile?: keyof LatencyUs;
  /** As the verdict names the goal: "lowest p50", "highest capacity"; absent: not a goal of the verdict. */
  goal?: string;
  /** How the verdict writes a value's unit ("µs", "calls/s", "B"). */
  short?: string;
  /** The history follows it, in its series. */
  followed?: boolean;
  /** How it moves when the whole machine is uniformly slower (drift correction): time-like divide, rates multiply. */
  scaling: 'divide' | 'multiply' | 'none';
  /** Read from every cell (errors, bytes), else from the cells of the scenarios that report it (bench/scenarios). */
  everyCell: boolean;
  /** The gate's metrics (GATE_METRICS): its default threshold, a change in percent in the worse direction. */
  gatePct?: number;
  /** Judged without a statistical test: any change beyond the threshold counts (bytes per call do not vary). */
  deterministic?: boolean;
}

const latency = (pick: keyof LatencyUs, more: Partial<MetricSpec> = {}): MetricSpec => ({
  unit: 'µs',
  higherIsWorse: true,
  ofCell: (c) => c.latencyUs[pick],
  ofStat: (s) => s.latencyUs[pick],
  percentile: pick,
  scaling: 'divide',
  everyCell: false,
  ...more,
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
  p50: latency('p50', { gatePct: 10, goal: 'lowest p50', short: 'µs', followed: true }),
  p90: latency('p90'),
  p99: latency('p99', { gatePct: 25, goal: 'lowest p99', short: 'µs', followed: true }),
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
    goal: 'most calls/s',
    short: 'calls/s',
    followed: true,
  },
  // the capacity scenario's own: it reads it from its outcome, one sample per run (its searches)
  capacity: {
    unit: 'calls/s',
    higherIsWorse: false,
    scaling: 'multiply',
    everyCell: false,
    gatePct: 10,
    goal: 'highest capacity',
    short: 'calls/s',
    followed: true,
  },
  'cpu/call': {
    unit: 'µs',
    higherIsWorse: true,
    ofCell: (c) => cpuTotal(c.cpuUsPerCall),
    ofStat: (s) => cpuTotal(s.cpuUsPerCall),
    scaling: 'divide',
    everyCell: false,
    gatePct: 25,
    goal: 'least CPU/call',
    short: 'µs',
  },
  'bytes/call': {
    unit: 'bytes',
    higherIsWorse: true,
    ofCell: bytesTotal,
    scaling: 'none',
    everyCell: true,
    gatePct: 0,
    deterministic: true,
    goal: 'fewest bytes/call',
    short: 'B',
  },
  errors: { unit: 'calls', higherIsWorse: true, ofCell: (c) => c.errors, scaling: 'none', everyCell: true },
  'error-rate': { unit: 'share', higherIsWorse: true, ofCell: (c) => c.errors / Math.max(1, c.calls + c.errors), scaling: 'none', everyCell: true },
} satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

const having = (key: keyof MetricSpec) => METRIC_NAMES.filter((m) => (METRICS[m] as MetricSpec)[key] !== undefined);

/** The metrics the regression gate judges (those with a default threshold, gatePct), in the table's order. */
export const GATE_METRICS: readonly MetricName[] = having('gatePct');

/** The latency percentiles, each with its field of LatencyUs: what an objective (--slo) may bound. */
export const LATENCY_METRICS: readonly MetricName[] = having('percentile');

/** The metrics a history follows. */
export const FOLLOWED_METRICS: readonly MetricName[] = METRIC_NAMES.filter((m) => (METRICS[m] as MetricSpec).followed);

/** The suffixes a value of a metric may carry (thresholds, objectives), by its unit, each with its factor to the unit the report keeps. */
export const UNIT_SUFFIXES: Record<Unit, Record<string, number>> = {
  µs: { '': 1, us: 1, µs: 1, ms: 1000, s: 1_000_000 },
  share: { '': 1, '%': 0.01 },
  bytes: { '': 1, B: 1, kB: 1000, KiB: 1024, MB: 1_000_000, MiB: 1 << 20 },
  'calls/s': { '': 1, k: 1000 },
  calls: { '': 1, k: 1000 },
};

/** How a view heads a metric's column: its name and its unit, "p50 µs", "calls/s", "bytes/call". */
export function metricHeading(name: MetricName): string {
  const { unit } = METRICS[name] as MetricSpec;
  return name.includes(unit) || name.startsWith(unit) || unit === 'calls' || unit === 'share' || unit === 'bytes' ? name : `${name} ${unit}`;
}
