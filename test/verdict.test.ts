// The verdict (issue 24): who leads each goal, the others as ratios with 95% intervals, "no clear difference" where
// an interval holds 1; the gate's detection limit checked against its own test; the broker's CPU where it is visible.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { renderHtml } from '../bench/formats/html.ts';
import { renderMarkdown } from '../bench/formats/markdown.ts';
import { renderSummary } from '../bench/formats/summary.ts';
import { detection, pairedDetection } from '../bench/gate/detection.ts';
import { mannWhitneyGreater } from '../bench/gate/mann-whitney.ts';
import { signedRankGreater } from '../bench/gate/wilcoxon.ts';
import { findBroker } from '../bench/harness/broker-cpu.ts';
import type { Report } from '../bench/report/types.ts';
import { verdictGoals } from '../bench/scenarios/index.ts';
import { verdictOf as judge } from '../bench/stats/verdict.ts';

const verdictOf = (r: Report) => judge(r, verdictGoals());

import { redisBroker } from '../transports/redis.ts';
import { transports } from '../transports/registry.ts';
import { ROOT, tempDir } from './helpers.ts';
import { broker } from './require.ts';

const BIN = path.join(ROOT, 'bin/rpcbench.mjs');
const redis = await broker(redisBroker, 'Redis');

/** One real run (inproc, tcp, http; and redis where it is here), the template every case below bends. */
let report: Report;
before(() => {
  const out = tempDir();
  const list = redis.skip ? 'inproc,tcp,http' : 'inproc,tcp,http,redis';
  const args = ['bench', '--transports', list, '--calls', 'getObj', '--scenarios', 'latency,throughput', '--concurrency', '4'];
  const r = spawnSync(process.execPath, [BIN, ...args, '--duration', '100ms', '--trials', '3', '--warmup', '0.1', '--out', out], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, REDIS_URL: redis.url },
  });
  assert.equal(r.status, 0, r.stderr);
  report = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as Report;
});

/** The report with each latency cell's trial p50s set: `p50s[transport]`, one value per trial. */
function withP50s(p50s: Record<string, number[]>): Report {
  const copy = structuredClone(report);
  for (const c of copy.results.filter((x) => x.scenario === 'latency' && x.transport in p50s)) {
    c.trials = p50s[c.transport]!.map((p50, i) => ({ ...c.trials[i % c.trials.length]!, latencyUs: { ...c.trials[0]!.latencyUs, p50 } }));
  }
  return { ...copy, verdict: verdictOf(copy) }; // as a run with these trials would have written it
}
const item = (r: Report, goal: string) => verdictOf(r).items.find((i) => i.goal === goal)!;

