// The capacity scenario: the search itself against scripted servers (where the answer is known exactly), and a real
// server stopped for 300 ms in a step, which shows as a pause, in one trial of the step or cleared by a second step.
// The gate and thresholds read capacity like any metric. The ground truth on real servers (1 ms of work a call, at most
// 1,000 calls/s) is capacity-truth.test.ts, which runs alone.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { foldCell } from '../bench/cells/fold.ts';
import { compareReports } from '../bench/gate/compare.ts';
import { DEFAULT_CONFIG } from '../bench/gate/config.ts';
import { checkThresholds, parseThreshold } from '../bench/gate/thresholds.ts';
import { encodeHistogram, newHistogram } from '../bench/harness/stats.ts';
import { loadReport } from '../bench/report/read.ts';
import type { CellKey, CellResult, Report, TrialResult } from '../bench/report/types.ts';
import {
  type CapacityOutcome,
  type CapacitySearch,
  type CapacitySettings,
  type CapacityStep,
  capacity,
  DEFAULT_CAPACITY,
} from '../bench/scenarios/capacity.ts';
import type { CellRunner, Measurement, MeasureOptions } from '../bench/scenarios/scenario.ts';
import { busy, childProcesses, eventually, fixture, spawnCli, tempDir } from './helpers.ts';

const cell: CellKey = { transport: 't', call: 'getObj', scenario: 'capacity', concurrency: 256, ratePerSec: null, payloadEntries: 100, variant: 'p99<10ms' };
const settings: CapacitySettings = { ...DEFAULT_CAPACITY, startPerSec: 100 };

interface Behaviour {
  /** Every call's latency from its due time, µs. */
  latencyUs: number;
  /** The service time (from the send), µs (default: the latency). */
  serviceUs?: number;
  /** Calls in flight in the first and last third of each trial (growing: the server falls behind). */
  backlog?: [number, number];
  /** Pauses in each trial, ms. */
  pauses?: number[];
  clientBound?: boolean;
  /** Completed calls per trial (default: the rate, a 1 s trial). */
  calls?: number;
  dropped?: number;
  errors?: number;
}

/** A trial at `rate` as a server with behaviour `b` gives it: `b.calls` calls (default: the rate's, in a 1 s trial). */
function trialAt(rate: number, b: Behaviour): TrialResult {
  const calls = b.calls ?? Math.round(rate);
  const h = newHistogram();
  if (calls) h.recordValueWithCount(Math.round(b.latencyUs * 1000), calls);
  const us = (v: number) => ({ p50: v, p90: v, p99: v, p999: v, max: v, mean: v });
  // sends late by what the latency from the due time has over the service time
  const late = Math.max(200, b.latencyUs - (b.serviceUs ?? b.latencyUs));
  const client = { cpuCores: 0.5, loopUtilization: b.clientBound ? 0.95 : 0.3, sendLagUs: { p50: 50, p99: late } };
  const base = { startedAtMs: Date.now(), calls, errors: b.errors ?? 0, timeouts: 0, dropped: b.dropped ?? 0, durationSec: 1, callsPerSec: calls };
  const pauses = (b.pauses ?? []).map((ms, i) => ({ atSec: 0.1 * i, ms }));
  const open = {
    serviceLatencyUs: us(b.serviceUs ?? b.latencyUs),
    pauses,
    pauseCount: pauses.length,
    pauseMs: 5,
    backlog: { first: b.backlog?.[0] ?? 2, last: b.backlog?.[1] ?? 2 },
  };
  return {
    ...base,
    latencyUs: us(b.latencyUs),
    cpuUsPerCall: { client: 10, server: 40 },
    client,
    clientBound: b.clientBound ?? false,
    histogram: encodeHistogram(h),
    open,
  };
}

/** A server that keeps up below `limitPerSec` (2 ms a call) and falls behind above it (25 ms, calls in flight growing). */
const saturating =
  (limitPerSec: number) =>
  (rate: number): Behaviour =>
    rate <= limitPerSec ? { latencyUs: 2000 } : { latencyUs: 25_000, backlog: [5, 80] };

/**
 * A runner whose server behaves as `at(rate, attempt)` says, attempt 1 or 2 of a rate; it runs trials as the harness
 * does: two, then more while a step has fewer calls than it asks for (within its cap).
 */
