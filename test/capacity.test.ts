// The capacity scenario: the search itself against scripted servers (where the answer is known exactly), then ground
// truth on real ones: a server made to busy-wait 2 ms a call carries at most 500 calls/s, over tcp and over Redis, and
// a server stopped for 300 ms in a step fails that step. The gate and thresholds read capacity like any metric.
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
import type { CapacityStep, CellKey, CellResult, Report, TrialResult } from '../bench/report/types.ts';
import { reportProblems } from '../bench/report/validate.ts';
import { capacity } from '../bench/scenarios/capacity.ts';
import type { CapacitySettings, CellRunner, Measurement } from '../bench/scenarios/scenario.ts';
import { childProcesses, eventually, fixture, runCli, spawnCli, tempDir } from './helpers.ts';

const cell: CellKey = { transport: 't', call: 'getObj', scenario: 'capacity', concurrency: 256, ratePerSec: null, payloadEntries: 100 };
const settings: CapacitySettings = {
  slo: { text: 'p99<10ms', metric: 'p99', limitUs: 10_000, inclusive: false },
  maxDroppedShare: 0.001,
  startPerSec: 100,
  factor: 2,
  precision: 0.05,
  maxPerSec: 1_000_000,
  minPerSec: 1,
  maxInFlight: 256,
};

/** A trial at `rate` whose every call took `latencyUs`, as a server that holds up to its limit would give. */
function trialAt(rate: number, latencyUs: number, clientBound = false): TrialResult {
  const h = newHistogram();
  h.recordValueWithCount(Math.round(latencyUs * 1000), rate);
  const lat = { p50: latencyUs, p90: latencyUs, p99: latencyUs, p999: latencyUs, max: latencyUs, mean: latencyUs };
  const client = { cpuCores: 0.5, loopUtilization: 1, threadBusy: clientBound ? 0.95 : 0.3, sendLagUs: { p50: 50, p99: 200 } };
  const base = { startedAtMs: Date.now(), calls: rate, errors: 0, timeouts: 0, dropped: 0, durationSec: 1, callsPerSec: rate };
  return { ...base, latencyUs: lat, cpuUsPerCall: { client: 10, server: 40 }, client, clientBound, histogram: encodeHistogram(h) };
}

/** A passing step at `rate`, as a search keeps it. */
function capacityStep(rate: number): CapacityStep {
  const t = trialAt(rate, 2000);
  const base = { ratePerSec: rate, pass: true, reason: null, achievedPerSec: rate, latencyUs: t.latencyUs, droppedShare: 0, errors: 0 };
  return { ...base, clientBound: false, loopUtilization: 1, cpuUsPerCall: t.cpuUsPerCall, warmup: { sec: 0, steady: true }, trials: [t] };
}

/** A runner whose server meets the objective up to `limitPerSec` and misses it above. */
function scripted(limitPerSec: number, opts: { clientBoundAbove?: number; probe?: number } = {}): CellRunner & { rates: number[] } {
  const rates: number[] = [];
  return {
    rates,
    capacity: settings,
    probe: async () => opts.probe ?? 8 * 100,
    async measure(c): Promise<Measurement> {
      const rate = c.ratePerSec!;
      rates.push(rate);
      const trial = trialAt(rate, rate <= limitPerSec ? 2000 : 25_000, rate >= (opts.clientBoundAbove ?? Infinity));
      return { warmup: { sec: 0.1, steady: true }, trials: [trial, trial], errorReasons: [] };
    },
  };
}

