// Options no other test ran (issue 35's list), each for what it promises. Where a test needs only a report it takes
// it from the API (bench()), as a user's test would; the CLI is spawned where the command itself is the subject.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { bench } from '../bench/api/index.ts';
import type { CapacityOutcome } from '../bench/scenarios/capacity.ts';
import { ROOT, runAsync, startAtAhead, startPeer, stopPeer, tempDir } from './helpers.ts';

const BIN = path.join(ROOT, 'bin/rpcbench.mjs');
/** One short trial of one cell, no warm-up, no wire pass: what these tests need of a run, and no more. */
const SHORT = { trials: 1, duration: '150ms', warmup: 0 };

/** `rpcbench serve` of `transport`, stopped after the test. */
async function serve(t: TestContext, transport: string): Promise<string> {
  const peer = await startPeer(process.execPath, [BIN, 'serve', '--transport', transport], /listening (\S+)/, 30_000);
  t.after(() => stopPeer(peer.proc));
  return peer.match[1]!;
}

describe("--max-message-bytes: the decoders' limit, both sides", { timeout: 120_000 }, () => {
  test('under the getObj reply (about 1.5 KB: the smallest limit, 1 KiB) every call fails, naming the limit; over it, none does', async () => {
    const plan = { ...SHORT, transports: ['tcp', 'http'], calls: ['getObj'], scenarios: ['latency'] };
    const small = await bench({ ...plan, args: ['--no-wire', '--max-message-bytes', '1024', '--allow-errors'] });
    for (const transport of ['tcp', 'http']) {
      const failed = small.skipped.find((s) => s.transport === transport);
      const cell = small.results.find((c) => c.transport === transport);
      const reason = failed?.reason ?? cell?.errorReasons.map((r) => r.message).join('; ') ?? '';
      assert.ok(failed || (cell && cell.calls === 0 && cell.errors > 0), `${transport}: calls got through a 1,024-byte limit`);
      assert.match(reason, /1024 bytes|exceeds|too large|413/, `${transport}: ${reason}`);
    }
    const ample = await bench({ ...plan, args: ['--no-wire', '--max-message-bytes', '4096'] });
    assert.deepEqual(ample.skipped, []);
    for (const cell of ample.results) assert.ok(cell.calls > 0 && cell.errors === 0, `${cell.transport}: ${JSON.stringify(cell.errorReasons)}`);
  });

  test('a value that is not a size is refused before anything runs', async () => {
    await assert.rejects(bench({ transports: ['tcp'], args: ['--max-message-bytes', '0'] }), /--max-message-bytes/);
  });
});

describe('capacity options', { timeout: 180_000 }, () => {
  const search = { transports: ['tcp'], calls: ['fib'], scenarios: ['capacity'], trials: 1, duration: '300ms', warmup: 0 };

  test('--capacity-in-flight N: no step keeps more than N calls out; past it, calls are dropped, not queued', async () => {
    // 2 ms of server work: at most 500 calls/s, so 2,000/s overflows four in flight at once
    const report = await bench({ ...search, args: ['--no-wire', '--server-work-us', '2000', '--capacity-start', '2000', '--capacity-in-flight', '4'] });
    const outcome = report.results[0]!.outcome as unknown as CapacityOutcome;
    const steps = outcome.searches.flatMap((s) => s.steps);
    assert.ok(steps.length > 0);
    for (const step of steps) if (step.backlog) assert.ok(step.backlog.last <= 4 && step.backlog.first <= 4, JSON.stringify(step.backlog));
    const first = steps[0]!;
    assert.equal(first.ratePerSec, 2000);
    assert.ok(first.droppedShare > 0.5, `at 2,000/s against 500/s of work, ${first.droppedShare} dropped`);
    assert.equal(report.meta.options.settings.capacity!.maxInFlight, 4);
  });

  test('--runs N with capacity: one search per run in the cell, the capacity their median (the lower middle: one a search found)', async () => {
    // a p90 needs 100 calls a trial where the default p99 needs 1,000: the runs' pooling is the subject, not the objective
    const args = ['--no-wire', '--server-work-us', '1000', '--slo', 'p90<10ms', '--capacity-start', '400', '--capacity-precision', '25%'];
    const report = await bench({ ...search, runs: 2, args });
    const [cell] = report.results;
    const outcome = cell!.outcome as unknown as CapacityOutcome;
    assert.deepEqual(
      outcome.searches.map((s) => s.run),
      [0, 1],
    );
    const found = outcome.searches.map((s) => s.callsPerSec).sort((a, b) => a - b);
    assert.equal(outcome.callsPerSec, found[0]);
  });
});

