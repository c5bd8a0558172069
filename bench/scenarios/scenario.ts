// What a scenario is, as data: one descriptor per scenario (a file here, a line in index.ts), which owns everything
// about itself, as k6's executors each own their config, validation and defaults: its flags and their parsing, its
// settings as the report keeps them, its cells and the part of their key that is its own, how it runs a cell, what
// its trials fold to (its outcome, with the outcome's schema), the samples of its own metrics for the gate and the
// history, the goals it adds to the verdict and what it adds to the views. The harness, the gate, the history and the
// formats reach a scenario only through scenarioOf(cell.scenario); none spells a scenario's name. A descriptor
// measures nothing itself (it is handed a CellRunner, which the harness implements) and formats nothing (it hands the
// views figures, which they format).
import { BadInput } from '../report/errors.ts';
import type { MetricName } from '../report/metrics.ts';
import type { CellKey, CellResult, ErrorReason, TrialResult } from '../report/types.ts';
import type { GoalSpec } from '../stats/verdict.ts';
import type { ScenarioView } from './view.ts';

/** What every scenario may read of the run's options, besides its own settings. */
export interface CommonSettings {
  /** --concurrency: calls in flight of the closed loop; an open loop takes the highest as its cap. */
  concurrency: number[];
  quick: boolean;
}

/** One of a scenario's own flags: `--NAME VALUE`, with its help (lines after the first are indented by --help). */
export interface ScenarioFlag {
  name: string;
  value: string;
  help: string;
}

/** A cell as a scenario plans it, before its scenario fills in the load. */
export type CellBase = Pick<CellKey, 'transport' | 'call' | 'payloadEntries'>;

/** A cell warmed up until steady, then measured over its trials. */
export interface Measurement {
  warmup: { sec: number; steady: boolean };
  trials: TrialResult[];
  errorReasons: ErrorReason[];
}

/** A scenario's flag given a value it cannot take: exit 2, one line, before anything runs. */
export class SettingsError extends BadInput {}

/** How a scenario wants one measurement made, where it differs from the run's options. */
export interface MeasureOptions {
  /** Trials to run instead of the run's --trials. */
  trials?: number;
  /** Each trial's length instead of the run's --duration, ms. */
  durationMs?: number;
  /** false: no warm-up (the load runs on from the measurement before). */
  warmup?: boolean;
  /** After the trials, more while the calls add up to fewer than this (at most `maxTrials` in all). */
  minCalls?: number;
  maxTrials?: number;
  /** Open loop: each trial long enough for this many calls at its rate (at most MAX_TRIAL_MS). */
  minTrialCalls?: number;
  /** Open loop: no completion for this long with calls in flight is a pause (default 5 ms). */
  pauseMs?: number;
}

/** The longest a trial is made to get the calls a scenario asks of each (`minTrialCalls`, a capacity step at a low rate). */
const MAX_TRIAL_MS = 10_000;

/** How long an open-loop trial at `ratePerSec` runs to hold `minTrialCalls` (5% over, for the calls still in flight), capped. */
export const trialMsFor = (minTrialCalls: number, ratePerSec: number) => Math.min(MAX_TRIAL_MS, Math.ceil(((minTrialCalls * 1.05) / ratePerSec) * 1000));

/** The lowest rate at which the longest trial holds `minTrialCalls`: below it, no trial does. */
export const lowestRateFor = (minTrialCalls: number) => Math.ceil((minTrialCalls * 1.05) / (MAX_TRIAL_MS / 1000));

/** What a scenario runs a cell with: the harness's warm-up and trials, at whatever load the scenario asks for. */
export interface CellRunner {
  /** Warms `cell` up and runs its trials (the cell's own load, or a step's rate). */
  measure(cell: CellKey, how?: MeasureOptions): Promise<Measurement>;
  /** Calls/s of a short closed loop (16 in flight) on the cell's call: where a search of the offered rate can start. */
  probe(cell: CellKey): Promise<number>;
}

