// What a scenario is, as data: one descriptor per scenario (a file here, a line in index.ts). The harness plans, runs
// and folds every cell through its scenario's descriptor and knows none by name; the gate and thresholds read the
// metrics it reports. A descriptor measures nothing itself: it is handed a CellRunner, which the harness implements.
import type { MetricName } from '../report/metrics.ts';
import type { CapacityOutcome, CapacitySearch, CellKey, ErrorReason, RateOutcome, TrialResult } from '../report/types.ts';

/** What planning needs from the run's options (the bench options satisfy it). */
export interface ScenarioRequest {
  /** Calls in flight for the closed loop; the highest caps calls in flight in the open loops. */
  concurrency: number[];
  /** The open-loop rate of the `rate` scenario. */
  ratePerSec: number;
  capacity: CapacitySettings;
}

/** A cell as a scenario plans it, before its scenario fills in the load. */
export type CellBase = Omit<CellKey, 'scenario' | 'concurrency' | 'ratePerSec'>;

/** A cell warmed up until steady, then measured over its trials. */
export interface Measurement {
  warmup: { sec: number; steady: boolean };
  trials: TrialResult[];
  errorReasons: ErrorReason[];
}

/** How a scenario wants one measurement made, where it differs from the run's options. */
export interface MeasureOptions {
  /** Trials to run (default: the run's --trials). */
  trials?: number;
  /** Open loop: no completion for this long with calls in flight is a pause (default 5 ms). */
  pauseMs?: number;
}

/** What a scenario runs a cell with: the harness's warm-up and trials, at whatever load the scenario asks for. */
export interface CellRunner {
  /** Warms `cell` up and runs its trials (the cell's own load, or a capacity step's rate). */
  measure(cell: CellKey, how?: MeasureOptions): Promise<Measurement>;
  /** The capacity search's settings (bench --slo, ...), the same for every cell of the run. */
  capacity: CapacitySettings;
  /** Calls/s of a short closed loop (16 in flight) on the cell's call: where a search of the offered rate starts. */
  probe(cell: CellKey): Promise<number>;
}

export interface CapacitySettings {
  /** The latency objective each step must meet, as written (`p99<10ms`), with its metric and limit in µs. */
  slo: { text: string; metric: 'p50' | 'p90' | 'p99' | 'p99.9' | 'max' | 'mean'; limitUs: number; inclusive: boolean };
  /** A step passes only with fewer dropped calls than this share (0.001: 0.1%). */
  maxDroppedShare: number;
  /** The first rate tried, calls/s, or null: a quarter of a short closed loop's calls/s (probe). Steps grow by `factor` until one fails, then bisect. */
  startPerSec: number | null;
  factor: number;
  /** The search stops once the last passing and first failing rates are within this fraction of each other. */
  precision: number;
  /** The highest rate tried: a server that passes it is reported as "≥" it. */
  maxPerSec: number;
  /** When the first rate fails, the search steps down to this before it reports that none passed. */
  minPerSec: number;
  /** The cap on calls in flight: a step that reaches it drops calls (and fails): generous, so that latency fails first. */
  maxInFlight: number;
}

/** What running a cell gives back: its measurement, and for a search every step of it. */
export interface CellRun extends Measurement {
  searches?: CapacitySearch[];
}

export interface Scenario {
  name: string;
  /** What it measures, one line: --help, --dry-run and the README say it in these words. */
  measures: string;
  /** Closed loop (calls in flight, each waits for the last) or open loop (calls start on a schedule, at a rate). */
  loop: 'closed' | 'open';
  /** Its cells for one transport x call x payload size. */
  cells(base: CellBase, request: ScenarioRequest): CellKey[];
  /** What it will run, for --dry-run: "throughput at 1, 16, 64", "rate 1000/s". */
  plan(request: ScenarioRequest): string;
  /** How a cell's load is named in labels: "c=16", "1000/s c=16". */
  load(cell: CellKey): string;
  /** The metrics a threshold without @C reads from its cells (errors and bytes are read from every cell). */
  metrics: readonly MetricName[];
  /** Its cells are told apart by calls in flight, which a threshold's @C picks (the closed loop at each --concurrency). */
  byConcurrency?: boolean;
  /** How many warm-ups and sets of trials a cell takes, on average (a search: its steps), for --dry-run's estimate. */
  measurementsPerCell?: number;
  /** Runs a cell: warm-up and trials (most scenarios), or a search over many (capacity). */
  run(cell: CellKey, runner: CellRunner): Promise<CellRun>;
  /** Its own part of a cell's fold: what the trials (and searches) add up to beyond the medians every cell has. */
  outcome(cell: CellKey, trials: readonly TrialResult[], searches: readonly CapacitySearch[]): ScenarioOutcome;
}

export interface ScenarioOutcome {
  rate: RateOutcome | null;
  capacity: CapacityOutcome | null;
}

/** Most scenarios: warm up, run the trials. */
export const measureCell = (cell: CellKey, runner: CellRunner): Promise<CellRun> => runner.measure(cell);

export const NO_OUTCOME: ScenarioOutcome = { rate: null, capacity: null };
