// Real hosts on this machine: a server in one network namespace, two segmented generators in two others, each on
// its own address, a round trip of 2 ms on the link (scripts/netns.sh). Their reports merge into one run whose
// counts are the sums, whose percentiles are those of the merged histograms, and whose p50 is at least the round
// trip: the traffic crossed the link. Skipped, with the reason, where namespaces cannot be made (not root, no
// iproute2); under RPCBENCH_REQUIRE=all that is a failure.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { decodeHistogram, latencyUs, newHistogram } from '../bench/report/histograms.ts';
import type { Report } from '../bench/report/types.ts';
import { ROOT, startAtAhead, startPeer, stopPeer, tempDir } from './helpers.ts';
import { need } from './require.ts';

const PREFIX = `rt${process.pid % 100000}`;
const env = { ...process.env, RPCBENCH_NETNS: PREFIX };
const netns = (...args: string[]) => spawnSync('bash', [path.join(ROOT, 'scripts/netns.sh'), ...args], { env, encoding: 'utf8', timeout: 60_000 });
const check = netns('check');
const skip = need('network namespaces (root and iproute2)', check.status === 0 ? false : check.stdout.trim() || check.stderr.trim());
const RTT_MS = 2;
const BIN = path.join(ROOT, 'bin/rpcbench.mjs');

after(() => void (skip || netns('down')));

/** A generator on client host `host`, as a promise of its exit code and output. */
function generator(host: string, args: string[]): Promise<{ status: number | null; output: string }> {
  const proc = spawn('bash', [path.join(ROOT, 'scripts/netns.sh'), 'exec', host, process.execPath, BIN, 'bench', ...args], { env, cwd: ROOT });
  let output = '';
  proc.stdout.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => proc.on('close', (status) => resolve({ status, output })));
}

test('two generators on two hosts, one server on a third, 2 ms apart: their reports merge exactly', { skip, timeout: 180_000 }, async () => {
  const up = netns('up', '--rtt-ms', String(RTT_MS), '--clients', '2', '--ports', '4242');
  assert.equal(up.status, 0, up.stderr);
  const address = netns('server-address').stdout.trim();
  assert.match(address, /^10\.77\.0\.\d+$/, 'only the namespaces’ own addresses');
  const server = await startPeer(
    'bash',
    [path.join(ROOT, 'scripts/netns.sh'), 'exec', 'srv', process.execPath, BIN, 'serve', '--transport', 'tcp', '--listen', 'tcp://10.77.0.1:4242'],
    /listening/,
    20_000,
    { RPCBENCH_NETNS: PREFIX },
  );
  try {
    const outs = [tempDir(), tempDir()];
    const plan = ['--target', `tcp=tcp://${address}:4242`, '--calls', 'fib', '--scenarios', 'latency,throughput', '--concurrency', '8'];
    // the generators start through scripts/netns.sh and `ip netns exec`: 2 s more than a plain start, as headroom
    const startAt = new Date(Date.parse(startAtAhead([...plan, '--duration', '1s', '--trials', '2'], 0.3)) + 2000).toISOString();
    const timing = ['--duration', '1s', '--trials', '2', '--warmup', '0.3', '--no-wire', '--start-at', startAt];
    const runs = await Promise.all(outs.map((out, i) => generator(`c${i + 1}`, [...plan, ...timing, '--segment', `${i}/2`, '--out', out])));
    for (const r of runs) assert.equal(r.status, 0, r.output);
    const parts = outs.map((o) => JSON.parse(readFileSync(path.join(o, 'latest.json'), 'utf8')) as Report);
    const mergedDir = tempDir();
    const merge = spawnSync(process.execPath, [BIN, 'merge', ...outs.map((o) => path.join(o, 'latest.json')), '--out', mergedDir], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(merge.status, 0, merge.stderr);
    const merged = JSON.parse(readFileSync(path.join(mergedDir, 'latest.json'), 'utf8')) as Report;
    assert.deepEqual(merged.meta.merged, { reports: 2, segments: 2 });

    // the throughput cell: both generators ran it, 4 calls in flight each, at the same time
    const cell = (r: Report) => r.results.find((c) => c.scenario === 'throughput');
    const [a, b, m] = [cell(parts[0]!)!, cell(parts[1]!)!, cell(merged)!];
    assert.equal(m.calls, a.calls + b.calls);
    assert.equal(m.errors, a.errors + b.errors);
    m.trials.forEach((t, k) => {
      assert.equal(t.calls, a.trials[k]!.calls + b.trials[k]!.calls);
      const sum = newHistogram();
      sum.add(decodeHistogram(a.trials[k]!.histogram!));
      sum.add(decodeHistogram(b.trials[k]!.histogram!));
      assert.equal(decodeHistogram(t.histogram!).totalCount, t.calls);
      assert.deepEqual(t.latencyUs, latencyUs(sum), 'the percentiles are the merged histogram’s');
      assert.ok(Math.abs(t.callsPerSec - (a.trials[k]!.callsPerSec + b.trials[k]!.callsPerSec)) < 0.01);
    });
    // one call in flight belongs to one generator: the latency cell comes from segment 0 alone
    assert.equal(parts[1]!.results.filter((c) => c.scenario === 'latency').length, 0);
    const latency = merged.results.find((c) => c.scenario === 'latency')!;
    assert.ok(latency.latencyUs.p50 >= RTT_MS * 1000, `p50 ${latency.latencyUs.p50} µs: the calls crossed the ${RTT_MS} ms link`);
    assert.ok(m.latencyUs.p50 >= RTT_MS * 1000);
  } finally {
    await stopPeer(server.proc);
    assert.equal(netns('down').status, 0);
    assert.doesNotMatch(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout, new RegExp(`^${PREFIX}-`, 'm'), 'every namespace removed');
  }
});