describe('the search', () => {
  test('steps up geometrically from the start, then bisects to within 5%; every step is kept', async () => {
    const runner = scripted(1234);
    const run = await capacity.run(cell, runner);
    const [search] = run.searches!;
    assert.deepEqual(runner.rates.slice(0, 6), [100, 200, 400, 800, 1600, 1130]);
    assert.ok(search!.callsPerSec <= 1234 && search!.callsPerSec >= 1234 / 1.05, String(search!.callsPerSec));
    const failed = search!.steps.filter((s) => !s.pass).map((s) => s.ratePerSec);
    assert.ok(Math.min(...failed) / search!.callsPerSec <= 1.05, 'the interval is narrower than the precision');
    assert.equal(search!.steps.length, runner.rates.length);
    assert.equal(search!.bound, 'server');
    assert.match(search!.steps.find((s) => !s.pass)!.reason!, /^p99 25,0\d\d µs ≥ 10,000 µs$/);
    // the cell's own figures are its operating point's: the highest passing step's trials
    assert.equal(run.trials[0]!.callsPerSec, search!.callsPerSec);
  });

  test('without a start, it begins at a quarter of a short closed loop', async () => {
    const runner = scripted(5000, { probe: 8000 });
    await capacity.run(cell, { ...runner, capacity: { ...settings, startPerSec: null } });
    assert.equal(runner.rates[0], 2000);
  });

  test('a client that was the limit at the highest passing step makes the figure a lower bound', async () => {
    const run = await capacity.run(cell, scripted(5000, { clientBoundAbove: 2000 }));
    assert.equal(run.searches![0]!.bound, 'client');
  });

  test('a first rate that fails steps down until one passes; none passing is said, not zero-as-a-result', async () => {
    const down = await capacity.run(cell, scripted(30));
    assert.ok(down.searches![0]!.callsPerSec > 0 && down.searches![0]!.callsPerSec <= 30);
    const none = await capacity.run(cell, scripted(0.5));
    assert.deepEqual([none.searches![0]!.callsPerSec, none.searches![0]!.bound], [0, 'none']);
  });

  test('a server that meets the objective at every rate up to the highest is "at least" that', async () => {
    const run = await capacity.run(cell, { ...scripted(Infinity), capacity: { ...settings, maxPerSec: 3000 } });
    assert.deepEqual([run.searches![0]!.callsPerSec, run.searches![0]!.bound], [1600, 'max-rate']);
  });

  test('dropped calls or an error fail a step however low its latency', async () => {
    const dropping: CellRunner = {
      ...scripted(Infinity),
      async measure(c) {
        const trial = { ...trialAt(c.ratePerSec!, 1000), dropped: c.ratePerSec! >= 800 ? 10 : 0, errors: c.ratePerSec! >= 400 && c.ratePerSec! < 800 ? 1 : 0 };
        return { warmup: { sec: 0, steady: true }, trials: [trial], errorReasons: [] };
      },
    };
    const [search] = (await capacity.run(cell, dropping)).searches!;
    assert.match(search!.steps.find((s) => s.ratePerSec === 400)!.reason!, /1 error/);
    assert.equal(search!.callsPerSec < 400, true);
  });
});

/** The capacity cell of a real run, with the run's report. */
function capacityRun(args: string[], timeoutMs = 240_000): { report: Report; cell: CellResult } {
  const out = tempDir();
  const r = runCli('bench.ts', ['--scenarios', 'capacity', '--calls', 'getObj', '--no-wire', ...args, '--out', out], timeoutMs);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as Report;
  assert.deepEqual(reportProblems(report), []);
  return { report, cell: report.results.find((c) => c.scenario === 'capacity')! };
}

