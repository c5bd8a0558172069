// The harness's own logic with scripted load: warm-up until steady, exact merging of load from several threads.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type LoadGenerator, type LoadResult, mergeResults, shareOf } from '../bench/harness/load-generator.ts';
import { windowHistogram } from '../bench/harness/recorder.ts';
import { newHistogram } from '../bench/harness/stats.ts';
import { warmUp } from '../bench/harness/warmup.ts';
import type { CellKey } from '../bench/report/types.ts';

const cell: CellKey = { transport: 't', call: 'getObj', scenario: 'throughput', concurrency: 16, ratePerSec: null, payloadEntries: 100 };

/**
 * A load whose successive windows run at the given calls/s (the last one repeats), each taking its real duration;
 * `longestMs`: the longest a window really took, timers' lateness included (a busy machine's baseline for bounds).
 */
function scripted(callsPerSec: number[]): LoadGenerator & { windows: number; longestMs: number } {
  const load = {
    windows: 0,
    longestMs: 0,
    async run(_cell: CellKey, limits: { durationMs: number }): Promise<LoadResult> {
      const rate = callsPerSec[Math.min(load.windows++, callsPerSec.length - 1)]!;
      const started = performance.now();
      await new Promise((r) => setTimeout(r, limits.durationMs));
      load.longestMs = Math.max(load.longestMs, performance.now() - started);
      const calls = Math.round((rate * limits.durationMs) / 1000);
      const base = { histogram: newHistogram(), calls, errors: 0, timeouts: 0, dropped: 0, reasons: new Map(), elapsedMs: limits.durationMs };
      return { ...base, loopUtilization: 0.5, open: null, threadBusy: null, windows: [] };
    },
    close: async () => {},
  };
  return load;
}

describe('warm-up until steady', () => {
  const policy = { windowMs: 20, tolerance: 0.05, minCalls: 3000, minCapMs: 1000, maxMs: 2000 };

  test('a cold plateau does not pass for steady on a fresh server: the minimum runs first, then two windows must agree', async () => {
    // the shape of a cold HTTP/1.1 client: a plateau, then the ramp, then steady
    const load = scripted([3100, 4600, 5000, 4800, 4500, 6200, 8600, 12900, 18900, 25700, 31000, 32600, 31000, 32000]);
    const result = await warmUp(load, cell, policy, true);
    assert.equal(result.steady, true);
    assert.ok(load.windows >= 12, `stopped after ${load.windows} windows, on the plateau`);
  });

  test('a later cell on a warm server stops as soon as two windows agree', async () => {
    const load = scripted([30000, 31000, 31200]);
    assert.equal((await warmUp(load, cell, policy, false)).steady, true);
    assert.equal(load.windows, 2);
  });

  test('a cell that never settles is warmed to the cap and reported as not steady', async () => {
    const load = scripted(Array.from({ length: 200 }, (_, i) => (i % 2 ? 10000 : 20000)));
    const result = await warmUp(load, cell, { ...policy, maxMs: 300 }, false);
    assert.equal(result.steady, false);
    // no window starts that the cap cannot hold: past it by no more than the last window was late (2 ms for rounding)
    assert.ok(result.sec >= 0.3 - 0.02 && result.sec * 1000 <= 300 + (load.longestMs - 20) + 2, `${result.sec} s, longest window ${load.longestMs} ms`);
  });

  test('a slow transport gets its minimum within the cap, then looks for steady state', async () => {
    // 1,000 calls/s: 3,000 calls would take 3 s; the cap ends the minimum at 0.2 s
    const load = scripted([1000]);
    const result = await warmUp(load, cell, { ...policy, minCapMs: 200 }, true);
    assert.equal(result.steady, true);
    // the minimum to its cap (its last window may run late), then the two windows that agree
    assert.ok(result.sec >= 0.2 && result.sec * 1000 <= 200 + 3 * load.longestMs + 2, `${result.sec} s, longest window ${load.longestMs} ms`);
  });

  test('--warmup 0 means no warm-up at all', async () => {
    const load = scripted([1000]);
    assert.deepEqual(await warmUp(load, cell, { ...policy, maxMs: 0 }, true), { sec: 0, steady: false });
    assert.equal(load.windows, 0);
  });
});

