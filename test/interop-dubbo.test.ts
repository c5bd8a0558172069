// dubbo against Apache Dubbo itself (3.3, Java, from Maven Central, built at test time: transports/reference/dubbo),
// both ways: our client calling Dubbo's provider is the dubbo:java row (transports.test.ts runs its contract); here
// Dubbo's consumer calls our server, by its interface and generically, and the row's JVM is shown to count as the
// server in a run and to go with the run that started it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Report } from '../bench/report/types.ts';
import { buildDubboPeer } from '../transports/dubbo-java.ts';
import { descendants, eventually, isAlive, killHard, runAsync, runCli, serverChildren, spawnCli, startPeer, stopPeer, tempDir } from './helpers.ts';
import { need } from './require.ts';

const build = await buildDubboPeer();
const skip = need("Dubbo's provider and consumer (mvn)", build.missing);
const javaOf = (pid: number) => descendants(pid).filter((p) => p.cmdline.includes('rpcbench.DubboPeer'));

describe('dubbo and Apache Dubbo', { skip, timeout: 180_000 }, () => {
  test("Dubbo's Java consumer against our server: values, exceptions, a generic call, an unknown method, then calls for a second", async () => {
    const server = await startPeer(process.execPath, ['bin/rpcbench.mjs', 'serve', '--transport', 'dubbo'], /listening (dubbo:\/\/\S+)/, 30_000);
    try {
      const args = ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-cp', build.classpath, 'rpcbench.DubboPeer', 'client', server.match[1]!, '100', '1'];
      const r = await runAsync('java', args, 120_000);
      assert.equal(r.status, 0, r.stderr + r.stdout);
      const seen = Object.fromEntries(
        r.stdout.split('\n').flatMap((l) => (/^\w+=/.test(l) ? [[l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]] : [])),
      );
      assert.equal(seen.getObj, 'ok');
      assert.equal(seen.sendObj, 'ok');
      assert.equal(seen.fib, '6765');
      assert.equal(seen.fibError, 'java.lang.IllegalArgumentException: fib(n) needs an integer 0 <= n <= 35, got 40');
      assert.match(seen.fibFraction ?? '', /^java\.lang\.IllegalArgumentException: fib\(n\) needs an integer/);
      assert.match(seen.sendError ?? '', /^java\.lang\.IllegalArgumentException: sendObj: expected 100 entries, got 1/);
      assert.equal(seen.genericFib, '55');
      assert.match(seen.unknownError ?? '', /No such method nope in class interface rpcbench\.Contract/);
      assert.ok(Number(seen.calls) > 0, r.stdout);
    } finally {
      await stopPeer(server.proc);
    }
  });

  test("a run's report says whose server it was, and counts the JVM's CPU as the server's", () => {
    const out = tempDir();
    const args = ['--transports', 'dubbo:java', '--calls', 'fib', '--scenarios', 'latency', '--count', '200', '--trials', '1', '--warmup', '0'];
    const r = runCli('bench.ts', [...args, '--no-wire', '--out', out], 120_000);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as Report;
    assert.match(report.meta.transports['dubbo:java']?.referenceServer ?? '', /^Apache Dubbo \d/);
    assert.match(readFileSync(path.join(out, 'latest.md'), 'utf8'), /servers not ours: dubbo:java: Apache Dubbo/);
    // fib(20) in Java takes tens of µs of the JVM's CPU; the server child alone only waits
    const [cell] = report.results;
    assert.ok((cell?.cpuUsPerCall.server ?? 0) > 10, JSON.stringify(cell?.cpuUsPerCall));
  });

  test("the row's JVM goes when its server child is killed with -9", async (t) => {
    const args = ['--transports', 'dubbo:java', '--calls', 'fib', '--scenarios', 'latency', '--duration', '20s', '--trials', '1', '--no-wire'];
    const run = spawnCli('bench.ts', [...args, '--out', tempDir()]);
    t.after(() => run.proc.kill('SIGKILL'));
    assert.ok(await eventually(() => /dubbo:java fib latency/.test(run.out.stderr), 120_000, 100), run.out.stderr);
    const [java] = javaOf(run.proc.pid!);
    assert.ok(java, 'the JVM runs under the server child');
    t.after(() => killHard(java.pid));
    for (const s of serverChildren(run.proc.pid!)) killHard(s.pid);
    assert.ok(await eventually(() => !isAlive(java.pid), 15_000), `the JVM ${java.pid} outlived its server child`);
    assert.equal(await run.exited, 1, run.out.stderr);
  });
});
