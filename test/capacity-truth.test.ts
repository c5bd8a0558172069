// The capacity search's ground truth on real servers: a server made to busy-wait 1 ms a call carries at most 1,000
// calls/s, over tcp and over NATS, and the search must find about that. It runs alone (scripts/test.sh): beside two
// other test files, the machine's own stalls broke p99 < 10 ms at every rate a trial can judge, so that in every fresh
// clone from q40 to q50 both came out "0/s (none)" and the test checked nothing of the search's accuracy. For time,
// 1 ms rather than issue 21's 2 ms (a step judges 1,000 calls a trial: 2.6 s a trial at 2 ms's 400/s), and a search
// from 0.7 of a closed loop to 10%: with 2 ms, from half a closed loop to 5%, the file took 296 s alone in a fresh
// clone (q51), where CI has 25 minutes for everything; now about 2 minutes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bench } from '../bench/api/index.ts';
import { CLIENT_BOUND_LOOP_UTILIZATION } from '../bench/harness/client-load.ts';
import type { CellResult, Report } from '../bench/report/types.ts';
import { reportProblems } from '../bench/report/validate.ts';
import type { CapacityOutcome } from '../bench/scenarios/capacity.ts';
import { outcomeSchemas } from '../bench/scenarios/index.ts';

/** The server's busy-wait a call: a ceiling of 1e6 / WORK_US calls/s. */
const WORK_US = 1000;

/** The capacity cell of a real run (the API: the command's options, plan and runner, in this process), with its report. */
async function capacityRun(args: string[]): Promise<{ report: Report; cell: CellResult }> {
  const report = await bench({ scenarios: ['capacity'], calls: ['getObj'], args: ['--no-wire', ...args] });
  assert.deepEqual(report.skipped, []);
  assert.deepEqual(reportProblems(report, outcomeSchemas()), []);
  return { report, cell: report.results.find((c) => c.scenario === 'capacity')! };
}

/** Calls/s a transport's server sustains with WORK_US of work a call, from a short closed loop at 4 in flight (a queue at the server, never the client). */
async function closedLoopRate(transport: string): Promise<number> {
  const args = ['--server-work-us', `${transport}=${WORK_US}`, '--no-wire'];
  const report = await bench({ transports: [transport], calls: ['getObj'], scenarios: ['throughput'], concurrency: [4], duration: 1, trials: 1, args });
  return report.results[0]!.callsPerSec;
}

/** Server CPU µs per call of a transport's own server without extra work, from a short closed loop. */
async function serverCpuUs(transport: string): Promise<number> {
  const report = await bench({
    transports: [transport],
    calls: ['getObj'],
    scenarios: ['throughput'],
    concurrency: [16],
    duration: 0.5,
    trials: 2,
    args: ['--no-wire'],
  });
  return report.results[0]!.cpuUsPerCall.server!;
}

