// `rpcbench merge`: the reports of two generators of one run (--segment, --start-at) against one server merge
// into the run's report, exactly; reports that are not of one run are refused with one clear line.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type * as hdr from 'hdr-histogram-js';
import { decodeHistogram, encodeHistogram, latencyUs, newHistogram } from '../bench/report/histograms.ts';
import type { Report } from '../bench/report/types.ts';
import { ROOT, startAtAhead, startPeer, stopPeer, tempDir } from './helpers.ts';

const BIN = path.join(ROOT, 'bin/rpcbench.mjs');
const dir = tempDir('rpcbench-merge-');
const merge = (...args: string[]) => spawnSync(process.execPath, [BIN, 'merge', ...args], { encoding: 'utf8', timeout: 60_000 });
const save = (name: string, report: unknown) => {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(report));
  return file;
};

function bench(args: string[]): Promise<{ status: number | null; output: string }> {
  const proc = spawn(process.execPath, [BIN, 'bench', ...args], { cwd: ROOT });
  let output = '';
  proc.stdout.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => proc.on('close', (status) => resolve({ status, output })));
}

let segments: [Report, Report];
let files: [string, string];
let server: Awaited<ReturnType<typeof startPeer>> | undefined;

before(async () => {
  server = await startPeer(process.execPath, [BIN, 'serve', '--transport', 'tcp'], /listening (\S+)/);
  const outs = [path.join(dir, 's0'), path.join(dir, 's1')];
  const args = ['--target', `tcp=${server.match[1]}`, '--calls', 'getObj', '--scenarios', 'throughput', '--concurrency', '4', '--duration', '300ms'];
  const startAt = startAtAhead([...args, '--trials', '2', '--segment', '0/2'], 0.2);
  const runs = await Promise.all(
    outs.map((out, i) => bench([...args, '--trials', '2', '--warmup', '0.2', '--no-wire', '--segment', `${i}/2`, '--start-at', startAt, '--out', out])),
  );
  for (const r of runs) assert.equal(r.status, 0, r.output);
  files = outs.map((o) => path.join(o, 'latest.json')) as [string, string];
  segments = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as Report) as [Report, Report];
});

after(() => stopPeer(server?.proc));

