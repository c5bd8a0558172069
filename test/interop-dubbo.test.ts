// dubbo and dubbo:triple against Apache Dubbo itself (3.3, Java, from Maven Central, built at test time:
// transports/reference/dubbo), both ways, for each protocol: our client calling Dubbo's provider is the dubbo:java and
// dubbo:triple-java rows (transports.test.ts runs their contract); here Dubbo's consumer calls our server, by its
// interface and generically, and each row's JVM is shown to count as the server in a run and to go with the run that
// started it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildDubboPeer, type DubboProtocol, dubboJvm } from '../transports/dubbo-java.ts';
import { referenceServerTests, runAsync, startPeer, stopPeer } from './helpers.ts';
import { need } from './require.ts';

const build = await buildDubboPeer();
const skip = need("Dubbo's provider and consumer (mvn)", build.missing);

describe('dubbo and Apache Dubbo', { skip, timeout: 180_000 }, () => {
  const consumerTest = (protocol: DubboProtocol, row: string) =>
    test(`Dubbo's Java consumer (${protocol}) against our ${row} server: values, exceptions, a generic call, an unknown method, then calls for a second`, async () => {
      const server = await startPeer(process.execPath, ['bin/rpcbench.mjs', 'serve', '--transport', row], /listening ((?:dubbo|tri):\/\/\S+)/, 30_000);
      try {
        const args = ['-XX:TieredStopAtLevel=1', ...dubboJvm(protocol, build.classpath), 'client', server.match[1]!, '100', '1'];
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
  consumerTest('dubbo', 'dubbo');
  consumerTest('tri', 'dubbo:triple');

  referenceServerTests('dubbo:java', /^Apache Dubbo \d/, (c) => c.includes('rpcbench.DubboPeer'));
  referenceServerTests('dubbo:triple-java', /^Apache Dubbo \d/, (c) => c.includes('rpcbench.DubboPeer') && c.includes('rpcbench.protocol=tri'));
});