describe('load from several threads', () => {
  test('shares of concurrency add up to the whole, the first ones taking the remainder', () => {
    assert.deepEqual(
      [0, 1, 2].map((i) => shareOf(16, i, 3)),
      [6, 5, 5],
    );
    assert.deepEqual(
      [0, 1].map((i) => shareOf(1, i, 2)),
      [1, 0],
    );
  });

  test('load of two threads merges exactly: counts add, the histograms (the whole and each second) are those of all the values', () => {
    const values = [Array.from({ length: 1000 }, (_, i) => 50_000 + i * 37), Array.from({ length: 500 }, (_, i) => 900_000 + i * 1013)];
    const windows: LoadResult[] = values.map((vs, i) => {
      const histogram = newHistogram();
      for (const v of vs) histogram.recordValue(v);
      return {
        histogram,
        calls: vs.length,
        errors: i,
        timeouts: 0,
        dropped: 2,
        reasons: new Map([['boom', i + 1]]),
        elapsedMs: 100 + i,
        loopUtilization: 0.3 + i / 2,
        open: {
          sendLag: histogramOf([10_000 + i * 1000]),
          service: histogramOf(vs.map((v) => v / 2)),
          pauses: [{ atMs: 10 * i, ms: 6 + i }],
          pauseCount: 1 + i,
          backlog: { first: 2, last: 3 + i },
        },
        threadBusy: i ? 0.25 : 0.5,
        // both threads' first second, and the second thread's second one
        windows: [0, ...(i ? [1] : [])].map((atSec) => {
          const h = windowHistogram();
          for (const v of vs) h.recordValue(v);
          return { atSec, durationSec: 1, calls: vs.length, errors: i, histogram: h };
        }),
      };
    });
    const all = newHistogram();
    for (const v of values.flat()) all.recordValue(v);
    const merged = mergeResults(windows);
    assert.deepEqual([merged.calls, merged.errors, merged.dropped, merged.elapsedMs, merged.loopUtilization], [1500, 1, 4, 101, 0.8]);
    assert.deepEqual([...merged.reasons], [['boom', 3]]);
    for (const p of [1, 50, 90, 99, 99.9, 100]) assert.equal(merged.histogram.getValueAtPercentile(p), all.getValueAtPercentile(p), `p${p}`);
    assert.equal(merged.histogram.totalCount, all.totalCount);
    const open = merged.open!;
    assert.deepEqual([open.sendLag.totalCount, open.sendLag.maxValue >= 11_000], [2, true], 'the lateness of every call of both threads');
    assert.equal(open.service.totalCount, 1500);
    assert.deepEqual(open.pauses, [{ atMs: 10, ms: 7 }], 'the longest pause of all (as many as the thread that kept most)');
    assert.equal(open.pauseCount, 3);
    assert.deepEqual(open.backlog, { first: 4, last: 7 }, 'calls in flight add up across threads');
    assert.equal(merged.threadBusy, 0.5, 'the busiest thread');
    assert.deepEqual(
      merged.windows.map((w) => [w.atSec, w.calls, w.errors, w.histogram.totalCount]),
      [
        [0, 1500, 1, 1500],
        [1, 500, 1, 500],
      ],
    );
    assert.equal(merged.windows[0]!.histogram.getValueAtPercentile(99), windowOf(values.flat()).getValueAtPercentile(99));
    assert.equal(windows[0]!.windows[0]!.histogram.totalCount, 1000, "merging leaves each thread's own windows as they were");
  });
});

function histogramOf(values: number[]) {
  const h = newHistogram();
  for (const v of values) h.recordValue(Math.round(v));
  return h;
}

function windowOf(values: number[]) {
  const h = windowHistogram();
  for (const v of values) h.recordValue(v);
  return h;
}