describe(`ground truth: ${WORK_US} µs of server work a call caps a server at 1e6 ÷ (${WORK_US} + its own CPU µs per call)`, { timeout: 600_000 }, () => {
  // nats: a brokered transport whose server answers each request as it comes (redis's answers a batch at once: see the README)
  for (const transport of ['tcp', 'nats']) {
    test(`${transport}, at the default objective`, async (t) => {
      const cpuUs = await serverCpuUs(transport);
      // the server runs one call at a time: 1 ms of work a call is at most 1,000/s whatever it costs besides, and its own
      // CPU per call (measured without the work) lowers that a little
      const ceiling = 1e6 / WORK_US;
      const bound = 1e6 / (WORK_US + cpuUs);
      const sustained = await closedLoopRate(transport);
      t.diagnostic(`a closed loop sustained ${sustained.toFixed(0)}/s`);
      // the search starts at 0.7 of what the server sustains and bisects to 10%, not from its own quarter of a short
      // closed loop to 5%: for time (3m15s alone for both, at 1 ms of work)
      const start = Math.round(0.7 * Math.min(sustained, bound));
      const { cell } = await capacityRun([
        ...['--transports', transport, '--server-work-us', `${transport}=${WORK_US}`, '--capacity-start', String(start)],
        ...['--capacity-precision', '10%', '--duration', '0.5', '--trials', '2'],
      ]);
      const out = cell.outcome as unknown as CapacityOutcome;
      const found = out.callsPerSec;
      const said = `${transport}: capacity ${found}/s (${out.bound}) against the bound ${bound.toFixed(0)}/s (${WORK_US} + ${cpuUs} µs a call)`;
      const steps = out.searches.flatMap((x) => x.steps);
      t.diagnostic(said);
      if (out.bound === 'jitter' || out.bound === 'none') {
        // a machine whose own floor breaks the objective at every rate (a fresh-clone CI with stress-ng --cpu 1 beside
        // it found nats "0": three processes and 2 ms of work a call on the one core left): nothing to check the search's
        // accuracy against. Then it must claim no capacity: no rate passed, and every failed step it could judge broke the
        // objective (the lowest may have too few calls to judge: tcp under stress-ng, down to 49.5/s, 495 of 1,000).
        assert.equal(found, 0, said);
        // and it rests on a rate it judged: a search that could judge none (a first rate too low for a trial to hold
        // the calls, as a probe that met a stall once made it) has not found the machine's floor
        assert.ok(
          steps.some((step) => !/too few calls/.test(step.reason ?? '')),
          `${said}: no rate judged`,
        );
        // no rate passed: a rate is decided on most of all its steps' trials, so a step that passed may be outvoted
        // by the others at its rate (q59, under stress-ng: tcp "jitter" with a step at 506/s that passed, the rate
        // failed on the majority); every failed step it could judge broke the objective
        for (const rate of new Set(steps.map((step) => step.ratePerSec))) {
          const at = steps.filter((step) => step.ratePerSec === rate);
          const met = at.reduce((n, step) => n + (step.trialsPassed ?? 0), 0);
          const all = at.reduce((n, step) => n + step.trials.length, 0);
          assert.ok(met * 2 <= all, `${said}: ${rate}/s passed on ${met} of ${all} trials`);
          for (const step of at.filter((x) => !x.pass)) {
            const judged = !/too few calls/.test(step.reason ?? '');
            assert.ok(!judged || step.judgedUs >= 10_000 || /dropped|error|grew|completed/.test(step.reason ?? ''), `${said}: ${rate}/s, ${step.reason}`);
          }
        }
        return;
      }
      // never above the ceiling (a rate it passed, the server carried), but for this: the work is a wall-clock
      // busy-wait, and a trial's rate can read a little over it (measured: 501/s against 495/s)
      assert.ok(found <= 1.05 * ceiling, said);
      if (out.bound === 'client') {
        // a lower bound, which the report marks as one ("≥", our client the limit): it claims only that the server
        // carries at least this much, which the ceiling bounds. Every failed step at the lowest rate it failed must
        // show why: its sends were late while the service time met the objective, or the load thread was busy. (A
        // fresh-clone CI found tcp "client" at 222/s: the VM's stalls made our sends late twice at one rate; see issue 30.)
        const lowest = Math.min(...steps.filter((x) => !x.pass && x.ratePerSec > found).map((x) => x.ratePerSec));
        const there = steps.filter((x) => !x.pass && x.ratePerSec === lowest);
        assert.ok(there.length > 0, `${said}: no failed step above it`);
        for (const x of there) {
          const why = /our sends were late/.test(x.reason ?? '') || x.loopUtilization >= CLIENT_BOUND_LOOP_UTILIZATION;
          assert.ok(x.clientBound && why, `${said}: ${x.ratePerSec}/s: ${x.reason}, loop ${x.loopUtilization}`);
        }
        return;
      }
      // never under 0.6 of what the server sustains here and now (a closed loop with the same work, measured in this
      // test: on a quiet VM about the bound, with stress-ng --cpu 1 beside it about half), unless the machine's stalls
      // are in the search's own records. The search at p99 < 10 ms ends below the closed loop by what the VM's stalls
      // cost near the limit (a fresh-clone CI found nats at 0.84 of the bound on a quiet machine; beside stress-ng, tcp
      // at 0.49, and at 175/s against a closed loop's 438/s, q33 of issue 36). So under 0.6, every rate it failed that
      // the closed loop carries must have failed on what it measured (p99 beyond 10 ms in the median trial, or calls
      // in flight growing in every trial) with the stalls that explain it recorded: pauses, no call completing for
      // 5 ms with calls in flight, where the server finishes one every millisecond when it keeps up. A search that steps down
      // from a server keeping up shows neither.
      const floor = 0.6 * Math.min(sustained, bound);
      if (found < floor) {
        const failed = steps.filter((x) => !x.pass && x.ratePerSec <= sustained);
        t.diagnostic(
          `${said}; under ${floor.toFixed(0)}/s, the machine's stalls: ${failed.map((x) => `${x.ratePerSec}/s: ${x.reason}, ${x.pauseCount} pause(s)`).join('; ')}`,
        );
        assert.ok(failed.length > 0, said);
        for (const x of failed)
          assert.ok((x.judgedUs >= 10_000 || x.saturated) && x.pauseCount > 0, `${said}: ${x.ratePerSec}/s failed with ${x.pauseCount} pauses: ${x.reason}`);
      }
      assert.equal(out.bound, 'server', said);
      if (found < 0.9 * bound) return; // a machine that stalls: its CPU figures say nothing of the server's cost (a preempted busy-wait burns less CPU than its time)
      // what the server would do with a core of its own: about the same bound, from its CPU per call at capacity
      assert.ok(
        out.perCoreCallsPerSec !== null && out.perCoreCallsPerSec >= 0.85 * bound && out.perCoreCallsPerSec <= 1.02 * ceiling,
        String(out.perCoreCallsPerSec),
      );
    });
  }
});
