// What a scenario adds to the views, as data: columns of a section's table (one row per transport), tables and notes
// of its own, charts, and fields for the flat exports (CSV, OpenMetrics). A scenario hands figures; the formats turn
// them into text (num, marks), Mermaid or Chart.js. Nothing here formats a number.
import type { CellKey, CellResult, TrialResult } from '../report/types.ts';

/**
 * A figure for a view: a number it formats (with its marks: `clientBound` '*', `noisy` '~', `atLeast` '≥ ', a note
 * after it in parentheses), a text shown as it is, or null ('-').
 */
export type Figure = { value: number | null; clientBound?: boolean; noisy?: boolean; atLeast?: boolean; note?: string } | string | null;

/** A column a scenario adds to a section's table, read from the row's cells of that scenario. */
export interface ViewColumn {
  header: string;
  figure(cells: readonly CellResult[]): Figure;
  /** Shown in the terminal too (the markdown and the HTML show every column). */
  compact?: boolean;
}

/** A table of a scenario's own (one row per cell or per step); `name(cell)`: how every output names a cell. */
export interface ViewTable {
  title: string;
  header: string[];
  rows: Figure[][];
  /** Under it, in words. */
  note?: string;
  /** In the markdown, folded away (details) unless opened. */
  folded?: boolean;
}

export interface BarChart {
  kind: 'bar';
  id: string;
  title: string;
  /** What the value axis measures, with its unit. */
  valueLabel: string;
  /** One bar group per label (transport), in the order drawn: sorted by the first series. */
  labels: string[];
  series: Array<{ name: string; values: number[] }>;
  /** The value axis's lower end: always 0, so that bars compare by length. */
  axisMin: 0;
  lowerIsBetter: boolean;
  /** The series are parts of one whole, drawn end to end (CPU: client, server, broker). */
  stacked?: boolean;
}

export interface LineChart {
  kind: 'line';
  id: string;
  title: string;
  xLabel: string;
  /** 'nines': a percentile axis, log-scaled in 1 / (1 - p), labelled 90%, 99%, 99.9%, ...; 'linear': numbers from 0. */
  xScale: 'category' | 'nines' | 'linear';
  valueLabel: string;
  /** A second value axis on the right, for series that say `axis: 'y1'` (a time chart's p99 beside its calls/s). */
  value2Label?: string;
  /** Where the value axis ends, when the interesting part is below it (points above are drawn at the edge). */
  valueMax?: number;
  /** Where the x axis ends (every point's x is at most this). */
  xMax?: number;
  axisMin: 0;
  /** `group`: the transport a series belongs to (its colour); `dashed`: its second line (p50 beside p99). */
  series: Array<{ name: string; points: Array<[number, number]>; group?: string; dashed?: boolean; axis?: 'y' | 'y1' }>;
  /** Small multiples: one panel per group, side by side, each with the axes of all (a chart of many transports stays readable). */
  panels?: boolean;
}

export type Chart = BarChart | LineChart;

/** A transport's cells of one scenario in one section, and how the views name the transport. */
export interface RowCells {
  label: string;
  transport: string;
  cells: readonly CellResult[];
}

/** Where a chart goes: its section's title and an id prefix unique to the section. */
export interface ChartPlace {
  title: string;
  id(what: string): string;
}

export interface ScenarioView {
  /** The columns it adds to a section's table, given every row's cells of this scenario (a column shows only where one has cells). */
  columns?(rows: readonly RowCells[]): ViewColumn[];
  /** How it ranks a row, higher first, where it is the first scenario of the section that can (fastest first). */
  rank?(cells: readonly CellResult[]): number | null;
  /** Tables of its own, from all its cells of the report; `name(cell)` names a cell as every output does. */
  tables?(cells: readonly CellResult[], name: (c: CellKey) => string): ViewTable[];
  /** Notes under the tables, in words, when it has cells in the report. */
  notes?(cells: readonly CellResult[]): string[];
  /** Charts of one section, from its charted rows. */
  charts?(rows: readonly RowCells[], place: ChartPlace): Chart[];
  /** Fields of a cell for the flat exports (CSV columns: name with its unit, e.g. capacity_calls_per_s). */
  fields?: ReadonlyArray<readonly [name: string, value: (c: CellResult) => string | number | boolean | null]>;
}

/** An open-loop cell over time, second by second: calls/s and p99 (a search's steps one after another). */
export function timeChart(place: ChartPlace, label: string, transport: string, scenario: string, trials: readonly TrialResult[]): LineChart[] {
  if (!trials.length) return [];
  const t0 = Math.min(...trials.map((t) => t.startedAtMs));
  const windows = trials.flatMap((t) => (t.windows ?? []).map((w) => ({ at: (t.startedAtMs - t0) / 1000 + w.atSec, w })));
  if (!windows.length) return [];
  windows.sort((a, b) => a.at - b.at);
  const at = (x: number) => Math.round(x * 100) / 100;
  return [
    {
      kind: 'line',
      id: place.id(`time-${scenario}-${transport.replace(/\W/g, '_')}`),
      title: `${place.title}: ${label} ${scenario}, second by second`,
      xLabel: 'seconds from the first trial',
      xScale: 'linear',
      valueLabel: 'calls/s',
      value2Label: 'p99 µs',
      axisMin: 0,
      series: [
        { name: 'calls/s', points: windows.map(({ at: x, w }) => [at(x), w.callsPerSec] as [number, number]) },
        { name: 'p99 µs', axis: 'y1', dashed: true, points: windows.map(({ at: x, w }) => [at(x), w.p99Us] as [number, number]) },
      ],
    },
  ];
}
