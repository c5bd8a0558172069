import { addCell } from '../cells/pool.ts';
import type { RunOutput } from '../report/build.ts';
import type { CellKey, CellResult, MachineHiccups, SkippedEntry } from '../report/types.ts';
import { seedOf } from '../stats/random.ts';
import { startHiccupMeter } from './hiccups.ts';
import { runInRounds } from './interleave.ts';
import type { LiveWindow } from './load-generator.ts';
import { failureOf, type MeasureWith, measure, type OpenGroup, openGroup, type PassEvents, runCell } from './measure.ts';
import type { Plan, PlanGroup, RunConfig } from './plan.ts';
import { makeSchedule, sleepUntil } from './schedule.ts';
import { shuttingDown } from './shutdown.ts';

export interface RunEvents {
  cellStart?(cell: CellKey, index: number, total: number): void;
  cellDone?(result: CellResult): void;
  /** A cell's turn ended (transports in rounds): a trial, a capacity step, or a whole ramp of the cell is done. */
  turnDone?(cell: CellKey): void;
  skipped?(entry: SkippedEntry): void;
  /** Each second of load as it ends, with the cell it belongs to (a capacity step: the cell at its rate). */
  window?(cell: CellKey, w: LiveWindow): void;
}

/**
 * With --runs N the whole plan runs N times, each run with its own server processes, and each trial keeps
 * its run number: runs of one build differ more than trials of one run, and the gate needs to see that.
 * Within a run, cells run in rounds (interleave.ts) unless --order sequential or a shared schedule says otherwise.
 */
export async function runPlan(plan: Plan, events: RunEvents = {}): Promise<RunOutput> {
  const { config } = plan;
  const skipped = new Map(plan.skipped.map((s) => [JSON.stringify(s), s]));
  const cells = new Map<string, CellResult>();
  const brokers: Record<string, string> = {};
  const total = plan.groups.reduce((n, g) => n + g.cells.length, 0) * config.runs;
  const schedule = makeSchedule(plan);
  if (schedule) await sleepUntil(schedule.startMs);
  // in rounds every cell starts in the first round, long before the first one finishes: a start counts starts
  let started = 0;
  const ev: PassEvents = {
    onSkip: (entry) => {
      if (!skipped.has(JSON.stringify(entry))) events.skipped?.(entry);
      skipped.set(JSON.stringify(entry), entry);
    },
    onWindow: (cell, w) => events.window?.(cell, w),
    onBroker: (transport, note) => void (brokers[transport] = note),
    onStart: (cell) => events.cellStart?.(cell, Math.min(started++, total - 1), total),
    onTurn: (cell) => events.turnDone?.(cell),
    onDone: (r) => {
      events.cellDone?.(r);
      addCell(cells, r);
    },
  };
  const hiccups: MachineHiccups[] = [];
  for (let run = 0; run < config.runs; run++) {
    const runNo = config.runs > 1 ? run : null;
    const meter = startHiccupMeter();
    try {
      if (config.order === 'interleaved' && !schedule) await runInRounds(plan.groups, config, runNo, ev, seedOf(`${config.seed}|${run}`));
      else
        for (const group of plan.groups) await runGroup(group, config, runNo, ev, schedule ? (cell, trial) => schedule.trialStartMs(run, cell, trial) : null);
    } finally {
      const seen = await meter.stop();
      if (seen) hiccups.push(seen);
    }
  }
  return { results: [...cells.values()], skipped: [...skipped.values()], brokers, hiccups };
}

/** One group after another (--order sequential, or a shared schedule): its server up, every cell, its server down. */
async function runGroup(group: PlanGroup, config: RunConfig, run: number | null, ev: PassEvents, clock: ((cell: CellKey, trial: number) => number) | null) {
  let open: OpenGroup | undefined;
  const remaining = [...group.cells];
  try {
    open = await openGroup(group, config, ev.onBroker);
    while (remaining.length) {
      const cell = remaining[0]!;
      ev.onStart(cell);
      const measureWith: MeasureWith = (c, how) => measure(c, open!, config, run, ev, how, clock && ((trial) => clock(cell, trial)));
      ev.onDone(await runCell(cell, open, config, measureWith));
      remaining.shift();
    }
  } catch (error) {
    if (shuttingDown()) return; // its load was stopped by Ctrl-C or SIGTERM: not a failure of the transport
    const reason = await failureOf(open, error);
    for (const call of new Set(remaining.map((c) => c.call))) ev.onSkip({ kind: 'failed', transport: group.transport.name, call, reason });
  } finally {
    await open?.close();
  }
}