function scripted(at: (rate: number, attempt: number) => Behaviour, probe = 800): CellRunner & { rates: number[]; asked: MeasureOptions[] } {
  const rates: number[] = [];
  const asked: MeasureOptions[] = [];
  return {
    rates,
    asked,
    probe: async () => probe,
    async measure(c, how = {}): Promise<Measurement> {
      const rate = c.ratePerSec!;
      const b = at(rate, rates.filter((r) => r === rate).length + 1);
      rates.push(rate);
      asked.push(how);
      // a trial long enough for the calls asked of it (within 10 s), as the harness makes it
      const calls = b.calls ?? Math.round(how.minTrialCalls === undefined ? rate : Math.min(10 * rate, Math.max(rate, how.minTrialCalls * 1.05)));
      const trials = Array.from({ length: how.trials ?? 2 }, () => trialAt(rate, { ...b, calls }));
      return { warmup: { sec: 0.1, steady: true }, trials, errorReasons: [] };
    },
  };
}

const searchOf = async (runner: CellRunner, s: CapacitySettings = settings) => (await capacity.run(cell, runner, s)).record as CapacitySearch;

describe('the search', () => {
  test('steps up geometrically from the start, then bisects to within 5%; every step is kept', async () => {
    const runner = scripted(saturating(1234));
    const run = await capacity.run(cell, runner, settings);
    const search = run.record as CapacitySearch;
    assert.deepEqual(runner.rates.slice(0, 6), [100, 200, 400, 800, 1600, 1130]);
    assert.ok(search.callsPerSec <= 1234 && search.callsPerSec >= 1234 / 1.05, String(search.callsPerSec));
    const failed = search.steps.filter((s) => !s.pass).map((s) => s.ratePerSec);
    assert.ok(Math.min(...failed) / search.callsPerSec <= 1.05, 'the interval is narrower than the precision');
    assert.equal(search.steps.length, runner.rates.length);
    assert.equal(search.bound, 'server');
    assert.match(
      search.steps.find((s) => !s.pass)!.reason!,
      /^p99 25,0\d\d µs ≥ 10,000 µs \(the median trial's\), calls in flight grew from 5 to 80 through the step$/,
    );
    // the cell's own figures are its operating point's: the highest passing step's trials
    assert.equal(run.trials[0]!.callsPerSec, search.callsPerSec);
  });

  test('a failure a single pause could explain is stepped again: one stall is shown as a pause, not turned into a lower capacity', async () => {
    // at 800/s the first step meets a 30 ms stall (its p99 past the objective, calls in flight level); the second does not
    const runner = scripted((rate, attempt) => (rate === 800 && attempt === 1 ? { latencyUs: 14_000, pauses: [30] } : saturating(1234)(rate)));
    const search = await searchOf(runner);
    const at800 = search.steps.filter((s) => s.ratePerSec === 800);
    // all three trials of the first stalled, all of the second did not: a tie of trials, which a third step breaks
    assert.deepEqual(
      at800.map((s) => [s.attempt ?? 1, s.pass, s.pauseCount]),
      [
        [1, false, 3],
        [2, true, 0],
        [3, true, 0],
      ],
    );
    assert.deepEqual(
      at800[0]!.pauses.map((p) => p.ms),
      [30, 30, 30],
      'the pause of each of its three trials',
    );
    assert.ok(search.callsPerSec >= 1234 / 1.05, String(search.callsPerSec));
  });

  test('a server that keeps pausing fails: both steps at a rate fail, and the rate counts as failed', async () => {
    // every trial at 800/s and above stalls
    const runner = scripted((rate) => (rate >= 800 ? { latencyUs: 14_000, pauses: [30] } : { latencyUs: 2000 }));
    const search = await searchOf(runner);
    assert.deepEqual(
      search.steps.filter((s) => s.ratePerSec === 800).map((s) => [s.attempt ?? 1, s.pass]),
      [
        [1, false],
        [2, false],
      ],
    );
    assert.ok(search.callsPerSec < 800 && search.callsPerSec >= 400, String(search.callsPerSec));
  });

  test('a failure with the signs no pause fakes (calls in flight growing) counts at once, without a second step', async () => {
    const runner = scripted(saturating(1234));
    await searchOf(runner);
    assert.equal(runner.rates.filter((r) => r === 1600).length, 1);
  });

  test('a step is three trials, each judged on enough calls (1,000 for a p99): it asks for them, and with fewer it never passes', async () => {
    const runner = scripted(() => ({ latencyUs: 2000 }));
    await searchOf(runner);
    assert.ok(
      runner.asked.every((h) => h.minTrialCalls === 1000 && h.trials === 3),
      JSON.stringify(runner.asked[0]),
    );
    const empty = await searchOf(scripted(() => ({ latencyUs: 0, calls: 0 })));
    assert.ok(
      empty.steps.every((s) => !s.pass && /too few calls to judge p99: 0 of 1,000 in a trial/.test(s.reason!)),
      JSON.stringify(empty.steps.map((s) => s.reason)),
    );
    assert.deepEqual([empty.callsPerSec, empty.bound], [0, 'none']);
  });

  test('a step is judged on its median trial: a stall that spoils one trial of three does not fail it', async () => {
    let n = 0;
    // at 800/s the first trial of every step stalls (p99 40 ms); the other two do not
    const oneBad: CellRunner = {
      ...scripted(saturating(1234)),
      async measure(c, how = {}) {
        const m = await scripted(saturating(1234)).measure(c, how);
        if (c.ratePerSec === 800) m.trials[0] = trialAt(800, { latencyUs: 40_000, pauses: [35], calls: m.trials[0]!.calls });
        n++;
        return m;
      },
    };
    const search = await searchOf(oneBad);
    // each step passes on its median trial; a split step is followed by a second at the rate, and the rate passes on the majority of their six trials
    const at800 = search.steps.filter((s) => s.ratePerSec === 800);
    assert.deepEqual(
      at800.map((s) => [s.pass, s.judgedUs, s.trialsPassed]),
      [
        [true, 2000, 2],
        [true, 2000, 2],
      ],
    );
    assert.ok(search.callsPerSec > 800, String(search.callsPerSec));
    assert.ok(n > 0 && at800[0]!.trialUs[0] === 40_000 && at800[0]!.pauseCount === 1);
  });

  test("latency that does not fall with the rate is the machine's floor: the search says jitter and stops, not halving toward zero", async () => {
    const runner = scripted(() => ({ latencyUs: 15_000 }));
    const search = await searchOf(runner, { ...settings, startPerSec: 400 });
    assert.equal(search.bound, 'jitter');
    assert.ok(Math.abs(search.floorUs! - 15_000) < 20, String(search.floorUs));
    assert.ok(Math.min(...runner.rates) >= 200, `went down to ${Math.min(...runner.rates)}/s`);
  });

  test('where our late sends, not the server, broke the objective, the step is client-bound and the figure a lower bound', async () => {
    const runner = scripted((rate) => (rate >= 1600 ? { latencyUs: 12_000, serviceUs: 3000 } : { latencyUs: 2000 }));
    const search = await searchOf(runner);
    const late = search.steps.find((s) => s.ratePerSec === 1600)!;
    assert.deepEqual([late.pass, late.clientBound], [false, true]);
    assert.match(late.reason!, /our sends were late, the service time met it/);
    // and the search bisects below the rate our sends could not keep: the highest rate shown to pass, within 5%
    assert.ok(search.callsPerSec >= 1600 / 1.05 && search.callsPerSec < 1600 && search.bound === 'client', `${search.callsPerSec} ${search.bound}`);
  });

  test('late sends at the first rate (the machine paused, at a rate our client carries easily) step down like a failure: never a capacity of 0 called a lower bound', async () => {
    // a fresh-clone run found mqtt "0, client-bound": its first step, at 1,330/s, had sends late by 8 ms
    const runner = scripted((rate) => (rate >= 1000 ? { latencyUs: 12_000, serviceUs: 3000 } : { latencyUs: 2000 }));
    const search = await searchOf(runner, { ...settings, startPerSec: 1000 });
    assert.ok(search.callsPerSec >= 500 && search.callsPerSec < 1000, String(search.callsPerSec));
    assert.equal(search.bound, 'client');
  });

  test('a rate near the knee is judged on the majority of all its trials: a split step brings a second, a tie a third; passing one of two steps is not enough', async () => {
    // at 1,600/s the trials of the three steps meet the objective 1, 2 and 1 times of 3 (4 of 9): the rate fails,
    // where taking the better of two steps passed it; every rate below passes all its trials
    const met: Record<number, number> = { 1: 1, 2: 2, 3: 1 };
    const base = scripted(saturating(5000));
    let attempt = 0;
    const runner: CellRunner = {
      ...base,
      async measure(c, how = {}) {
        const m = await base.measure(c, how);
        if (c.ratePerSec === 1600) {
          attempt++;
          m.trials = m.trials.map((t, i) => (i < met[attempt]! ? t : trialAt(1600, { latencyUs: 14_000, calls: t.calls })));
        }
        return m;
      },
    };
    const search = await searchOf(runner, { ...settings, precision: 0.5 });
    assert.deepEqual(
      search.steps.filter((s) => s.ratePerSec === 1600).map((s) => [s.attempt ?? 1, s.pass, s.trialsPassed]),
      [
        [1, false, 1],
        [2, true, 2],
        [3, false, 1],
      ],
    );
    assert.ok(search.callsPerSec < 1600, String(search.callsPerSec));
  });

  test('late sends that a second step at the rate does not repeat were a moment of the machine: the search goes on up', async () => {
    const runner = scripted((rate, attempt) => (rate === 800 && attempt === 1 ? { latencyUs: 12_000, serviceUs: 3000 } : saturating(1234)(rate)));
    const search = await searchOf(runner);
    assert.deepEqual(
      search.steps.filter((s) => s.ratePerSec === 800).map((s) => [s.attempt ?? 1, s.pass]),
      [
        [1, false],
        [2, true],
        [3, true],
      ],
    );
    assert.ok(search.callsPerSec > 800 && search.bound === 'server', `${search.callsPerSec} ${search.bound}`);
  });

  test("a server at the edge (service p99 9.9 ms) with sends a little late (0.7 ms) is the server's limit, not our client's", async () => {
    const runner = scripted((rate) => (rate >= 1600 ? { latencyUs: 10_600, serviceUs: 9900 } : { latencyUs: 2000 }));
    const search = await searchOf(runner);
    const edge = search.steps.find((s) => s.ratePerSec === 1600)!;
    assert.deepEqual([edge.pass, edge.clientBound], [false, false]);
    assert.equal(search.bound, 'server');
  });

  test("a rate whose first step failed on the server and whose second failed on late sends is the server's limit", async () => {
    const runner = scripted((rate, attempt) =>
      rate < 1600 ? { latencyUs: 2000 } : attempt === 1 ? { latencyUs: 12_000 } : { latencyUs: 12_000, serviceUs: 3000 },
    );
    const search = await searchOf(runner);
    assert.deepEqual(
      search.steps.filter((s) => s.ratePerSec === 1600).map((s) => s.clientBound),
      [false, true],
    );
    assert.equal(search.bound, 'server');
  });

  test('a client that was the limit above a rate makes the figure a lower bound', async () => {
    const search = await searchOf(scripted((rate) => (rate > 2000 ? { latencyUs: 12_000, clientBound: true } : { latencyUs: 2000 })));
    assert.equal(search.bound, 'client');
  });

  test('without a start, it begins at a quarter of a short closed loop', async () => {
    const runner = scripted(saturating(5000), 8000);
    await capacity.run(cell, runner, { ...settings, startPerSec: null });
    assert.equal(runner.rates[0], 2000);
  });

  test('a probe that met a stall never starts it below the lowest rate a 10 s trial can judge (1,050 calls for a p99)', async () => {
    // a closed loop that said 234/s for a server of 480/s: a quarter of it, 58.6/s, holds 586 calls in 10 s
    const runner = scripted(saturating(480), 234);
    const search = (await capacity.run(cell, runner, { ...settings, startPerSec: null })).record as CapacitySearch;
    assert.equal(runner.rates[0], 105);
    assert.ok(search.callsPerSec > 400 && search.bound === 'server', JSON.stringify([search.callsPerSec, search.bound]));
  });

  test('a first rate that fails steps down until one passes; a server failing every rate it can be judged at is "none", not a zero result', async () => {
    const down = await searchOf(scripted(saturating(300)), { ...settings, startPerSec: 1000 });
    assert.ok(down.callsPerSec > 0 && down.callsPerSec <= 300, String(down.callsPerSec));
    const none = await searchOf(scripted(saturating(0.5)));
    assert.deepEqual([none.callsPerSec, none.bound], [0, 'none']);
  });

  test('a server that meets the objective at every rate up to the highest is "at least" that', async () => {
    const search = await searchOf(
      scripted(() => ({ latencyUs: 2000 })),
      { ...settings, maxPerSec: 3000 },
    );
    assert.deepEqual([search.callsPerSec, search.bound], [1600, 'max-rate']);
  });

  test('dropped calls or an error fail a step however low its latency', async () => {
    const search = await searchOf(scripted((rate) => ({ latencyUs: 1000, dropped: rate >= 800 ? 10 : 0, errors: rate >= 400 && rate < 800 ? 1 : 0 })));
    assert.match(search.steps.find((s) => s.ratePerSec === 400)!.reason!, /\d+ error/);
    assert.equal(search.callsPerSec < 400, true);
  });

  test('dropped calls are judged trial by trial: a stall that drops calls in one trial of three does not fail the step, in two it does', async () => {
    // at 800/s, calls are dropped (1%) in the first trial of a step, or in the first two at 1,600/s
    const base = scripted(saturating(5000));
    const dropping: CellRunner = {
      ...base,
      async measure(c, how = {}) {
        const m = await base.measure(c, how);
        const spoiled = c.ratePerSec === 800 ? 1 : c.ratePerSec === 1600 ? 2 : 0;
        for (let i = 0; i < spoiled; i++) m.trials[i] = trialAt(c.ratePerSec!, { latencyUs: 2000, dropped: 20, calls: m.trials[i]!.calls });
        return m;
      },
    };
    const search = await searchOf(dropping);
    const at = (rate: number) => search.steps.filter((s) => s.ratePerSec === rate).map((s) => [s.pass, s.reason]);
    assert.deepEqual(at(800), [
      [true, null],
      [true, null],
    ]);
    assert.match(String(at(1600)[0]![1]), /% dropped \(2 of 3 trials past 0\.1%\)/);
    assert.ok(search.callsPerSec < 1600, String(search.callsPerSec));
  });
});

test('a server stopped for 300 ms in a step shows as a pause of about 300 ms in that step, which passes on its other trials or is cleared by a second step at the rate: the capacity is not lowered', {
  timeout: 240_000,
}, async () => {
  const out = tempDir();
  const args = ['--transports', 'tcp', '--scenarios', 'capacity', '--calls', 'getObj', '--capacity-start', '2000', '--capacity-precision', '20%'];
  const run = spawnCli('bench.ts', [...args, '--warmup', '0', '--duration', '2s', '--trials', '1', '--no-wire', '--out', out]);
  let stopped: number | undefined;
  try {
    assert.ok(await eventually(() => /tcp getObj\(100\) capacity/.test(run.out.stderr), 30_000), run.out.stderr);
    const [server] = childProcesses(run.proc.pid!).filter((c) => c.cmdline.includes('server-child'));
    assert.ok(server, 'no server child of this run');
    // into the first step (warm-up 0, three trials of 2 s): the server gets busy as its first calls come, or a moment
    // before, finishing its start while the client times its codec (q66: the stop landed there, before any step, and
    // the step saw no stall); a second after that is inside the step's 6 s on either count
    assert.ok(await busy(server.pid), 'the server never got to work');
    await new Promise((r) => setTimeout(r, 1000));
    stopped = server.pid;
    process.kill(server.pid, 'SIGSTOP');
    await new Promise((r) => setTimeout(r, 300));
    process.kill(server.pid, 'SIGCONT');
    stopped = undefined;
    assert.equal(await run.exited, 0, run.out.stderr);
  } finally {
    if (stopped) process.kill(stopped, 'SIGCONT');
    run.proc.kill('SIGKILL');
  }
  const report = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as Report;
  const search = (report.results[0]!.outcome as unknown as CapacityOutcome).searches[0]!;
  const [first, second] = search.steps as [CapacityStep, CapacityStep];
  assert.equal(first.ratePerSec, 2000);
  // seen from the client, the stall can lose what the client's own delays around it covered: 248 ms of the 300 in a
  // fresh clone with other tests beside it, whose machine's own pauses there were up to 94 ms. Two thirds of the stall
  // still tells it from those
  const longest = Math.max(...first.pauses.map((p) => p.ms));
  assert.ok(longest >= 200 && longest < 1000, `the stall, as a pause: ${JSON.stringify(first.pauses)}`);
  if (first.pass) {
    // the stall spoiled the one trial it fell in (its p99 and its dropped calls), and the step passed on the others
    const spoiled = first.trialUs.filter((us) => us >= 10_000).length;
    assert.ok(spoiled >= 1 && spoiled * 2 < first.trialUs.length, `trials' p99: ${first.trialUs}`);
    return void assert.ok(search.callsPerSec >= 2000, String(search.callsPerSec));
  }
  assert.deepEqual([second.ratePerSec, second.attempt], [2000, 2], JSON.stringify(first.reason));
  // the one stall we made must not lower the capacity; a stall of the machine's own in the second step (a fresh-clone
  // CI saw p99 17.5 ms there with JVMs starting beside it) is another event, which that step's record must then show
  const own = Math.max(0, ...second.pauses.map((p) => p.ms));
  if (!second.pass && own >= 10) return void console.error(`the second step stalled on its own (${own} ms): ${second.reason}`);
  assert.ok(second.pass, `${second.reason}; its pauses: ${JSON.stringify(second.pauses)}`);
  assert.ok(search.callsPerSec >= 2000, String(search.callsPerSec));
});

describe('capacity in thresholds and the gate', () => {
  /** A report of one capacity cell of tcp: one search per run at each capacity, each with its operating point. */
  const report = (capacities: number[]): Report => {
    const base = loadReport(fixture('report-v3.json'));
    const searches = capacities.map((perSec, run): CapacitySearch => ({ run, callsPerSec: perSec, bound: 'server', steps: [] }));
    const trials = capacities.map((perSec, run) => ({ ...trialAt(perSec, { latencyUs: 2000 }), run }));
    const parts = { key: { ...cell, transport: 'tcp' }, bytesPerCall: null, payloadBytes: { request: 2, response: 1483 }, codecUsPerCall: null };
    const folded = foldCell({ ...parts, warmup: { sec: 0, steady: true }, errorReasons: [], trials, records: searches });
    return { ...base, results: [folded] };
  };

  test('a capacity 30% lower in every one of 8 runs is a regression; the same capacities are not', () => {
    const base = report([10_000, 10_400, 9_800, 10_200, 9_900, 10_100, 10_300, 9_700]);
    const same = compareReports([base], [report([10_100, 9_900, 10_300, 9_800, 10_000, 10_200, 9_700, 10_400])], DEFAULT_CONFIG);
    assert.equal(same.cells[0]!.metrics.find((m) => m.metric === 'capacity')!.status, 'unchanged');
    const slower = compareReports([base], [report([7_000, 7_300, 6_900, 7_100, 7_200, 6_800, 7_000, 7_100])], DEFAULT_CONFIG);
    const metric = slower.cells[0]!.metrics.find((m) => m.metric === 'capacity')!;
    assert.equal(metric.status, 'regressed', JSON.stringify(metric));
    assert.ok(metric.changePct < -25 && metric.changePct > -35, String(metric.changePct));
    assert.equal(slower.regressions >= 1, true);
  });
  test("'tcp:getObj:capacity>5000' reads the capacity cells, and fails where one is lower", () => {
    const t = parseThreshold('tcp:getObj:capacity>5000', (n) => [n], ['getObj', 'sendObj', 'fib']);
    const cells = [4000, 9000].map((perSec, i) => ({
      ...cell,
      transport: 'tcp',
      payloadEntries: 100 + i,
      errors: 0,
      calls: 1,
      bytesPerCall: null,
      outcome: { callsPerSec: perSec, bound: 'server', perCoreCallsPerSec: null, searches: [] },
    })) as unknown as CellResult[];
    const [result] = checkThresholds({ ...report([]), results: cells }, [t]);
    assert.equal(result!.ok, false);
    assert.deepEqual(
      result!.cells.map((c) => [c.value, c.ok]),
      [
        [4000, false],
        [9000, true],
      ],
    );
  });
});
