// Progress on stderr: a bar on a TTY, one plain line per cell otherwise (CI logs), both with the time left.
// The time left comes from the plan (every cell's trials, warm-up and its server's start; harness/estimate.ts),
// not from recent speed, which swings with the kind of cell: it is scaled by how far the run so far has been off
// from its own estimate, once there is enough of it to tell.
import cliProgress from 'cli-progress';
import { cellLabel as label } from '../cells/label.ts';
import { formatDuration, num, skippedLine } from '../formats/format.ts';
import type { PlanEstimate } from '../harness/estimate.ts';
import type { RunEvents } from '../harness/runner.ts';

export interface Progress extends RunEvents {
  stop(): void;
}

/** Seconds left before cell `index` starts, the plan's estimate corrected by the run so far. */
function timeLeft(estimate: PlanEstimate, index: number, elapsedSec: number): number {
  const before = estimate.cells.slice(0, index).reduce((s, c) => s + c.sec, 0);
  const after = estimate.totalSec - before;
  // the correction needs some of the run behind it; capped, so that one slow server cannot swing it far
  const ratio = before > 5 ? Math.min(3, Math.max(0.5, elapsedSec / before)) : 1;
  return after * ratio;
}

export function createProgress(estimate: PlanEstimate, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  if (!stream.isTTY) {
    // rounds run cells side by side: a log says when each one finishes too, not only when it starts
    let finished = 0;
    return {
      cellStart: (cell, i, total) => stream.write(`[${i + 1}/${total}] ${label(cell)} (about ${formatDuration(timeLeft(estimate, i, elapsed()))} left)\n`),
      cellDone: (cell) => stream.write(`finished ${label(cell)} (${++finished} of ${estimate.cells.length})\n`),
      skipped: (e) => stream.write(`${skippedLine(e)}\n`),
      stop: () => {},
    };
  }
  // A MultiBar with one bar, because only MultiBar can print a line above the bar (for skipped transports).
  const multi = new cliProgress.MultiBar(
    { stream, format: ' {bar} {value}/{total} cells | {left} left | {cell}{live}', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let bar: cliProgress.SingleBar | undefined;
  let index = 0;
  let cellStartedAt = 0;
  // between cell starts, the time left counts down with the clock (never below the rest of the plan)
  const left = () => {
    const atStart = timeLeft(estimate, index, cellStartedAt);
    const thisCell = estimate.cells[index]?.sec ?? 0;
    return formatDuration(Math.max(atStart - thisCell, atStart - (elapsed() - cellStartedAt)));
  };
  const ticker = setInterval(() => bar?.update({ left: left() }), 1000).unref();
  return {
    cellStart(cell, i, total) {
      index = i;
      cellStartedAt = elapsed();
      bar ??= multi.create(total, 0, { cell: '', left: '', live: '' });
      bar.update(i, { cell: label(cell), left: left(), live: '' });
    },
    // the second that just ended: what the load is doing now (a capacity step names its offered rate)
    window: (cell, w) => {
      const step = cell.ratePerSec === null ? '' : ` at ${num(cell.ratePerSec)}/s`;
      bar?.update({ live: ` |${step} ${num(w.callsPerSec)} calls/s, p99 ${num(w.p99Us)} µs` });
    },
    skipped: (e) => multi.log(`${skippedLine(e)}\n`),
    stop: () => {
      clearInterval(ticker);
      multi.stop();
    },
  };
}
