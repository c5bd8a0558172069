// Progress on stderr: a bar on a TTY, one plain line per cell otherwise (CI logs).
import cliProgress from 'cli-progress';
import type { RunEvents } from '../harness/runner.ts';
import { cellLabel as label } from '../report/cells.ts';
import { skippedLine } from '../reporters/format.ts';

export interface Progress extends RunEvents {
  stop(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) {
    return {
      cellStart: (cell, i, total) => stream.write(`[${i + 1}/${total}] ${label(cell)}\n`),
      skipped: (e) => stream.write(`${skippedLine(e)}\n`),
      stop: () => {},
    };
  }
  // A MultiBar with one bar, because only MultiBar can print a line above the bar (for skipped transports).
  const multi = new cliProgress.MultiBar(
    { stream, format: ' {bar} {value}/{total} cells | {eta_formatted} left | {cell}', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let bar: cliProgress.SingleBar | undefined;
  return {
    cellStart(cell, i, total) {
      bar ??= multi.create(total, 0, { cell: '' });
      bar.update(i, { cell: label(cell) });
    },
    skipped: (e) => multi.log(`${skippedLine(e)}\n`),
    stop: () => multi.stop(),
  };
}
