// Older reports read as the current schema version, one step at a time, so a baseline made by an older build
// still compares. Version 1: before histograms, codec cost and client load (marked as not measured).
// Version 2: before trial spread, the rate outcome and the run's transport list (all derived from what it kept).
// Version 3: before capacity, windows and the broker's CPU (none measured).
// Version 4: the scenarios' outcomes in fields of their own (`rate`, `capacity`), their settings in the options, the
// objective copied into every search; the verdict without its basis. Each step is frozen here as that version had it:
// the scenario names of those versions included (an old report reads the same whatever today's descriptors say).
import { median, round3, trialSpread } from './trials.ts';
import type { CellKey, Report, ReportOptions, TransportInfo, TrialResult } from './types.ts';

type Known = Pick<TransportInfo, 'group' | 'role' | 'charted'>;
const member = (group: string): Known => ({ group, role: 'measured', charted: true });

/**
 * The transports a report of schema 1 or 2 can hold, as they were when schema 3 replaced those (d7498fa): frozen
 * here, so that an old report reads the same whatever today's registry (or a plugin) says of a name.
 */
const SCHEMA_2_TRANSPORTS: Record<string, Known> = {
  inproc: { group: null, role: 'harness-floor', charted: false },
  tcp: { group: null, role: 'wire-floor', charted: true },
  ...Object.fromEntries(['xmlrpc', 'xmlrpc:package'].map((n) => [n, member('xmlrpc')])),
  ...Object.fromEntries(['grpc', 'grpc:connect'].map((n) => [n, member('grpc')])),
  ...Object.fromEntries(['thrift:binary', 'thrift:compact'].map((n) => [n, member('thrift')])),
  ...Object.fromEntries(
    ['direct-reply', 'exclusive-queue', 'auto-ack', 'prefetch-1', 'persistent', 'persistent-confirms', 'workers-2'].map((v) => [`amqp:${v}`, member('amqp')]),
  ),
  ...Object.fromEntries(['redis', 'redis:streams'].map((n) => [n, member('redis')])),
  ...Object.fromEntries(['mqtt', 'mqtt:qos1'].map((n) => [n, member('mqtt')])),
};

/** Schema 2 kept no transport list: each name as it was then, marked as a target where the run had one. */
function schema2Transports(options: ReportOptions): Record<string, TransportInfo> {
  return Object.fromEntries(
    options.transports.map((name) => {
      const known = SCHEMA_2_TRANSPORTS[name] ?? { group: null, role: 'measured', charted: true };
      return [name, { summary: '', ...known, target: name in options.targets }];
    }),
  );
}

