// spring-cloud against Spring itself (Boot 4, Spring Cloud OpenFeign 5, from Maven Central, built at test time:
// transports/reference/spring-cloud), both ways: our http client calling the Spring MVC server is the row itself
// (transports.test.ts runs its contract); here Spring Cloud OpenFeign, the reference client, calls our http server,
// and the row's Spring server is shown to go with the run that started it, also after a kill -9 of its server child.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Report } from '../bench/report/types.ts';
import { mavenBuild } from '../transports/support/maven.ts';
import { descendants, eventually, isAlive, killHard, ROOT, runAsync, runCli, serverChildren, spawnCli, startPeer, stopPeer, tempDir } from './helpers.ts';
import { need } from './require.ts';

const build = await mavenBuild(`${ROOT}/transports/reference/spring-cloud`, 'spring-cloud');
const skip = need('the Spring Boot and OpenFeign peers (mvn)', build.missing);
const javaOf = (pid: number) => descendants(pid).filter((p) => p.cmdline.includes('rpcbench.SpringCloudPeer'));

describe('spring-cloud and Spring', { skip, timeout: 180_000 }, () => {
  test('a Spring Cloud OpenFeign client against our http server: values, ValueError, an unknown method as NameError, then calls for a second', async () => {
    const server = await startPeer(process.execPath, ['bin/rpcbench.mjs', 'serve', '--transport', 'http'], /listening (\S+)/, 30_000);
    try {
      const args = ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-cp', build.classpath, 'rpcbench.SpringCloudPeer', 'client', server.match[1]!, '1'];
      const r = await runAsync('java', args, 120_000);
      assert.equal(r.status, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /^ok$/m);
      assert.match(r.stdout, /^calls\/s [1-9]\d*$/m);
    } finally {
      await stopPeer(server.proc);
    }
  });

  test("a run's report says whose server it was, and counts the JVM's CPU as the server's", () => {
    const out = tempDir();
    const args = ['--transports', 'spring-cloud', '--calls', 'fib', '--scenarios', 'latency', '--count', '200', '--trials', '1', '--warmup', '0'];
    const r = runCli('bench.ts', [...args, '--no-wire', '--out', out], 120_000);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as Report;
    assert.match(report.meta.transports['spring-cloud']?.referenceServer ?? '', /^Spring Boot \d/);
    assert.match(readFileSync(path.join(out, 'latest.md'), 'utf8'), /servers not ours: spring-cloud: Spring Boot/);
    // fib(20) recursive in Java takes tens of µs of the JVM's CPU; the server child alone only waits
    const [cell] = report.results;
    assert.ok((cell?.cpuUsPerCall.server ?? 0) > 20, JSON.stringify(cell?.cpuUsPerCall));
  });

  test("the row's Spring server is stopped with the run, and when its server child is killed with -9", async (t) => {
    const args = ['--transports', 'spring-cloud', '--calls', 'fib', '--scenarios', 'latency', '--duration', '20s', '--trials', '1', '--no-wire'];
    const run = spawnCli('bench.ts', [...args, '--out', tempDir()]);
    t.after(() => run.proc.kill('SIGKILL'));
    assert.ok(await eventually(() => /spring-cloud fib latency/.test(run.out.stderr), 120_000, 100), run.out.stderr);
    const [java] = javaOf(run.proc.pid!);
    assert.ok(java, 'the JVM runs under the server child');
    t.after(() => killHard(java.pid));
    for (const s of serverChildren(run.proc.pid!)) killHard(s.pid);
    // its stdin ends with the child that held it, and the JVM exits
    assert.ok(await eventually(() => !isAlive(java.pid), 15_000), `the JVM ${java.pid} outlived its server child`);
    assert.equal(await run.exited, 1, run.out.stderr);
    assert.match(run.out.stdout, /server process exited \(SIGKILL\)/);
  });
});