/** What running a cell gives back: its measurement, and what the scenario keeps of this run beyond its trials. */
export interface CellRun extends Measurement {
  /** One record of the run for the outcome (a capacity search, every step of it); absent for most scenarios. */
  record?: unknown;
}

/** A scenario's descriptor: `S` its settings (parsed from its flags), `O` its outcome (what a cell adds up to). */
export interface Scenario<S = unknown, O extends object = object> {
  name: string;
  /** What it measures, one line: --help, --dry-run and the README say it in these words. */
  measures: string;
  /** Closed loop (calls in flight, each waits for the last) or open loop (calls start on a schedule, at a rate). */
  loop: 'closed' | 'open';
  /** Run when --scenarios is not given. */
  inDefault?: boolean;
  /**
   * How much of it runs in one turn when the run interleaves transports in rounds: a trial (the default), a
   * measurement (a capacity step, whose trials belong together), or its whole run (a ramp, whose steps follow on).
   */
  interleave?: 'trials' | 'measurements' | 'whole';
  /** Its own flags; bench parses them only into this scenario's settings. */
  flags: readonly ScenarioFlag[];
  /** Its settings from its flags (`flag(name)`: the value given, or undefined); bad input throws a UsageError. */
  settings(flag: (name: string) => string | undefined, common: CommonSettings): S;
  /** Its settings as the report keeps them (meta.options.scenarios[name]), enough to run it again. */
  record(settings: S): Record<string, unknown>;
  /** Its cells for one transport x call x payload size. */
  cells(base: CellBase, settings: S, common: CommonSettings): CellKey[];
  /** What it will run, for --dry-run: "throughput at 1, 16, 64", "rate 1000/s". */
  plan(settings: S, common: CommonSettings): string;
  /** Its part of a cell's label beyond transport, call and scenario: "c=16", "1000/s c=16", "p99<10ms". */
  load(cell: CellKey): string;
  /** The metrics a threshold without @C reads from its cells (errors and bytes are read from every cell). */
  metrics: readonly MetricName[];
  /** Its cells are told apart by calls in flight, which a threshold's @C picks (the closed loop at each --concurrency). */
  byConcurrency?: boolean;
  /** How many warm-ups and sets of trials a cell takes, on average (a search: its steps), for --dry-run's estimate. */
  measurementsPerCell?: number;
  /** Runs a cell: warm-up and trials (most scenarios), or a search over many. */
  run(cell: CellKey, runner: CellRunner, settings: S): Promise<CellRun>;
  /** Its part of a cell: what the trials and the runs' records add up to beyond the medians every cell has; null for none. */
  outcome(cell: CellKey, trials: readonly TrialResult[], records: readonly unknown[]): O | null;
  /** The records inside an outcome (one per run), so that cells of several runs pool into one. */
  recordsOf?(outcome: O): unknown[];
  /** The JSON schema of its outcome: the report's validation checks every cell's outcome against its scenario's. */
  outcomeSchema?: object;
  /** The value of a metric it owns (one whose table entry says `scenario`), for a cell; NaN where it has none. */
  figure?(cell: CellResult, metric: MetricName): number;
  /** One sample per run of a metric it owns, for the gate's test and the history's spread; [] where it has none. */
  samples?(cell: CellResult, metric: MetricName): number[];
  /** The goals it adds to the verdict, each comparing its cells of one call. */
  goals?: readonly GoalSpec[];
  /** What it adds to the views: columns, tables, charts, notes, export fields. */
  view?: ScenarioView;
}

/** Most scenarios: warm up, run the trials. */
export const measureCell = (cell: CellKey, runner: CellRunner): Promise<CellRun> => runner.measure(cell);

/** The outcome a cell of scenario `s` carries, typed as its scenario's; null for another scenario's cell or none. */
// biome-ignore lint/suspicious/noExplicitAny: only the outcome's type is read off the descriptor
export function outcomeOf<O extends object>(s: { name: string; outcome(...args: any[]): O | null }, cell: Pick<CellResult, 'scenario' | 'outcome'>): O | null {
  return cell.scenario === s.name ? ((cell.outcome as O | null) ?? null) : null;
}