describe('merge', () => {
  test('two segments run at the same time merge: calls, errors and calls/s add, CPU per call is recomputed, percentiles come from the added histograms', () => {
    const out = path.join(dir, 'merged');
    const r = merge(...files, '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const merged = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as Report;
    const [a, b] = segments.map((s) => s.results[0]!);
    const m = merged.results[0]!;
    assert.equal(a!.trials.length, 2);
    assert.equal(m.calls, a!.calls + b!.calls);
    assert.equal(m.errors, a!.errors + b!.errors);
    m.trials.forEach((t, k) => {
      const [ta, tb] = [a!.trials[k]!, b!.trials[k]!];
      const both = newHistogram();
      both.add(decodeHistogram(ta.histogram!));
      both.add(decodeHistogram(tb.histogram!));
      assert.deepEqual(t.latencyUs, latencyUs(both));
      assert.equal(t.calls, ta.calls + tb.calls);
      assert.equal(t.errors, ta.errors + tb.errors);
      // generators that ran side by side: their rates add
      assert.ok(Math.abs(t.callsPerSec - (ta.callsPerSec + tb.callsPerSec)) < 0.01, `${t.callsPerSec} vs ${ta.callsPerSec} + ${tb.callsPerSec}`);
      // CPU per call: each generator's CPU time (per call x its calls) added, over all calls
      const cpu = (ta.cpuUsPerCall.client * (ta.calls + ta.errors) + tb.cpuUsPerCall.client * (tb.calls + tb.errors)) / (t.calls + t.errors);
      assert.ok(Math.abs(t.cpuUsPerCall.client - cpu) < 0.01, `${t.cpuUsPerCall.client} vs ${cpu}`);
      assert.ok(t.cpuUsPerCall.client > 0);
    });
    assert.ok(Math.abs(m.callsPerSec - (a!.callsPerSec + b!.callsPerSec)) / m.callsPerSec < 0.2, 'the cell: the median trial of the added rates');
    assert.equal(merged.meta.options.segment, undefined);
    assert.deepEqual(merged.meta.merged, { reports: 2, segments: 2 });
    assert.match(r.stdout, /reports: .*merged\/latest\.json/);
  });

  test('errors, timeouts and dropped calls add, trial by trial and in the cell (the real segments above had none)', () => {
    const faulty = segments.map((s, i) => {
      const copy = structuredClone(s);
      for (const [k, t] of copy.results[0]!.trials.entries()) Object.assign(t, { errors: 3 + i + k, timeouts: 1 + i, dropped: 2 * i + k });
      return save(`faulty-${i}.json`, copy);
    });
    const out = path.join(dir, 'faulty-merged');
    const r = merge(...faulty, '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const m = (JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as Report).results[0]!;
    // trial k: errors (3 + k) + (4 + k), timeouts 1 + 2, dropped k + (2 + k)
    for (const [k, t] of m.trials.entries()) assert.deepEqual([t.errors, t.timeouts, t.dropped], [7 + 2 * k, 3, 2 + 2 * k]);
    assert.equal(m.errors, 7 + 9);
  });

  test('splitting one generator’s calls over two segments and merging them gives its percentiles exactly', () => {
    // one histogram of 20,000 latencies, and the same latencies dealt to two "generators"
    const whole = newHistogram();
    const halves = [newHistogram(), newHistogram()];
    let seed = 7;
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const ns = 50_000 + (seed % 2_000_000) * (i % 97 === 0 ? 20 : 1);
      whole.recordValue(ns);
      halves[i % 2]!.recordValue(ns);
    }
    const split = segments.map((s, i) => {
      const copy = structuredClone(s);
      for (const t of copy.results[0]!.trials) {
        t.histogram = encodeHistogram(halves[i] as hdr.Histogram);
        t.calls = halves[i]!.totalCount;
      }
      return save(`split-${i}.json`, copy);
    });
    const out = path.join(dir, 'split-merged');
    assert.equal(merge(...split, '--out', out).status, 0);
    const merged = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as Report;
    // as the report saves any histogram (encoded: max is kept to HDR precision), so exactly equal
    assert.deepEqual(merged.results[0]!.trials[0]!.latencyUs, latencyUs(decodeHistogram(encodeHistogram(whole))));
    const max = merged.results[0]!.trials[0]!.latencyUs.max;
    assert.ok(Math.abs(max - whole.maxValue / 1000) <= (whole.maxValue / 1000) * 0.001, 'within HDR precision (3 digits) of the exact max');
  });

  const refusals: Array<[string, () => string[], RegExp]> = [
    ['one report', () => [files[0]], /expected the reports of two or more segments, got 1/],
    ['the same segment twice', () => [files[0], files[0]], /segment 0\/2 is given twice/],
    [
      'another plan',
      () => [files[0], save('plan.json', { ...segments[1], meta: { ...segments[1].meta, options: { ...segments[1].meta.options, fibN: 25 } } })],
      /not one plan: fibN 20 vs 25/,
    ],
    ['another build', () => [files[0], save('build.json', { ...segments[1], meta: { ...segments[1].meta, gitCommit: 'f'.repeat(40) } })], /not one build/],
    [
      'a missing segment',
      () => segments.map((s, i) => save(`three-${i}.json`, { ...s, meta: { ...s.meta, options: { ...s.meta.options, segment: { index: i, count: 3 } } } })),
      /segments 2\/3 are missing/,
    ],
    [
      'segments of different splits',
      () => [
        files[0],
        save('split3.json', { ...segments[1], meta: { ...segments[1].meta, options: { ...segments[1].meta.options, segment: { index: 1, count: 3 } } } }),
      ],
      /not one split: segments of 2 and 3 generators/,
    ],
    [
      'trials that did not run together',
      () => {
        const late = structuredClone(segments[1]);
        for (const t of late.results[0]!.trials) t.startedAtMs += 60_000;
        return [files[0], save('late.json', late)];
      },
      /trial 1: the generators did not run at the same time .*start them with one --start-at/,
    ],
    [
      'a report that is not a segment',
      () => [files[0], save('whole.json', { ...segments[1], meta: { ...segments[1].meta, options: { ...segments[1].meta.options, segment: undefined } } })],
      /a report without --segment/,
    ],
  ];
  for (const [what, args, message] of refusals) {
    test(`refuses ${what} with one line, exit 2`, () => {
      const r = merge(...args(), '--out', path.join(dir, 'never'));
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`^rpcbench merge: error: .*${message.source}`));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    });
  }
});
