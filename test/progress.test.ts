// Progress while cells run in rounds: every cell starts in the first round and none finishes until the last ones, so
// what a log says between (which cell started, how much is left) must come from the turns, not from cells finished.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { benchOptions, benchPlan } from '../bench/cli/bench.ts';
import type { PlanEstimate } from '../bench/harness/estimate.ts';
import { runPlan } from '../bench/harness/runner.ts';
import { createProgress } from '../bench/publish/progress.ts';
import type { CellKey, CellResult } from '../bench/report/types.ts';
import { releaseLoaded } from '../transports/registry.ts';

const cellOf = (transport: string): CellKey => ({ transport, call: 'getObj', scenario: 'latency', concurrency: 1, ratePerSec: null, payloadEntries: 100 });

/** A log (not a TTY) that keeps its lines. */
function log(): NodeJS.WriteStream & { lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return Object.assign(stream, { isTTY: false, lines }) as unknown as NodeJS.WriteStream & { lines: string[] };
}

/** "about 1m40s left" in seconds. */
function leftSec(line: string): number {
  const m = /about (?:(\d+)m)?(\d+(?:\.\d+)?)s left/.exec(line);
  assert.ok(m, `no time left in "${line}"`);
  return Number(m[1] ?? 0) * 60 + Number(m[2]);
}

describe('progress in rounds', () => {
  test('the time left falls with each round, a line at least every 30 s, though no cell finishes until the last round', () => {
    // three cells of 40 s each, 4 turns each, a round every 30 s of clock (turns of 10 s)
    const cells = ['a', 'b', 'c'].map(cellOf);
    const estimate: PlanEstimate = { cells: cells.map((cell) => ({ cell, sec: 40, turns: 4 })), totalSec: 120 };
    let clockMs = 0;
    const out = log();
    const progress = createProgress(estimate, out, () => clockMs);
    for (const [i, cell] of cells.entries()) progress.cellStart?.(cell, i, 3);
    assert.deepEqual(
      out.lines.map((l) => l.slice(0, 5)),
      ['[1/3]', '[2/3]', '[3/3]'],
    );
    for (let round = 0; round < 4; round++) {
      for (const cell of cells) {
        clockMs += 10_000;
        progress.turnDone?.(cell);
      }
    }
    for (const cell of cells) progress.cellDone?.({ ...cell } as CellResult);
    const between = out.lines.filter((l) => l.startsWith('...'));
    // a line a round (30 s), each with less left than the one before, and all three cells still running
    assert.equal(between.length, 4, out.lines.join('\n'));
    const left = between.map(leftSec);
    for (let i = 1; i < left.length; i++) assert.ok(left[i]! < left[i - 1]!, `time left rose: ${left.join(', ')}`);
    assert.ok(between.slice(0, 3).every((l) => l.includes('0 of 3 cells finished')));
    assert.deepEqual(out.lines.slice(-3), [
      'finished a getObj(100) latency c=1 (1 of 3)',
      'finished b getObj(100) latency c=1 (2 of 3)',
      'finished c getObj(100) latency c=1 (3 of 3)',
    ]);
  });

  test('a real run in rounds: each cell starts once with its own index, a turn ends per trial, and every round visits each cell', async () => {
    const argv = ['--transports', 'inproc,tcp', '--calls', 'getObj', '--scenarios', 'latency', '--trials', '3', '--duration', '100ms', '--warmup', '100ms'];
    const plan = await benchPlan(await benchOptions([...argv, '--no-wire']));
    const starts: number[] = [];
    const turns: string[] = [];
    try {
      const run = await runPlan(plan, { cellStart: (_c, i) => starts.push(i), turnDone: (c) => turns.push(c.transport) });
      assert.equal(run.results.length, 2);
    } finally {
      await releaseLoaded();
    }
    assert.deepEqual(starts.sort(), [0, 1]);
    // a turn a trial (the call's bytes and codec cost take a turn too, which progress does not count)
    for (const transport of ['inproc', 'tcp']) assert.equal(turns.filter((x) => x === transport).length, 3, turns.join(' '));
    // rounds: each pair of turns holds both transports, in either order, from the first round on
    for (let r = 0; r < 3; r++) assert.deepEqual(turns.slice(2 * r, 2 * r + 2).sort(), ['inproc', 'tcp'], turns.join(' '));
  });
});
