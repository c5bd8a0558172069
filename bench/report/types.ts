// Result types that cross module boundaries. The JSON report is exactly `Report`;
// bench/report/report.schema.json describes the same shape, and test/report.test.ts validates a real report against it.
// Units live in the field names: ...Us = microseconds, ...Bytes = bytes, ...PerSec = per second.
import { METHODS, type MethodName } from '../../transports/contract.ts';
import type { MetricName } from './metrics.ts';

/**
 * 5: one outcome slot per cell, its scenario's (was `rate` and `capacity`); a scenario's own part of a cell's key
 * (`variant`: capacity's objective); each scenario's settings under `options.settings`; an open loop's service time,
 * pauses and backlog; the verdict's basis. 4: capacity searches, one-second windows, the broker's CPU, an open loop's
 * send lag. 3: spread, rate outcome, the run's transports. 2: histograms, codec cost, client load, warm-up, error reasons with counts. Older reports are
 * read and upgraded by report/upgrade.ts.
 */
export const SCHEMA_VERSION = 5;

/** The calls a cell can make: the contract's methods. */
export const CALLS = METHODS;
export type CallName = MethodName;

/** A scenario's name: one of the descriptors in bench/scenarios (latency, throughput, rate, capacity). */
export type ScenarioName = string;

export interface LatencyUs {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export interface BytesPerCall {
  request: number;
  response: number;
}

/** CPU time (user + system) per completed call; `server` is null when the suite does not own the server process. */
export interface CpuUsPerCall {
  client: number;
  server: number | null;
  /** The broker's CPU per call where it runs on this host and its process is visible; null: not measured (remote, a container, no broker). */
  broker?: number | null;
}

/** How loaded the client side was during a trial. */
export interface ClientLoad {
  /** CPU time of the client process (all its threads) per second of wall time: 1.0 is one full core. */
  cpuCores: number;
  /** Event-loop utilization (0..1) of the busiest thread that generated load: near 1, a closed loop's client was the limit. */
  loopUtilization: number;
  /** Open loop only: how late calls left after they were due, µs (the busiest thread's). */
  sendLagUs?: { p50: number; p99: number };
  /** CPU time of the busiest load thread over the trial's wall time (0..1), where Linux says (/proc/thread-self/schedstat). */
  threadBusy?: number;
}

/** One second of a trial (the last may be shorter): calls/s, latency and errors over time. */
export interface Window {
  /** Its start, seconds from the trial's start. */
  atSec: number;
  durationSec: number;
  calls: number;
  errors: number;
  callsPerSec: number;
  p50Us: number;
  p99Us: number;
}

/** A stretch of a trial with calls in flight and none completing (open loop): when it began, seconds from the trial's start, and how long. */
export interface Pause {
  atSec: number;
  ms: number;
}

/** What only an open loop measures, beside the latency from the due time that every trial has. */
export interface OpenLoopTrial {
  /** From each call's send to its reply: the service time, what a closed-loop tool reports (latencyUs counts from when the call was due). */
  serviceLatencyUs: LatencyUs;
  /** The longest pauses (at most 8), and how many there were: no call completed for at least `pauseMs` with calls in flight. */
  pauses: Pause[];
  pauseCount: number;
  pauseMs: number;
  /** Median calls in flight when a call was sent, in the first and the last third of the trial: grows where the server falls behind. */
  backlog: { first: number; last: number };
}

/** One timed run of one cell. The report keeps every trial so the regression gate can test for noise. */
export interface TrialResult {
  /** Which run of --runs N this trial belongs to; absent when there was one run. */
  run?: number;
  /** Wall-clock start, ms since the epoch: which trials of several load generators ran at the same time. */
  startedAtMs: number;
  calls: number;
  errors: number;
  timeouts: number;
  /** Open loop only: calls never sent because `concurrency` calls were already in flight (the server fell behind). */
  dropped: number;
  durationSec: number;
  callsPerSec: number;
  latencyUs: LatencyUs;
  cpuUsPerCall: CpuUsPerCall;
  client: ClientLoad;
  /** The client, not the server, was the limit in this trial (see bench/harness/client-load.ts for the cut-off). */
  clientBound: boolean;
  /** Latencies in nanoseconds, as an HDR histogram compressed and base64-encoded by hdr-histogram-js; null when not recorded. */
  histogram: string | null;
  /** The trial in one-second windows, in order; absent before schema 4. */
  windows?: Window[];
  /** Open loop only (absent in reports before it): service time, pauses, backlog. */
  open?: OpenLoopTrial;
}

/** Codec time per call in microseconds, measured in isolation (tinybench): client = encode request + decode reply, server = the other two. */
export interface CodecUsPerCall {
  client: number;
  server: number;
}

export interface ErrorReason {
  message: string;
  count: number;
}

/** How far a cell's trials are apart: the smallest, the largest, and the coefficient of variation (0.1 = 10%). */
export interface Spread {
  min: number;
  max: number;
  cv: number;
}

/** What the report's readers (reporters, the gate, a merge) need to know of a transport, as the run saw it. */
export interface TransportInfo {
  summary: string;
  group: string | null;
  role: 'harness-floor' | 'wire-floor' | 'measured';
  /** Drawn in charts. */
  charted: boolean;
  /** Benchmarked against a server the suite did not start (--target). */
  target: boolean;
  /** Its place in the registry (plugins after the built-ins): its colour in every chart of every report. */
  colour?: number;
  /** The run's server for this row was the reference implementation named here, not ours (the client is ours). */
  referenceServer?: string;
}

/** An absolute threshold (`--threshold NAME:getObj:p99<2ms`) checked on every cell it applies to, failing cells first. */
export interface ThresholdResult {
  threshold: string;
  ok: boolean;
  /** Why it failed without a number (no cell of the run measured it), else null. */
  reason: string | null;
  /** The unit of the values: µs (latency, CPU per call), calls/s, calls (errors), share (0..1), bytes. */
  unit: 'µs' | 'calls/s' | 'calls' | 'share' | 'bytes';
  /** value: in the unit the report keeps (µs, calls/s, count, share 0..1, bytes); null where not measured. */
  cells: Array<{ cell: CellKey; value: number | null; ok: boolean }>;
}

/** A cell is transport x call x scenario x concurrency (or rate) x payload size. */
export interface CellKey {
  transport: string;
  call: CallName;
  scenario: ScenarioName;
  /** Calls in flight (closed loop); for `rate`, the cap on calls in flight. */
  concurrency: number;
  /** The offered rate of an open loop (calls/s), else null. */
  ratePerSec: number | null;
  payloadEntries: number;
  /** The scenario's own part of the key, beyond the load: capacity's objective (`p99<10ms`), so that two objectives are two cells; absent for most. */
  variant?: string;
}

export interface CellResult extends CellKey {
  /** Median over trials of each statistic. */
  latencyUs: LatencyUs;
  callsPerSec: number;
  /** Bytes of TCP payload per call between client and server (or broker), from a separate untimed pass; null where there is no wire. */
  bytesPerCall: BytesPerCall | null;
  /** JSON size of the application data alone, the same for every transport: the floor that bytesPerCall is compared with. */
  payloadBytes: BytesPerCall;
  cpuUsPerCall: CpuUsPerCall;
  /** The transport's own encoding of this call, timed in isolation; null where nothing is encoded. */
  codecUsPerCall: CodecUsPerCall | null;
  /** Most trials were client-bound: the figures are a lower bound on what the server can do. */
  clientBound: boolean;
  /** How far apart the trials are, for calls/s and p50. */
  spread: { callsPerSec: Spread; p50: Spread };
  /** The trials disagree beyond NOISY_CV (bench/report/trials.ts) on calls/s or p50: re-run with more or longer trials. */
  noisy: boolean;
  /** What the cell's scenario adds up its trials (and runs) to, in its own shape (its descriptor's outcomeSchema); null where it adds nothing. */
  outcome: Record<string, unknown> | null;
  /** How long the cell warmed up before its trials, and whether it reached steady state within the cap. */
  warmup: { sec: number; steady: boolean };
  /** Sums over trials. */
  calls: number;
  errors: number;
  timeouts: number;
  dropped: number;
  /** Distinct error messages with their counts, most frequent first (at most 10; the rest summed as "other"). */
  errorReasons: ErrorReason[];
  trials: TrialResult[];
}

export interface SkippedEntry {
  /** `unavailable`: could not run here (no broker, ...); `failed`: started, then failed (a dead server, ...). */
  kind: 'unavailable' | 'failed';
  transport: string;
  /** null: the whole transport was skipped. */
  call: CallName | null;
  reason: string;
}

/** A goal of the verdict (bench/stats/verdict.ts) is a metric of the table: p50, calls/s, capacity, bytes/call, ... */
export type Goal = MetricName;

export interface VerdictOther {
  transport: string;
  value: number;
  /** The other's value ÷ the leader's, or the leader's ÷ the other's, so that above 1 is always worse. */
  ratio: number;
  /** The 95% interval of the ratio; equal to it where the value is exact (bytes). */
  low: number;
  high: number;
  /** The leader is ahead beyond what the samples' spread allows (see VerdictItem.basis): its interval's low end clears the margin. */
  clear: boolean;
  /** Its figure is a lower bound (our client was the limit): never clear, since the server may carry more than the leader. */
  lowerBound?: boolean;
  /** Both figures are lower bounds (our client was the limit of both): the ratio compares our client's cost, not the servers. */
  bothClientBound?: boolean;
}

/**
 * What the intervals are drawn from. `runs`: one sample per run (--runs N, or pooled reports): an interval that clears
 * 1 is clear. `trials`: one run's trials, which cannot show how much runs differ: a lead is clear only when its
 * interval clears `margin` (the run-to-run spread measured on these machines), and a figure found once per run
 * (capacity) is never clear.
 */
export type VerdictBasis = { kind: 'runs'; runs: number } | { kind: 'trials'; margin: number };

export interface VerdictItem {
  call: CallName;
  goal: Goal;
  /** What was compared: `latency, 1 in flight`, `throughput, 64 in flight`, `capacity at p99<10ms`. */
  where: string;
  leader: string;
  leaderValue: number;
  /** The leader's figure is a lower bound (its client was the limit). */
  leaderClientBound: boolean;
  basis: VerdictBasis;
  /** From one run, each figure was found once (a capacity search): its spread across runs is unknown, so no lead is clear. */
  oneSample?: boolean;
  others: VerdictOther[];
}

export interface VerdictSection {
  confidence: number;
  method: string;
  items: VerdictItem[];
}

export interface ReportMeta {
  date: string;
  tool: { name: string; version: string };
  node: string;
  os: { platform: string; release: string; arch: string };
  cpu: { model: string; count: number };
  gitCommit: string | null;
  /** Wall time of the whole run. */
  durationSec: number;
  /** The run was stopped (Ctrl-C, SIGTERM) before it finished: the report holds the cells that did. */
  interrupted?: boolean;
  /** Every transport of the run, by name. */
  transports: Record<string, TransportInfo>;
  /** Made by `rpcbench merge` from the reports of the segments of one run (each cell's trials added up). */
  merged?: { reports: number; segments: number };
  /** The code under test, where it is not rpcbench's own: `--label`, and the commit of the plugins' repository (git, from their directory). */
  subject?: { label?: string; commit?: string | null; dirty?: boolean };
  /** The round of a gate's interleaved runs this report ran in (rpcbench gate): the base's and the head's run of one round are a pair. */
  round?: number;
  /**
   * For each brokered transport of the run, whose CPU `cpuUsPerCall.broker` holds: `measured: beam.smp (pid 2940)`,
   * or `not measured: why` (a remote broker, a container). Absent before schema 4's broker CPU.
   */
  brokers?: Record<string, string>;
  /** The machine's hiccups through each run (harness/hiccups.ts), in run order; absent before they were measured. */
  hiccups?: MachineHiccups[];
  options: ReportOptions;
}

/** A stall of the machine that matters: one of 5 ms spoils a p99 under 10 ms at a few hundred calls a second. */
export const STALL_MS = 5;
/**
 * The meter's sleep (harness/hiccups.ts): a stall shows as its length less up to this; every text about it says it.
 * Measured here (a worker alone, 8 s each): 1 ms sleeps cost 4.6-5.9% of a core, 2 ms 3.4%, 5 ms 2.8%; 2 ms keeps a
 * stall of 5 ms visible at a cost the load hardly feels.
 */
export const HICCUP_SLEEP_MS = 2;

/** An idle thread of the bench process slept 2 ms at a time through a run: how late it woke. */
export interface MachineHiccups {
  seconds: number;
  wakeups: number;
  /** How late the latest 1% of wake-ups were, at least; null: fewer than 1% were 1 ms late or more. */
  p99Ms: number | null;
  /** The latest wake-up. */
  maxMs: number;
  /** Wake-ups 5 ms late or more, and their lateness summed. */
  stalls: number;
  stalledMs: number;
  /** Late wake-ups (1 ms or more) past the 100,000 the meter keeps, counted only. */
  notKept?: number;
}

/** The options a run used, as recorded in the report (enough to reproduce it). */
export interface ReportOptions {
  transports: string[];
  calls: CallName[];
  scenarios: ScenarioName[];
  concurrency: number[];
  durationSec: number;
  /** The most warm-up a cell gets: it warms until steady, up to this. */
  warmupSec: number;
  trials: number;
  /** Threads generating the client load, each with its own connections and a share of the concurrency. */
  clientWorkers: number;
  payloadEntries: number[];
  serverWorkUs: number;
  /** Whole-plan repetitions (--runs); absent means 1. */
  runs?: number;
  /** How cells ran within a run: in rounds of every transport in a seeded random order, or one transport after another; absent before it existed (sequential). */
  order?: 'interleaved' | 'sequential';
  /** The seed of the rounds' order (interleaved). */
  seed?: number;
  /** Present when some transports got other server work than serverWorkUs. */
  serverWorkUsByTransport?: Record<string, number>;
  fibN: number;
  timeoutMs: number;
  quick: boolean;
  targets: Record<string, string>;
  /** This generator's share of a plan that N generators run together (--segment I/N); absent: the whole plan. */
  segment?: Segment;
  /** Wall-clock time (ISO 8601) the generators of a segmented run started at, each cell's trials on a shared schedule. */
  startAt?: string;
  /** Each scenario's own settings, as it records them (its descriptor's `record`), by its name: enough to run it again. */
  settings: Record<string, Record<string, unknown>>;
  /** Plugin modules the run loaded transports from, as given. */
  plugins?: string[];
}

/** Generator `index` (0-based) of `count`: it runs its share of each cell's concurrency and rate. */
export interface Segment {
  index: number;
  count: number;
}

export interface Report {
  schemaVersion: typeof SCHEMA_VERSION;
  meta: ReportMeta;
  results: CellResult[];
  skipped: SkippedEntry[];
  /** Absolute thresholds checked on this run (--threshold, or "bench": {"thresholds"} in the config); absent when none. */
  thresholds?: ThresholdResult[];
  /** Who leads each goal of each call, and by how much, with 95% intervals; absent in reports before it existed. */
  verdict?: VerdictSection;
}