interface V1Cell {
  errors: number;
  errorMessages?: string[];
  trials: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

interface V1Report {
  meta: { date: string; options: Record<string, unknown> & { warmupSec?: number } };
  results: V1Cell[];
  skipped: Array<{ reason: string; [key: string]: unknown }>;
}

function upgradeTrials(trials: Array<Record<string, unknown>>, startedAtMs: number): TrialResult[] {
  return trials.map((t) => ({
    ...t,
    startedAtMs,
    dropped: 0,
    client: { cpuCores: 0, loopUtilization: 0 },
    clientBound: false,
    histogram: null,
  })) as unknown as TrialResult[];
}

/** Upgrades a report of an older schema version to the current one; throws when it does not have the old shape. */
export function upgradeReport(value: unknown, version: number): Report {
  const v2 = version === 1 ? upgradeV1(value) : value;
  const v3 = version <= 2 ? upgradeV2(v2 as V2Report) : v2;
  const v4 = version <= 3 ? upgradeV3(v3 as V3Report) : v3;
  return upgradeV4(v4 as V4Report);
}

interface V3Report {
  results: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

/** Version 3: before capacity (no cell has it), windows, the broker's CPU and the send lag (not measured, so absent). */
function upgradeV3(v3: V3Report): V4Report {
  return { ...v3, schemaVersion: 4, results: v3.results.map((cell) => ({ ...cell, capacity: null })) } as unknown as V4Report;
}

type Obj = Record<string, unknown>;

interface V4Report {
  meta: { options: Obj & { ratePerSec?: number; capacity?: Obj & { slo: string }; scenarios: string[] }; [key: string]: unknown };
  results: Array<Obj & { scenario: string; rate: Obj | null; capacity: (Obj & { slo: string; searches: Array<Obj & { steps: Obj[] }> }) | null }>;
  verdict?: unknown;
  [key: string]: unknown;
}

/** Calls a version-4 objective needed per step, frozen: 10 beyond its percentile. */
const V4_NEEDED: Record<string, number> = { p50: 20, p90: 100, p99: 1000, 'p99.9': 10_000 };

/** A version-4 capacity step in today's shape: what it did not measure (service time, lateness, backlog, pauses) marked absent. */
function v4Step(step: Obj, objective: string): Obj {
  const trials = (step.trials as Array<{ calls: number }>) ?? [];
  return {
    ...step,
    calls: trials.reduce((n, t) => n + t.calls, 0),
    callsNeeded: V4_NEEDED[/^[\w.]+/.exec(objective)?.[0] ?? ''] ?? 100,
    serviceLatencyUs: null,
    lateUs: null,
    saturated: Number(step.droppedShare) >= 0.001,
    backlog: null,
    pauses: [],
    pauseCount: 0,
  };
}

/** Version 4: `rate` and `capacity` become the one outcome slot, the objective the capacity cell's variant; its options the scenarios' settings. */
function upgradeV4(v4: V4Report): Report {
  const { ratePerSec, capacity, ...options } = v4.meta.options;
  const settings: Record<string, Obj> = {};
  if (options.scenarios.includes('rate')) settings.rate = { ratePerSec: ratePerSec ?? 1000 };
  if (capacity) settings.capacity = capacity;
  const results = v4.results.map(({ rate, capacity: cap, ...cell }) => {
    if (cap) {
      const { slo, sloLimitUs, searches, ...rest } = cap;
      const upgraded = searches.map(({ slo: _s, sloLimitUs: _l, steps, ...search }) => ({ ...search, steps: steps.map((x) => v4Step(x, slo)) }));
      return { ...cell, variant: slo, outcome: { ...rest, searches: upgraded } };
    }
    return { ...cell, outcome: rate ? { ...rate, serviceLatencyUs: null, lateUs: null } : null };
  });
  // the verdict of version 4 had no basis (runs or one run's trials): it is made again where a report is built
  const { verdict: _verdict, ...rest } = v4;
  return { ...rest, schemaVersion: 5, meta: { ...v4.meta, options: { ...options, settings } }, results } as unknown as Report;
}

/** Version 2's rate outcome, frozen: what it achieved against what it asked for. */
function v2RateOutcome(requestedPerSec: number, trials: readonly TrialResult[]) {
  const scheduled = trials.reduce((n, t) => n + t.calls + t.errors + t.dropped, 0);
  const dropped = trials.reduce((n, t) => n + t.dropped, 0);
  const achievedPerSec = round3(median(trials.map((t) => t.callsPerSec)));
  const droppedShare = scheduled ? round3(dropped / scheduled) : 0;
  return { requestedPerSec, achievedPerSec, droppedShare, saturated: droppedShare > 0 || achievedPerSec < 0.9 * requestedPerSec };
}

interface V2Report {
  meta: { options: ReportOptions; [key: string]: unknown };
  results: Array<CellKey & { trials: TrialResult[]; [key: string]: unknown }>;
  [key: string]: unknown;
}

function upgradeV2(v2: V2Report): V3Report {
  return {
    ...v2,
    schemaVersion: 3,
    meta: { ...v2.meta, transports: schema2Transports(v2.meta.options) },
    results: v2.results.map((cell) => ({
      ...cell,
      ...trialSpread(cell.trials),
      rate: cell.ratePerSec === null ? null : v2RateOutcome(cell.ratePerSec, cell.trials),
    })),
  };
}

function upgradeV1(value: unknown): V2Report {
  const v1 = value as V1Report;
  const startedAtMs = Date.parse(v1.meta.date) || 0;
  return {
    schemaVersion: 2,
    meta: { ...v1.meta, options: { clientWorkers: 1, ...v1.meta.options } as unknown as ReportOptions },
    results: v1.results.map(({ errorMessages, ...cell }) => ({
      ...(cell as unknown as CellKey),
      codecUsPerCall: null,
      clientBound: false,
      warmup: { sec: Number(v1.meta.options.warmupSec ?? 0), steady: false },
      dropped: 0,
      // version 1 kept up to five messages without counts: all errors go under them, as one reason
      errorReasons: cell.errors > 0 ? [{ message: errorMessages?.join('; ') || 'errors (not itemised before schema version 2)', count: cell.errors }] : [],
      trials: upgradeTrials(cell.trials, startedAtMs),
    })),
    skipped: v1.skipped.map(({ reason, ...s }) => {
      const failed = reason.startsWith('failed: ');
      return { ...s, kind: failed ? 'failed' : 'unavailable', reason: failed ? reason.slice('failed: '.length) : reason };
    }),
  };
}
