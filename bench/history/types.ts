// What the history keeps and what it finds: a point per report (its commit, time, machine and each cell's numbers
// with the spread of its runs), series per machine, and the change points in each series.
import type { MetricName } from '../report/metrics.ts';
import type { CellKey } from '../report/types.ts';

/** A metric a history follows: one the metric table marks `followed`. */
export type HistoryMetric = MetricName;

/** One metric of one cell in one report: the cell's value (its median) and each sample's (its runs, else trials). */
export interface PointValue {
  value: number;
  samples: number[];
}

export interface PointCell extends CellKey {
  values: Partial<Record<HistoryMetric, PointValue>>;
}

/** The machine a report ran on: series never mix two. Reports of one CPU model and core count are one machine. */
export interface Machine {
  /** "AMD EPYC × 2, linux x64": how series are told apart, and how they are named. */
  key: string;
  cpu: string;
  cores: number;
}

/** What the store keeps of one report: enough for every trend and change point, none of its histograms. */
export interface HistoryPoint {
  schema: 1;
  /** Stable for one report: adding it again replaces it. */
  id: string;
  /** The commit of the code under test: a plugin's repository where the report names one (meta.subject), else rpcbench's. */
  commit: string | null;
  /** The report's --label, where it has one. */
  label?: string;
  date: string;
  machine: Machine;
  node: string;
  /** What the run did differently, as the report's options line says it (e.g. server work on one transport). */
  options: string;
  cells: PointCell[];
  /** The leads its verdict called clear (absent in points of reports without a verdict, or added before leads were kept). */
  leads?: PointLead[];
}

/** A goal of a report's verdict with its leader and the transports clearly behind it. */
export interface PointLead {
  call: string;
  /** As the verdict words it: "lowest p50". */
  goal: string;
  where: string;
  leader: string;
  behind: string[];
}

/** Two reports of one machine whose verdicts called opposite leads clear. */
export interface Contradiction {
  call: string;
  goal: string;
  where: string;
  /** Clearly ahead in the later report, clearly behind in the earlier one. */
  ahead: string;
  behind: string;
  /** The later report and the earlier one: date (commit). */
  now: string;
  before: string;
}

/** A change in a series: where the new level starts, which way, how large, how sure. */
export interface ChangePoint {
  /** The first point at the new level. */
  index: number;
  commit: string | null;
  date: string;
  /** The new level's median over the old one's (each from one change point to the next). */
  ratio: number;
  /** 95% bootstrap interval of the ratio. */
  low: number;
  high: number;
  /** The medians of the two sides: the old level and the new (each from one change point to the next). */
  levels: [number, number];
  worse: boolean;
  pValue: number;
  /** Other transports' series on this machine changed the same way at the same report (±1): the machine moved (or code every transport shares), not one transport. */
  machineWide?: boolean;
}

/** One metric of one cell on one machine, in time order. */
export interface Series {
  machine: string;
  cell: CellKey;
  /** cellLabel of the cell: "NAME getObj(100) latency c=1". */
  label: string;
  metric: HistoryMetric;
  points: Array<{ commit: string | null; date: string; value: number; low: number; high: number }>;
  changes: ChangePoint[];
}

export interface HistoryOptions {
  alpha: number;
  since: string | null;
  transports: string[] | null;
  calls: string[] | null;
}

/** What `rpcbench history` found: every series, grouped by machine, newest point last. */
export interface History {
  options: HistoryOptions;
  /** Points read from the store, and how many the filters kept. */
  reports: number;
  machines: Array<{ key: string; reports: number; first: string; last: string }>;
  series: Series[];
  /** Leads that flipped between reports of one machine. */
  contradictions: Contradiction[];
}