test('--client-workers with --target: two threads share the load on a server the run did not start', { timeout: 120_000 }, async (t) => {
  const address = new URL(await serve(t, 'tcp'));
  // a relay in front of the server counts the connections open at once: each load thread has its own
  let open = 0;
  let most = 0;
  const relay = net.createServer((down) => {
    most = Math.max(most, ++open);
    const up = net.connect({ host: address.hostname, port: Number(address.port) });
    const both = () => {
      down.destroy();
      up.destroy();
    };
    for (const s of [down, up]) s.on('error', () => {}).on('close', both);
    down.once('close', () => open--);
    down.pipe(up).pipe(down);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  t.after(() => relay.close());
  const target = `tcp://127.0.0.1:${(relay.address() as net.AddressInfo).port}`;
  const report = await bench({
    ...SHORT,
    calls: ['fib'],
    scenarios: ['throughput'],
    concurrency: [8],
    args: ['--target', `tcp=${target}`, '--client-workers', '2', '--no-wire'],
  });
  assert.equal(report.meta.options.clientWorkers, 2);
  assert.ok(most >= 2, `${most} connection(s) open at once: the load did not come from two threads`);
  assert.deepEqual(report.meta.options.targets, { tcp: target });
  const [cell] = report.results;
  assert.equal(cell!.transport, 'tcp');
  assert.ok(cell!.calls > 0 && cell!.errors === 0, JSON.stringify(cell!.errorReasons));
});

describe('the command line where it is the subject', { timeout: 180_000 }, () => {
  test('merge --output writes the formats it is given besides json, md and html', async (t) => {
    const address = await serve(t, 'tcp');
    const args = ['--target', `tcp=${address}`, '--calls', 'getObj', '--scenarios', 'throughput', '--concurrency', '2', '--duration', '200ms', '--trials', '1'];
    const startAt = startAtAhead([...args, '--segment', '0/2'], 0.1);
    const outs = [tempDir(), tempDir()];
    // the two generators together, on the shared start
    const runs = await Promise.all(
      outs.map((out, i) =>
        runAsync(
          process.execPath,
          [BIN, 'bench', ...args, '--warmup', '0.1', '--no-wire', '--segment', `${i}/2`, '--start-at', startAt, '--out', out],
          120_000,
        ),
      ),
    );
    for (const run of runs) assert.equal(run.status, 0, run.stderr);
    const merged = tempDir();
    const r = spawnSync(process.execPath, [BIN, 'merge', ...outs.map((o) => path.join(o, 'latest.json')), '--output', 'csv,openmetrics', '--out', merged], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(merged).sort(), ['latest.csv', 'latest.html', 'latest.json', 'latest.md', 'latest.prom'].sort());
  });

  test('bench --json through a pipe: a large report arrives whole (stdout drained before the process exits)', () => {
    const out = tempDir();
    const plan = ['--transports', 'tcp,http,inproc', '--calls', 'getObj,fib', '--scenarios', 'latency,throughput', '--concurrency', '1,4'];
    const timing = ['--runs', '2', '--trials', '2', '--duration', '60ms', '--warmup', '0', '--no-wire', '--out', out];
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} bench ${[...plan, ...timing].join(' ')} --json | cat`;
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', command], { encoding: 'utf8', timeout: 170_000, maxBuffer: 256 << 20 });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.length > 65_536, `only ${r.stdout.length} bytes: a pipe's buffer holds 64 KB, the report must be larger`);
    assert.deepEqual(JSON.parse(r.stdout), JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')));
  });
});
