// rpcx against rpcx itself (github.com/smallnest/rpcx v1.9.3, Go, from the module proxy, built at test time:
// transports/reference/rpcx), both ways: our client calling rpcx's Go server is the rpcx:go row (transports.test.ts
// runs its contract); here rpcx's Go client calls our server, gzipped and with heartbeats too, and the row's Go
// server is shown to count as the server in a run and to go with the run that started it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Report } from '../bench/report/types.ts';
import { makeObj } from '../transports/contract.ts';
import { buildRpcxPeer } from '../transports/rpcx-go.ts';
import { descendants, eventually, isAlive, killHard, runAsync, runCli, serverChildren, spawnCli, startPeer, stopPeer, tempDir } from './helpers.ts';
import { need } from './require.ts';

const build = await buildRpcxPeer();
const skip = need("rpcx's Go server and client (go)", build.missing);
const goOf = (pid: number) => descendants(pid).filter((p) => build.binary !== '' && p.cmdline.startsWith(build.binary));

describe('rpcx and rpcx', { skip, timeout: 180_000 }, () => {
  test("rpcx's Go client against our server: values, ValueError, an unknown method in rpcx's words, gzip and heartbeats, then calls for a second", async () => {
    const server = await startPeer(process.execPath, ['bin/rpcbench.mjs', 'serve', '--transport', 'rpcx'], /listening rpcx:\/\/(\S+)/, 30_000);
    try {
      const r = await runAsync(build.binary, ['client', server.match[1]!, '100', '1'], 60_000);
      assert.equal(r.status, 0, r.stderr + r.stdout);
      const seen = JSON.parse(r.stdout) as Record<string, unknown>;
      assert.deepEqual(seen.getObj, makeObj('server', 100));
      assert.equal(seen.sendObj, null);
      assert.equal(seen.fib, 6765);
      assert.equal(seen.fibGzip, 6765);
      assert.match(String(seen.fibError), /^ValueError: fib\(n\) needs an integer 0 <= n <= 35, got 40$/);
      assert.equal(seen.unknownError, "rpcx: can't find method Nope");
      assert.match(String(seen.sendError), /^ValueError: sendObj: expected 100 entries, got 1$/);
      assert.ok(Number(seen.calls) > 0, r.stdout);
    } finally {
      await stopPeer(server.proc);
    }
  });

  test("a run's report says whose server it was, and counts the Go server's CPU as the server's", () => {
    const out = tempDir();
    const args = ['--transports', 'rpcx:go', '--calls', 'fib', '--scenarios', 'latency', '--count', '200', '--trials', '1', '--warmup', '0'];
    const r = runCli('bench.ts', [...args, '--no-wire', '--out', out], 120_000);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as Report;
    assert.match(report.meta.transports['rpcx:go']?.referenceServer ?? '', /^rpcx v\d/);
    assert.match(readFileSync(path.join(out, 'latest.md'), 'utf8'), /servers not ours: rpcx:go: rpcx v/);
    // fib(20) in Go takes tens of µs of the Go server's CPU; the server child alone only waits
    const [cell] = report.results;
    assert.ok((cell?.cpuUsPerCall.server ?? 0) > 10, JSON.stringify(cell?.cpuUsPerCall));
  });

  test("the row's Go server goes when its server child is killed with -9", async (t) => {
    const args = ['--transports', 'rpcx:go', '--calls', 'fib', '--scenarios', 'latency', '--duration', '20s', '--trials', '1', '--no-wire'];
    const run = spawnCli('bench.ts', [...args, '--out', tempDir()]);
    t.after(() => run.proc.kill('SIGKILL'));
    assert.ok(await eventually(() => /rpcx:go fib latency/.test(run.out.stderr), 60_000, 100), run.out.stderr);
    const [go] = goOf(run.proc.pid!);
    assert.ok(go, 'the Go server runs under the server child');
    t.after(() => killHard(go.pid));
    for (const s of serverChildren(run.proc.pid!)) killHard(s.pid);
    // its stdin ends with the child that held it, and the Go server exits
    assert.ok(await eventually(() => !isAlive(go.pid), 15_000), `the Go server ${go.pid} outlived its server child`);
    assert.equal(await run.exited, 1, run.out.stderr);
  });
});
