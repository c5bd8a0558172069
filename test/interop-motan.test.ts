// motan against Weibo's Motan itself (1.2.2, Java, from Maven Central, built at test time: transports/reference/motan),
// both ways: our client calling Motan's provider is the motan:java row (transports.test.ts runs its contract); here
// Motan's Java client calls our server and Motan's own provider and must see the same, line for line; and the row's
// JVM is shown to listen on loopback only, to count as the server in a run, and to go with the run that started it.
import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, test } from 'node:test';
import { buildMotanPeer } from '../transports/motan-java.ts';
import { portAnswers, referenceServerTests, runAsync, startPeer, stopPeer } from './helpers.ts';
import { need } from './require.ts';

const build = await buildMotanPeer();
const skip = need("Motan's provider and client (mvn)", build.missing);

/** What Motan's Java client saw of a server: one name=value line per call or error, and how many calls in a second. */
async function javaClientOf(row: string): Promise<{ seen: Record<string, string>; address: string }> {
  const server = await startPeer(process.execPath, ['bin/rpcbench.mjs', 'serve', '--transport', row], /listening motan2:\/\/(\S+)/, 120_000);
  try {
    const args = ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-cp', build.classpath, 'rpcbench.MotanPeer', 'client', server.match[1]!, '100', '1'];
    const r = await runAsync('java', args, 120_000);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const lines = r.stdout.split('\n').filter((l) => /^\w+=/.test(l));
    return { seen: Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])), address: server.match[1]! };
  } finally {
    await stopPeer(server.proc);
  }
}

/** Whether anything answers at `port` on this machine's first network address (null: no address but loopback). */
function answersOutside(port: number): Promise<boolean | null> {
  const outside = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && !a.internal && a.family === 'IPv4');
  return outside ? portAnswers(port, outside.address) : Promise.resolve(null);
}

describe('motan and Weibo Motan', { skip, timeout: 300_000 }, () => {
  test("Motan's Java client sees our server as it sees Motan's own provider: values, and each error in Motan's words", async () => {
    const ours = (await javaClientOf('motan')).seen;
    const reference = (await javaClientOf('motan:java')).seen;
    assert.equal(ours.getObj, 'ok');
    assert.equal(ours.sendObj, 'ok');
    assert.equal(ours.fib, '6765');
    // a method that threw reaches Motan's client as a business error with the exception's message
    assert.match(ours.fibError ?? '', /MotanServiceException: .*provider call process error, org err:fib\(n\) needs an integer 0 <= n <= 35, got 40/);
    assert.match(ours.sendError ?? '', /org err:sendObj: expected 100 entries, got 1/);
    for (const name of ['getObj', 'sendObj', 'fib', 'fibError', 'fibFraction', 'sendError']) assert.equal(ours[name], reference[name], name);
    assert.ok(Number(ours.calls) > 0 && Number(reference.calls) > 0, JSON.stringify([ours.calls, reference.calls]));
  });

  test("Motan's provider listens on loopback only (Motan's own binds every interface)", async () => {
    const server = await startPeer(
      process.execPath,
      ['bin/rpcbench.mjs', 'serve', '--transport', 'motan:java'],
      /listening motan2:\/\/127\.0\.0\.1:(\d+)/,
      120_000,
    );
    try {
      const outside = await answersOutside(Number(server.match[1]));
      assert.notEqual(outside, true, 'the provider answered on a network address');
    } finally {
      await stopPeer(server.proc);
    }
  });

  referenceServerTests('motan:java', /^Motan \d/, (c) => c.includes('rpcbench.MotanPeer'));
});
