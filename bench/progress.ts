// Progress on stderr: a bar on a TTY, one plain line per cell otherwise (CI logs).
import cliProgress from 'cli-progress';
import type { RunEvents } from './runner.ts';
import type { CellKey } from './types.ts';

const label = (c: CellKey) =>
  `${c.transport} ${c.call}${c.call === 'fib' ? '' : `(${c.payloadEntries})`} ${c.scenario}${c.scenario === 'rate' ? ` ${c.ratePerSec}/s` : ` c=${c.concurrency}`}`;

export interface Progress extends RunEvents {
  stop(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) {
    return {
      cellStart: (cell, i, total) => stream.write(`[${i + 1}/${total}] ${label(cell)}\n`),
      skipped: (e) => stream.write(`skipped ${e.transport}${e.call ? ` ${e.call}` : ''}: ${e.reason}\n`),
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
    skipped: (e) => multi.log(`skipped ${e.transport}${e.call ? ` ${e.call}` : ''}: ${e.reason}\n`),
    stop: () => multi.stop(),
  };
}