/** Server CPU µs per call of a transport's own server without extra work, from a short closed loop. */
function serverCpuUs(transport: string): number {
  const out = tempDir();
  const args = ['--transports', transport, '--calls', 'getObj', '--scenarios', 'throughput', '--concurrency', '16', '--duration', '0.5', '--trials', '2'];
  const r = runCli('bench.ts', [...args, '--no-wire', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as Report).results[0]!.cpuUsPerCall.server!;
}

describe('ground truth: 2 ms of server work a call caps a server at 1e6 ÷ (2000 + its own CPU µs per call)', { timeout: 600_000 }, () => {
  // nats: a brokered transport whose server answers each request as it comes (redis's answers a batch at once: see the README)
  for (const transport of ['tcp', 'nats']) {
    test(transport, () => {
      const cpuUs = serverCpuUs(transport);
      const bound = 1e6 / (2000 + cpuUs);
      // the objective is looser than the default on purpose: what is tested is where the server saturates, not this
      // VM's jitter, which alone reached p99 > 10 ms at a few hundred calls/s (measured). 5% beyond 500 calls/s of 2 ms
      // work queues about 12 calls in a 0.5 s step, 25 ms: the saturation still fails the step
      const objective = ['--slo', 'p99<25ms'];
      const { cell } = capacityRun(['--transports', transport, '--server-work-us', `${transport}=2000`, '--duration', '0.5', '--trials', '2', ...objective]);
      const found = cell.capacity!.callsPerSec;
      assert.ok(
        // at most the bound, within the search's own precision (it bisects to 5%): the 2 ms of work is a wall-clock
        // busy-wait in slices, so overlapping calls can finish a little early (measured: 501/s against 495/s)
        found >= 0.7 * bound && found <= 1.05 * bound,
        `${transport}: capacity ${found}/s against the bound ${bound.toFixed(0)}/s (2000 + ${cpuUs} µs a call)`,
      );
      assert.equal(cell.capacity!.bound, 'server');
      // what the server would do with a core of its own: about the same bound, from its CPU per call at capacity
      assert.ok(cell.capacity!.perCoreCallsPerSec! <= 1e6 / 2000, String(cell.capacity!.perCoreCallsPerSec));
    });
  }
});

test('a server stopped for 300 ms during a step fails that step, and the capacity found is below its rate', { timeout: 240_000 }, async () => {
  const out = tempDir();
  const args = ['--transports', 'tcp', '--scenarios', 'capacity', '--calls', 'getObj', '--capacity-start', '2000', '--capacity-precision', '20%'];
  const run = spawnCli('bench.ts', [...args, '--warmup', '0', '--duration', '2s', '--trials', '1', '--no-wire', '--out', out]);
  let stopped: number | undefined;
  try {
    assert.ok(await eventually(() => /tcp getObj\(100\) capacity/.test(run.out.stderr), 30_000), run.out.stderr);
    await new Promise((r) => setTimeout(r, 800)); // the codec timing, then into the first step's one trial
    const [server] = childProcesses(run.proc.pid!).filter((c) => c.cmdline.includes('server-child'));
    assert.ok(server, 'no server child of this run');
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
  const search = report.results[0]!.capacity!.searches[0]!;
  assert.deepEqual([search.steps[0]!.ratePerSec, search.steps[0]!.pass], [2000, false], JSON.stringify(search.steps[0]));
  assert.ok(search.steps[0]!.latencyUs.max >= 250_000 || search.steps[0]!.droppedShare > 0.001, search.steps[0]!.reason!);
  assert.ok(search.callsPerSec < 2000 && search.callsPerSec > 0, String(search.callsPerSec));
});

describe('capacity in thresholds and the gate', () => {
  /** A report of one capacity cell of tcp: one search per run at each capacity, each with its operating point. */
  const report = (capacities: number[]): Report => {
    const base = loadReport(fixture('report-v3.json'));
    const searches = capacities.map((perSec, run) => {
      const step = { ...capacityStep(perSec), trials: [{ ...trialAt(perSec, 2000), run }] };
      return { run, slo: 'p99<10ms', sloLimitUs: 10_000, callsPerSec: perSec, bound: 'server' as const, steps: [step] };
    });
    const parts = { key: { ...cell, transport: 'tcp' }, bytesPerCall: null, payloadBytes: { request: 2, response: 1483 }, codecUsPerCall: null };
    const folded = foldCell({ ...parts, warmup: { sec: 0, steady: true }, errorReasons: [], trials: searches.flatMap((s) => s.steps[0]!.trials), searches });
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
      capacity: { slo: 'p99<10ms', sloLimitUs: 10_000, callsPerSec: perSec, bound: 'server', perCoreCallsPerSec: null, searches: [] },
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
