// spring-cloud against Spring itself (Boot 4, Spring Cloud OpenFeign 5, from Maven Central, built at test time:
// transports/reference/spring-cloud), both ways: our http client calling the Spring MVC server is the row itself
// (transports.test.ts runs its contract); here Spring Cloud OpenFeign, the reference client, calls our http server,
// and the row's Spring server is shown to count as the server in a run and to go with the run that started it, also
// after a kill -9 of its server child.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mavenBuild } from '../transports/support/maven.ts';
import { ROOT, referenceServerTests, runAsync, startPeer, stopPeer } from './helpers.ts';
import { need } from './require.ts';

const build = await mavenBuild(`${ROOT}/transports/reference/spring-cloud`, 'spring-cloud');
const skip = need('the Spring Boot and OpenFeign peers (mvn)', build.missing);

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

  referenceServerTests('spring-cloud', /^Spring Boot \d/, (c) => c.includes('rpcbench.SpringCloudPeer'));
});
