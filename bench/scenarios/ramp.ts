// ramp: the offered rate rises step by step from one rate to another (open loop, latency counted from when each call
// was due), and the latency is followed over time: where it turns up as the load grows, and how it turns, for users
// who want to watch a transport degrade rather than read one number (k6's ramping-arrival-rate, Gatling's rampUsers).
// One cell per transport x call x ramp; each step is one trial at its rate, with no warm-up between steps.

import { round3 } from '../report/trials.ts';
import type { CellResult } from '../report/types.ts';
import { type CellRun, outcomeOf, type Scenario, SettingsError } from './scenario.ts';
import type { Chart, Figure, RowCells, ViewTable } from './view.ts';

export interface RampSettings {
  fromPerSec: number;
  toPerSec: number;
  steps: number;
  /** Each step's length, seconds. */
  stepSec: number;
}

/** One step of the ramp: the rate offered, what completed, its latency (from the due time) and how late our sends were. */
export interface RampPoint {
  atSec: number;
  offeredPerSec: number;
  achievedPerSec: number;
  p50Us: number;
  p99Us: number;
  droppedShare: number;
  lateP99Us: number | null;
}

export interface RampOutcome {
  points: RampPoint[];
}

const DEFAULT: RampSettings = { fromPerSec: 500, toPerSec: 8000, steps: 8, stepSec: 1 };

export const ramp: Scenario<RampSettings, RampOutcome> = {
  name: 'ramp',
  measures: 'latency over time as the offered rate rises step by step (open loop, corrected for coordinated omission)',
  loop: 'open',
  interleave: 'whole',
  flags: [
    { name: 'ramp', value: 'FROM-TO', help: "the ramp scenario's rates, calls/s, rising geometrically (default 500-8000)" },
    { name: 'ramp-steps', value: 'N', help: 'steps of the ramp, each one trial at its rate (default 8)' },
    { name: 'ramp-step', value: 'D', help: "each step's length: 1 (seconds), 500ms, 2s (default 1)" },
  ],
  settings: (flag) => settingsOf(flag),
  record: (s) => ({ fromPerSec: s.fromPerSec, toPerSec: s.toPerSec, steps: s.steps, stepSec: s.stepSec }),
  cells: (base, s, common) => [
    { ...base, scenario: 'ramp', concurrency: Math.max(256, ...common.concurrency), ratePerSec: null, variant: `${s.fromPerSec}-${s.toPerSec}/s` },
  ],
  plan: (s) => `ramp ${s.fromPerSec} to ${s.toPerSec} calls/s in ${s.steps} steps of ${s.stepSec} s`,
  load: (cell) => `${cell.variant} ≤${cell.concurrency} in flight`,
  metrics: [],
  measurementsPerCell: 2,
  run: async (cell, runner, s): Promise<CellRun> => {
    const trials = [];
    let warmup = { sec: 0, steady: true };
    for (let i = 0; i < s.steps; i++) {
      const rate = Math.round(s.fromPerSec * (s.toPerSec / s.fromPerSec) ** (s.steps > 1 ? i / (s.steps - 1) : 0));
      const m = await runner.measure({ ...cell, ratePerSec: rate }, { trials: 1, durationMs: s.stepSec * 1000, warmup: i === 0 });
      if (i === 0) warmup = m.warmup;
      trials.push(...m.trials);
    }
    return { warmup, trials, errorReasons: [] };
  },
  outcome: (_cell, trials) => {
    if (!trials.length) return null;
    const t0 = Math.min(...trials.map((t) => t.startedAtMs));
    const points = trials.map((t) => {
      const scheduled = t.calls + t.errors + t.dropped;
      return {
        atSec: round3((t.startedAtMs - t0) / 1000),
        offeredPerSec: round3(scheduled / Math.max(0.001, t.durationSec)),
        achievedPerSec: t.callsPerSec,
        p50Us: t.latencyUs.p50,
        p99Us: t.latencyUs.p99,
        droppedShare: scheduled ? round3(t.dropped / scheduled) : 0,
        lateP99Us: t.client.sendLagUs?.p99 ?? null,
      };
    });
    return { points };
  },
  outcomeSchema: {
    type: 'object',
    required: ['points'],
    additionalProperties: false,
    properties: {
      points: {
        type: 'array',
        items: {
          type: 'object',
          required: ['atSec', 'offeredPerSec', 'achievedPerSec', 'p50Us', 'p99Us', 'droppedShare', 'lateP99Us'],
          additionalProperties: false,
          properties: {
            atSec: { type: 'number', minimum: 0 },
            offeredPerSec: { type: 'number', minimum: 0 },
            achievedPerSec: { type: 'number', minimum: 0 },
            p50Us: { type: 'number', minimum: 0 },
            p99Us: { type: 'number', minimum: 0 },
            droppedShare: { type: 'number', minimum: 0, maximum: 1 },
            lateP99Us: { type: ['number', 'null'], minimum: 0 },
          },
        },
      },
    },
  },
  view: {
    tables: (cells, name) => table(cells, name),
    charts: (rows, place) => charts(rows, place),
  },
};

