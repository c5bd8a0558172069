// rpcx against rpcx itself (github.com/smallnest/rpcx v1.9.3, Go, from the module proxy, built at test time:
// transports/reference/rpcx), both ways: our client calling rpcx's Go server is the rpcx:go row (transports.test.ts
// runs its contract); here rpcx's Go client calls our server, gzipped and with heartbeats too, and the row's Go
// server is shown to count as the server in a run and to go with the run that started it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeObj } from '../transports/contract.ts';
import { buildRpcxPeer } from '../transports/rpcx-go.ts';
import { referenceServerTests, runAsync, startPeer, stopPeer } from './helpers.ts';
import { need } from './require.ts';

const build = await buildRpcxPeer();
const skip = need("rpcx's Go server and client (go)", build.missing);

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

  referenceServerTests('rpcx:go', /^rpcx v\d/, (c) => build.binary !== '' && c.startsWith(build.binary));
});
