// Progress on stderr: a bar on a TTY, one plain line per cell otherwise (CI logs), both with the time left.
// The time left comes from the plan (every cell's trials, warm-up and its server's start; harness/estimate.ts),
// not from recent speed, which swings with the kind of cell: it is scaled by how far the run so far has been off
// from its own estimate, once there is enough of it to tell.
import cliProgress from 'cli-progress';
import { cellLabel as label } from '../cells/label.ts';
import { formatDuration, num, skippedLine } from '../formats/format.ts';
import type { PlanEstimate } from '../harness/estimate.ts';
import type { RunEvents } from '../harness/runner.ts';
import type { CellKey, SkippedEntry } from '../report/types.ts';

/** A log line at least this often while cells run in rounds. */
const PROGRESS_LINE_SEC = 30;

export interface Progress extends RunEvents {
  stop(): void;
}

/**
 * How much of the plan is done, in its estimated seconds: every finished cell, and of a running one the part its
 * turns make (in rounds every cell runs a turn a round, and none finishes until the last rounds). A cell that takes
 * more turns than estimated (a long search) counts 0.9 of its part at most until it finishes.
 */
class PlanDone {
  private readonly entries: Array<PlanEstimate['cells'][number] & { label: string; started: boolean; finished: boolean; skipped: boolean; turnsDone: number }>;

  constructor(estimate: PlanEstimate) {
    this.entries = estimate.cells.map((c) => ({ ...c, label: label(c.cell), started: false, finished: false, skipped: false, turnsDone: 0 }));
  }

  /** The cells that will run (skipped ones left out). */
  get cells(): number {
    return this.entries.filter((e) => !e.skipped).length;
  }

  start(cell: CellKey): void {
    const e = this.entries.find((x) => !x.started && x.label === label(cell));
    if (e) e.started = true;
  }

  turn(cell: CellKey): void {
    const e = this.running(cell);
    if (e) e.turnsDone++;
  }

  finish(cell: CellKey): void {
    const e = this.running(cell) ?? this.entries.find((x) => !x.finished && x.label === label(cell));
    if (e) e.finished = true;
  }

  /** A skipped transport's (or call's) cells will not run: they leave the time left, not counted as finished. */
  skip(entry: SkippedEntry): void {
    for (const e of this.entries)
      if (!e.finished && e.cell.transport === entry.transport && (entry.call === null || e.cell.call === entry.call)) {
        e.sec = 0;
        e.finished = true;
        e.skipped = true;
      }
  }

  get finishedCells(): number {
    return this.entries.filter((e) => e.finished && !e.skipped).length;
  }

  /** Seconds left: the plan's estimate of what is not done, corrected by how far the run so far has been off. */
  secondsLeft(elapsedSec: number): number {
    const done = this.entries.reduce((s, e) => s + (e.finished ? e.sec : e.started ? e.sec * Math.min(0.9, e.turnsDone / e.turns) : 0), 0);
    const total = this.entries.reduce((s, e) => s + e.sec, 0);
    // the correction needs some of the run behind it; capped, so that one slow server cannot swing it far
    const ratio = done > 5 ? Math.min(3, Math.max(0.5, elapsedSec / done)) : 1;
    return Math.max(0, total - done) * ratio;
  }

  private running(cell: CellKey) {
    return this.entries.find((x) => x.started && !x.finished && x.label === label(cell));
  }
}

/** `now`: milliseconds of a monotonic clock (a test's own clock). */
export function createProgress(estimate: PlanEstimate, stream: NodeJS.WriteStream = process.stderr, now = () => performance.now()): Progress {
  const started = now();
  const elapsed = () => (now() - started) / 1000;
  const done = new PlanDone(estimate);
  const left = () => formatDuration(done.secondsLeft(elapsed()));
  if (!stream.isTTY) {
    // rounds run cells side by side: a log says when each one finishes too, and how far the run is at least every
    // half minute, since a long round (capacity steps) can go minutes without a cell starting or finishing
    let lastLine = 0;
    const line = (text: string) => {
      lastLine = elapsed();
      stream.write(`${text}\n`);
    };
    return {
      cellStart: (cell, i, total) => {
        done.start(cell);
        line(`[${i + 1}/${total}] ${label(cell)} (about ${left()} left)`);
      },
      turnDone: (cell) => {
        done.turn(cell);
        if (elapsed() - lastLine >= PROGRESS_LINE_SEC) line(`... ${done.finishedCells} of ${done.cells} cells finished (about ${left()} left)`);
      },
      cellDone: (cell) => {
        done.finish(cell);
        line(`finished ${label(cell)} (${done.finishedCells} of ${done.cells})`);
      },
      skipped: (e) => {
        done.skip(e);
        line(skippedLine(e));
      },
      stop: () => {},
    };
  }
  // A MultiBar with one bar, because only MultiBar can print a line above the bar (for skipped transports).
  const multi = new cliProgress.MultiBar(
    { stream, format: ' {bar} {value}/{total} cells | {left} left | {cell}{live}', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let bar: cliProgress.SingleBar | undefined;
  // between events the time left counts down with the clock from what the last event said
  let leftAt = { sec: estimate.totalSec, at: 0 };
  const moved = () => void (leftAt = { sec: done.secondsLeft(elapsed()), at: elapsed() });
  const counted = () => formatDuration(Math.max(0, leftAt.sec - (elapsed() - leftAt.at)));
  const ticker = setInterval(() => bar?.update({ left: counted() }), 1000).unref();
  return {
    cellStart(cell, _i, total) {
      done.start(cell);
      moved();
      bar ??= multi.create(total, 0, { cell: '', left: '', live: '' });
      bar.update(done.finishedCells, { cell: label(cell), left: counted(), live: '' });
    },
    turnDone(cell) {
      done.turn(cell);
      moved();
    },
    cellDone(cell) {
      done.finish(cell);
      moved();
      bar?.update(done.finishedCells, { left: counted() });
    },
    // the second that just ended: what the load is doing now (a capacity step names its offered rate)
    // (in rounds the cell under load changes every turn: the window names it)
    window: (cell, w) => {
      const step = cell.ratePerSec === null ? '' : ` at ${num(cell.ratePerSec)}/s`;
      bar?.update({ cell: label(cell), live: ` |${step} ${num(w.callsPerSec)} calls/s, p99 ${num(w.p99Us)} µs` });
    },
    skipped: (e) => {
      done.skip(e);
      moved();
      multi.log(`${skippedLine(e)}\n`);
    },
    stop: () => {
      clearInterval(ticker);
      multi.stop();
    },
  };
}