function settingsOf(flag: (name: string) => string | undefined): RampSettings {
  const range = flag('ramp');
  const m = range === undefined ? null : /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(range);
  if (range !== undefined && !(m && Number(m[1]) >= 1 && Number(m[2]) > Number(m[1]) && Number(m[2]) <= 1_000_000))
    throw new SettingsError(`--ramp: ${JSON.stringify(range)} is not FROM-TO calls/s with 1 <= FROM < TO <= 1000000, e.g. 500-8000`);
  const steps = flag('ramp-steps');
  if (steps !== undefined && !(/^\s*\d+\s*$/.test(steps) && Number(steps) >= 2 && Number(steps) <= 100))
    throw new SettingsError(`--ramp-steps: ${JSON.stringify(steps)} is not a whole number from 2 to 100`);
  const step = flag('ramp-step');
  const stepSec = step === undefined ? DEFAULT.stepSec : seconds(step);
  return {
    fromPerSec: m ? Number(m[1]) : DEFAULT.fromPerSec,
    toPerSec: m ? Number(m[2]) : DEFAULT.toPerSec,
    steps: steps === undefined ? DEFAULT.steps : Number(steps),
    stepSec,
  };
}

/** "1", "500ms", "2s": a step's length from 0.1 s to 10 min. */
function seconds(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$/.exec(value);
  const sec = m ? Number(m[1]) / (m[2] === 'ms' ? 1000 : 1) : Number.NaN;
  if (!(sec >= 0.1 && sec <= 600)) throw new SettingsError(`--ramp-step: ${JSON.stringify(value)} is not a length from 100ms to 600s, e.g. 1 or 500ms`);
  return sec;
}

function table(cells: readonly CellResult[], name: (c: CellResult) => string): ViewTable[] {
  const withIt = cells.filter((c) => outcomeOf(ramp, c));
  if (!withIt.length) return [];
  const header = ['cell', 'at s', 'offered/s', 'achieved/s', 'p50 µs', 'p99 µs', 'late p99 µs', 'dropped'];
  const rows = withIt.flatMap((c) =>
    outcomeOf(ramp, c)!.points.map((p): Figure[] => [
      name(c),
      { value: p.atSec },
      { value: p.offeredPerSec },
      { value: p.achievedPerSec },
      { value: p.p50Us },
      { value: p.p99Us },
      { value: p.lateP99Us },
      `${Number((p.droppedShare * 100).toPrecision(2))}%`,
    ]),
  );
  const note = 'Each step: one trial at its offered rate, right after the last (no warm-up between); latency counts from when each call was due.';
  return [{ title: 'ramp: latency as the offered rate rises', header, rows, note }];
}

/** p99 against the offered rate, one line per transport, and the rate each achieved: where latency turns up. */
function charts(rows: readonly RowCells[], place: { title: string; id(what: string): string }): Chart[] {
  const withIt = rows.filter((r) => r.cells[0] && outcomeOf(ramp, r.cells[0]));
  if (!withIt.length) return [];
  const points = (r: RowCells) => outcomeOf(ramp, r.cells[0]!)!.points;
  return [
    {
      kind: 'line',
      id: place.id('ramp'),
      title: `${place.title}: latency as the offered rate rises (p99 solid, p50 dashed)`,
      xLabel: 'offered calls/s',
      xScale: 'linear',
      valueLabel: 'µs',
      axisMin: 0,
      series: withIt.flatMap((r) => [
        { name: `${r.label} p99`, group: r.label, points: points(r).map((p) => [p.offeredPerSec, p.p99Us] as [number, number]) },
        { name: `${r.label} p50`, group: r.label, dashed: true, points: points(r).map((p) => [p.offeredPerSec, p.p50Us] as [number, number]) },
      ]),
    },
  ];
}
