// Randomized multiple interleaved trials (Abedi & Brecht, ICPE 2017: back-to-back runs of two identical systems can
// differ by 38%; their fix is rounds, each running every alternative once in a fresh random order). Every group's
// server is up for the whole pass; each cell runs its scenario as usual, but every measurement waits for its turn.
// A round begins when every unfinished cell is waiting, and runs them one at a time in a seeded random order: a
// noisy minute then falls on every transport alike, not on whichever ran then. A scenario says how much a turn
// holds: one trial (most), one measurement (a capacity step: its trials belong together), or its whole run (a ramp,
// whose steps follow each other). Between a cell's turns other transports run: each later trial first runs one
// warm-up window at the cell's load, unmeasured.
import type { CellKey } from '../report/types.ts';
import { scenarioOf } from '../scenarios/index.ts';
import type { Measurement, MeasureOptions } from '../scenarios/scenario.ts';
import { mulberry32 } from '../stats/random.ts';
import { errorReasons, failureOf, type InTurn, type MeasureWith, measure, type OpenGroup, openGroup, type PassEvents, runCell, trial } from './measure.ts';
import type { PlanGroup, RunConfig } from './plan.ts';
import { shuttingDown } from './shutdown.ts';

/** Turns in rounds: each round, every waiting cell once, in a fresh seeded random order. */
class Rounds {
  private waiting: Array<() => void> = [];
  private round: Array<() => void> = [];
  private active = 0;
  private busy = false;

  constructor(private readonly random: () => number) {}

  /** A cell joins; it calls the function returned when it is done (finished or failed). */
  join(): () => void {
    this.active++;
    return () => {
      this.active--;
      this.next();
    };
  }

  /** Runs `job` in the cell's turn of the current or the next round. */
  readonly turn: InTurn = async (job) => {
    await new Promise<void>((go) => {
      this.waiting.push(go);
      this.next();
    });
    try {
      return await job();
    } finally {
      this.busy = false;
      this.next();
    }
  };

  private next(): void {
    if (this.busy) return;
    // a new round once every cell still running waits for its turn
    if (!this.round.length && this.waiting.length && this.waiting.length >= this.active) this.round = this.shuffled(this.waiting.splice(0));
    const go = this.round.shift();
    if (!go) return;
    this.busy = true;
    go();
  }

  /** Fisher-Yates with the pass's seeded generator. */
  private shuffled<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

/** One pass over every group's cells in rounds; a group that fails leaves its other cells skipped, the rest run on. */
export async function runInRounds(groups: readonly PlanGroup[], config: RunConfig, run: number | null, ev: PassEvents, seed: number): Promise<void> {
  const open: OpenGroup[] = [];
  try {
    for (const group of groups) {
      try {
        open.push(await openGroup(group, config, ev.onBroker));
      } catch (error) {
        if (shuttingDown()) return;
        const reason = await failureOf(undefined, error);
        for (const call of new Set(group.cells.map((c) => c.call))) ev.onSkip({ kind: 'failed', transport: group.transport.name, call, reason });
      }
    }
    const rounds = new Rounds(mulberry32(seed));
    // every cell joins before any takes a turn: the first round holds them all, not only the first to ask
    const cells = open.flatMap((g) => g.group.cells.map((cell) => ({ cell, g, leave: rounds.join() })));
    await Promise.all(cells.map(({ cell, g, leave }) => runInTurns(cell, g, config, run, ev, rounds, leave)));
  } finally {
    await Promise.all(open.map((g) => g.close()));
  }
}

/** Why a group stopped: the first of its cells to fail says it; its other cells skip without a turn. */
const failures = new WeakMap<OpenGroup, string>();

/** One cell's measurements, each in its turn; `leave`: what joining the rounds returned, called when it is done. */
async function runInTurns(
  cell: CellKey,
  open: OpenGroup,
  config: RunConfig,
  run: number | null,
  ev: PassEvents,
  rounds: Rounds,
  leave: () => void,
): Promise<void> {
  let started = false;
  const inTurn: InTurn = (job) =>
    rounds.turn(async () => {
      const failed = failures.get(open);
      if (failed !== undefined) throw new GroupFailed(failed);
      if (!started) ev.onStart(cell);
      started = true;
      return job();
    });
  // a turn that measures (a trial, a step, a whole ramp) is what progress counts; the call's facts and a probe are not
  const measuring: InTurn = (job) =>
    inTurn(async () => {
      const result = await job();
      ev.onTurn(cell);
      return result;
    });
  try {
    const grain = scenarioOf(cell.scenario).interleave ?? 'trials';
    const direct: MeasureWith = (c, how) => measure(c, open, config, run, ev, how);
    const measureWith: MeasureWith =
      grain === 'trials' ? (c, how) => trialsInTurns(c, open, config, run, ev, how, measuring) : (c, how) => measuring(() => direct(c, how));
    const result = grain === 'whole' ? await measuring(() => runCell(cell, open, config, direct)) : await runCell(cell, open, config, measureWith, inTurn);
    ev.onDone(result);
  } catch (error) {
    if (shuttingDown()) return;
    if (!(error instanceof GroupFailed)) failures.set(open, await failureOf(open, error));
    ev.onSkip({ kind: 'failed', transport: open.group.transport.name, call: cell.call, reason: failures.get(open)! });
  } finally {
    leave();
  }
}

class GroupFailed extends Error {}

/**
 * A measurement a trial per turn: the first turn warms the cell up until steady (as one group after another does)
 * and runs its first trial; each later turn runs one warm-up window at the cell's load (other transports ran since),
 * then its trial.
 */
async function trialsInTurns(
  cell: CellKey,
  open: OpenGroup,
  config: RunConfig,
  run: number | null,
  ev: PassEvents,
  how: MeasureOptions = {},
  inTurn: InTurn,
): Promise<Measurement> {
  const reasons = new Map<string, number>();
  const first = await inTurn(() => measure(cell, open, config, run, ev, { ...how, trials: 1, minCalls: undefined }));
  for (const [message, count] of first.errorReasons.map((r) => [r.message, r.count] as const)) reasons.set(message, count);
  const trials = [...first.trials];
  const more = () => how.minCalls !== undefined && trials.length < (how.maxTrials ?? 0) && trials.reduce((n, t) => n + t.calls, 0) < how.minCalls;
  while (trials.length < (how.trials ?? config.trials) || more()) {
    trials.push(
      await inTurn(async () => {
        await open.load.run(cell, { durationMs: config.warmup.windowMs, maxCalls: null });
        return trial(cell, open, config, run, ev, reasons, how);
      }),
    );
  }
  return { warmup: first.warmup, trials, errorReasons: errorReasons(reasons) };
}
