// ZeroRPC against zerorpc-python itself (0.6.3 from PyPI, in the project's venv: scripts/python-peers.sh), both ways:
// our client calling a zerorpc.Server, and a zerorpc.Client calling our server. test/zerorpc-protocol.test.ts checks
// the same exchanges frame by frame; here the peer is the reference implementation, gevent heartbeats and all.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadTransport } from '../transports/registry.ts';
import { assertContract, fixture, runAsync, startPeer, stopPeer } from './helpers.ts';
import { need, pypiPeer } from './require.ts';

const zerorpc = await loadTransport('zerorpc');
const { python, missing } = pypiPeer('zerorpc');
const skip = need('zerorpc-python from PyPI', missing);
const opts = { timeoutMs: 10_000, maxMessageBytes: 1 << 20 };

describe('zerorpc and zerorpc-python', { skip, timeout: 60_000 }, () => {
  test('our client against a zerorpc-python server: values, ValueError, an unknown method as NameError', async () => {
    const { proc, match } = await startPeer(python, [fixture('zerorpc_server.py')], /listening (tcp:\S+)/);
    const client = await zerorpc.connect(match[1]!, opts);
    try {
      await assertContract(client);
    } finally {
      await client.close();
      await stopPeer(proc);
    }
  });

  test('a zerorpc-python client against our server: every call and error, then calls for a second', async () => {
    const server = await startPeer(process.execPath, ['--import', 'tsx', 'bench/cli/serve.ts', '--transport', 'zerorpc'], /listening (tcp:\S+)/);
    try {
      const r = await runAsync(python, [fixture('zerorpc_client.py'), server.match[1]!, '1']);
      assert.equal(r.status, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /^ok$/m);
      assert.match(r.stdout, /^calls\/s [1-9]\d*$/m);
    } finally {
      await stopPeer(server.proc);
    }
  });
});
