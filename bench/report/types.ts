// Result types that cross module boundaries. The JSON report is exactly `Report`;
// bench/report/report.schema.json describes the same shape, and test/report.test.ts validates a real report against it.
// Units live in the field names: ...Us = microseconds, ...Bytes = bytes, ...PerSec = per second.
import { METHODS, type MethodName } from '../../transports/contract.ts';

export const SCHEMA_VERSION = 1;

/** The calls a cell can make: the contract's methods. */
export const CALLS = METHODS;
export type CallName = MethodName;

export const SCENARIOS = ['latency', 'throughput', 'rate'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

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
}

/** One timed run of one cell. The report keeps every trial so the regression gate can test for noise. */
export interface TrialResult {
  /** Which run of --runs N this trial belongs to; absent when there was one run. */
  run?: number;
  calls: number;
  errors: number;
  timeouts: number;
  durationSec: number;
  callsPerSec: number;
  latencyUs: LatencyUs;
  cpuUsPerCall: CpuUsPerCall;
}

/** A cell is transport x call x scenario x concurrency (or rate) x payload size. */
export interface CellKey {
  transport: string;
  call: CallName;
  scenario: ScenarioName;
  /** Calls in flight (closed loop); for `rate`, the cap on calls in flight. */
  concurrency: number;
  /** Target arrival rate of the open-loop `rate` scenario, else null. */
  ratePerSec: number | null;
  payloadEntries: number;
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
  /** Sums over trials. */
  calls: number;
  errors: number;
  timeouts: number;
  /** Up to five distinct error messages, so an error count can be explained. */
  errorMessages: string[];
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

export interface ReportMeta {
  date: string;
  tool: { name: string; version: string };
  node: string;
  os: { platform: string; release: string; arch: string };
  cpu: { model: string; count: number };
  gitCommit: string | null;
  /** Wall time of the whole run. */
  durationSec: number;
  options: ReportOptions;
}

/** The options a run used, as recorded in the report (enough to reproduce it). */
export interface ReportOptions {
  transports: string[];
  calls: CallName[];
  scenarios: ScenarioName[];
  concurrency: number[];
  ratePerSec: number;
  durationSec: number;
  warmupSec: number;
  trials: number;
  payloadEntries: number[];
  serverWorkUs: number;
  /** Whole-plan repetitions (--runs); absent means 1. */
  runs?: number;
  /** Present when some transports got other server work than serverWorkUs (an added optional field: still schema 1). */
  serverWorkUsByTransport?: Record<string, number>;
  fibN: number;
  timeoutMs: number;
  quick: boolean;
  targets: Record<string, string>;
}

export interface Report {
  schemaVersion: typeof SCHEMA_VERSION;
  meta: ReportMeta;
  results: CellResult[];
  skipped: SkippedEntry[];
}
