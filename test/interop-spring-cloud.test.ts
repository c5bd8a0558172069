// spring-cloud against Spring itself (Boot 4, Spring Cloud OpenFeign 5, from Maven Central, built at test time:
// transports/reference/spring-cloud), both ways: our http client calling the Spring MVC server is the row itself
// (transports.test.ts runs its contract); here Spring Cloud OpenFeign, the reference client, calls our http server,
// and the row's Spring server is shown to go with the run that started it, also after a kill -9 of its server child.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mavenBuild } from '../transports/support/maven.ts';
import { descendants, eventually, isAlive, killHard, ROOT, runAsync, serverChildren, spawnCli, startPeer, stopPeer, tempDir } from './helpers.ts';
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