describe('the verdict', () => {
  test('a clear lead: the ratio and an interval wholly above 1', () => {
    const v = item(withP50s({ tcp: [100, 102, 98, 101, 99], http: [200, 204, 196, 202, 198] }), 'p50');
    assert.equal(v.leader, 'tcp');
    const http = v.others.find((o) => o.transport === 'http')!;
    assert.ok(Math.abs(http.ratio - 2) < 0.01, String(http.ratio));
    assert.ok(http.low > 1.9 && http.high < 2.1 && http.clear, JSON.stringify(http));
  });

  test('overlapping trials: no clear difference, whichever is ahead by its median', () => {
    const v = item(withP50s({ tcp: [100, 130, 90, 120, 95], http: [105, 92, 125, 99, 118] }), 'p50');
    const other = v.others.find((o) => o.transport === (v.leader === 'tcp' ? 'http' : 'tcp'))!;
    assert.ok(other.low <= 1 && other.high > 1 && !other.clear, JSON.stringify(other));
    const lines = renderSummary(withP50s({ tcp: [100, 130, 90, 120, 95], http: [105, 92, 125, 99, 118] }));
    assert.match(lines, /getObj lowest p50 \(latency, 1 in flight\): (tcp|http) [\d.,]+ µs; no clear difference: (http|tcp) 1\.\d\d× \(\d\.\d\d–\d\.\d\d\)/);
  });

  test('the harness floor is never in it; bytes are exact (no interval); the same report always reads the same', () => {
    const v = verdictOf(report);
    assert.ok(v.items.every((i) => i.leader !== 'inproc' && i.others.every((o) => o.transport !== 'inproc')));
    const bytes = v.items.find((i) => i.goal === 'bytes/call')!;
    assert.ok(bytes.others.every((o) => o.low === o.ratio && o.high === o.ratio));
    assert.deepEqual(verdictOf(structuredClone(report)), v);
    assert.deepEqual(report.verdict, v, 'the JSON keeps it');
  });

  /** The report with capacity cells of tcp, http and redis, each with one search per run at the given capacities. */
  const withCapacities = (found: Record<string, number[]>): Report => {
    const copy = structuredClone(report);
    const template = copy.results.find((c) => c.transport === 'tcp' && c.scenario === 'throughput')!;
    for (const [transport, each] of Object.entries(found)) {
      const searches = each.map((callsPerSec, run) => ({ run, callsPerSec, bound: 'server' as const, steps: [] }));
      const trials = each.map((_, run) => ({ ...template.trials[0]!, run }));
      copy.results.push({
        ...template,
        transport,
        scenario: 'capacity',
        concurrency: 256,
        variant: 'p99<10ms',
        trials,
        outcome: { callsPerSec: each[0]!, bound: 'server', perCoreCallsPerSec: null, searches },
      });
    }
    copy.meta.transports.redis ??= { ...copy.meta.transports.http!, role: 'measured' };
    return copy;
  };

  test('capacity from one run is never a clear lead, however far apart: one search per run says nothing of how runs differ', () => {
    const v = item(withCapacities({ tcp: [10_000], http: [9_800], redis: [2_000] }), 'capacity');
    assert.equal(v.leader, 'tcp');
    assert.equal(v.oneSample, true);
    assert.ok(
      v.others.every((o) => !o.clear),
      JSON.stringify(v.others),
    );
    assert.match(
      renderSummary({ ...report, verdict: verdictOf(withCapacities({ tcp: [10_000], http: [9_800] })) }),
      /highest capacity .* \[one run: each figure was found once/,
    );
  });

  test('capacity from runs: the searches are the samples; apart in every run is clear, overlapping runs are not', () => {
    const v = item(withCapacities({ tcp: [10_000, 10_400, 9_700], http: [9_800, 10_300, 9_900], redis: [5_000, 5_200, 4_900] }), 'capacity');
    assert.equal(v.leader, 'tcp');
    assert.deepEqual(v.basis, { kind: 'runs', runs: 3 });
    const [http, slow] = [v.others.find((o) => o.transport === 'http')!, v.others.find((o) => o.transport === 'redis')!];
    assert.ok(!http.clear && http.low < 1, JSON.stringify(http));
    assert.ok(slow.clear && slow.low > 1.8, JSON.stringify(slow));
  });

  test('it heads the summary, latest.md and latest.html', () => {
    assert.match(renderSummary(report), /^verdict\n {2}getObj lowest p50/);
    const md = renderMarkdown(report);
    assert.ok(md.indexOf('## Verdict') > 0 && md.indexOf('## Verdict') < md.indexOf('## getObj'));
    const html = renderHtml(report);
    assert.ok(html.indexOf('<h2>Verdict</h2>') > 0 && html.indexOf('<h2>Verdict</h2>') < html.indexOf('<h2>getObj'));
  });
});

describe("the gate's detection limit", () => {
  /** Power of the real test (mannWhitneyGreater) against a shift, over fresh normal samples. */
  function power(shiftPct: number, sd: number, n: number, level: number): number {
    // xorshift32: another generator than the one the limit was found with
    let seed = 2463534242;
    const uniform = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return ((seed >>> 0) + 1) / 4294967297;
    };
    const gauss = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    let found = 0;
    for (let i = 0; i < 400; i++) {
      const base = Array.from({ length: n }, () => gauss() * sd);
      const cur = Array.from({ length: n }, () => Math.log(1 + shiftPct / 100) + gauss() * sd);
      if (mannWhitneyGreater(cur, base).p <= level) found++;
    }
    return found / 400;
  }

  test("the paired test (Wilcoxon's signed ranks) by hand: direction, rank sums, zeros dropped, and the normal tail", () => {
    // five pairs: 2^5 sign patterns, one with every difference above zero (W = 15), one more with only the smallest below (W = 14)
    assert.equal(signedRankGreater([1, 2, 3, 4, 5]).p, 1 / 32);
    assert.equal(signedRankGreater([-1, 2, 3, 4, 5]).p, 2 / 32);
    assert.equal(signedRankGreater([-1, -2, -3, -4, -5]).p, 1);
    assert.equal(signedRankGreater([0, 0, 1, 2, 3, 4, 5]).p, 1 / 32);
    assert.equal(signedRankGreater([0, 0]).p, 1);
    // 80 pairs with ties: the normal approximation; a shift up is found, a symmetric set is not, a shift down is not
    const up = Array.from({ length: 80 }, (_, i) => (i % 10) - 2);
    assert.ok(signedRankGreater(up).p < 0.001, String(signedRankGreater(up).p));
    assert.ok(signedRankGreater(up.map((x) => -x)).p > 0.999);
    const even = Array.from({ length: 80 }, (_, i) => (i % 2 ? 1 : -1) * (1 + (i >> 1)));
    assert.ok(Math.abs(signedRankGreater(even).p - 0.5) < 0.1, String(signedRankGreater(even).p));
  });

  test('at the stated limit the test finds the change about 80% of the time, at half of it far less often', () => {
    const d = detection(0.05, 8, 8, 0.025);
    assert.ok(d.detectablePct! > 5 && d.detectablePct! < 12, String(d.detectablePct));
    assert.ok(Math.abs(power(d.detectablePct!, 0.05, 8, 0.025) - 0.8) < 0.08);
    assert.ok(power(d.detectablePct! / 2, 0.05, 8, 0.025) < 0.45);
  });

  test('more runs see less; too few runs see nothing; the runs for 5% are more than for 10%', () => {
    assert.equal(detection(0.05, 3, 3, 0.025).detectablePct, null);
    assert.ok(detection(0.05, 16, 16, 0.025).detectablePct! < detection(0.05, 8, 8, 0.025).detectablePct!);
    const d = detection(0.05, 8, 8, 0.025);
    assert.ok(d.runsFor5Pct! > d.runsFor10Pct! && d.runsFor10Pct! >= 4, JSON.stringify(d));
  });

  test("paired rounds: the limit comes from the rounds' own differences, so one round far the other way raises it past that round", () => {
    // twelve rounds at α/2 = 0.0005 pass only if at most the smallest difference leans better (a fresh clone's gate
    // read "+288.6%, within noise" beside "can detect ≥ 133%": one round of 12 went the other way)
    const level = 0.0005;
    const within4Pct = [0.02, -0.03, 0.01, 0.04, -0.01, 0, 0.03, -0.02, 0.015, -0.025, 0.005];
    const quiet = pairedDetection([...within4Pct, 0.01], level);
    const oneOff = pairedDetection([...within4Pct, -1.4], level);
    assert.ok(quiet.detectablePct! > 0 && quiet.detectablePct! < 20, JSON.stringify(quiet));
    // a shift smaller than that round's 1.4 (log units: 4.06x) leaves it leaning better in most simulated comparisons
    assert.ok(oneOff.detectablePct! > (Math.exp(1.3) - 1) * 100, JSON.stringify(oneOff));
    assert.equal(pairedDetection(within4Pct.slice(0, 5), 0.025).detectablePct, null);
    // rounds within ±4% lean worse every one under a 10% slowdown: the fewest rounds whose smallest p, 2^-n, reaches 0.0005
    assert.equal(quiet.runsFor10Pct, 11, JSON.stringify(quiet));
  });
});

describe("the broker's CPU", () => {
  test('a broker elsewhere or a port nobody of this host holds is "not measured", never 0', () => {
    assert.match((findBroker('10.11.12.13', 6379) as { reason: string }).reason, /not on this host/);
    assert.match((findBroker('127.0.0.1', 1) as { reason: string }).reason, /no process of this host listens on port 1/);
  });

  test('a local broker is measured per call, beside client and server; a transport with no broker has no such figure', { skip: redis.skip }, () => {
    assert.match(report.meta.brokers!.redis!, /^measured: redis-server \(pid \d+\)$/);
    for (const c of report.results) {
      if (c.transport === 'redis') assert.ok(typeof c.cpuUsPerCall.broker === 'number' && c.cpuUsPerCall.broker > 0, JSON.stringify(c.cpuUsPerCall));
      else assert.equal(c.cpuUsPerCall.broker, undefined);
    }
    assert.match(renderSummary(report), /redis: measured: redis-server/);
  });
});

test('each transport keeps its registry place as its colour, in every report', () => {
  for (const [name, info] of Object.entries(report.meta.transports)) {
    assert.equal(
      info.colour,
      transports().findIndex((t) => t.name === name),
    );
  }
});
