// XML-RPC interop with Python's standard library, both ways, and --target against a foreign server.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { bench } from '../bench/api/index.ts';
import { createService, fib, makeObj, RemoteError } from '../transports/contract.ts';
import { xmlrpc } from '../transports/xmlrpc.ts';
import { fixture, runAsync, startPeer, stopPeer } from './helpers.ts';

const opts = { timeoutMs: 5000, maxMessageBytes: 1 << 20 };

describe('our xmlrpc client against Python SimpleXMLRPCServer', () => {
  let proc: ChildProcess;
  let address: string;
  before(async () => {
    const peer = await startPeer('python3', [fixture('xmlrpc_server.py')], /listening (\S+)/);
    proc = peer.proc;
    address = peer.match[1]!;
  });
  after(() => stopPeer(proc));

  test('all three calls return exact values, errors come back as RemoteError', async () => {
    const client = await xmlrpc.connect(address, opts);
    try {
      assert.deepEqual(await client.call('getObj', []), makeObj('server', 100));
      assert.equal(await client.call('sendObj', [makeObj('client', 100)]), null);
      assert.equal(await client.call('fib', [20]), fib(20));
      await assert.rejects(client.call('fib', [99]), (e: unknown) => e instanceof RemoteError && e.kind === 'ValueError');
      await assert.rejects(client.call('nope', []), (e: unknown) => e instanceof RemoteError && /not supported/.test(e.message));
    } finally {
      await client.close();
    }
  });

  test('--target benchmarks it with no errors and no server CPU (not ours to measure)', async () => {
    const report = await bench({ quick: true, trials: 1, args: ['--target', `xmlrpc=${address}`] });
    assert.deepEqual(report.skipped, []);
    assert.deepEqual([...new Set(report.results.map((c) => c.transport))], ['xmlrpc']);
    assert.equal(report.results.length, 4); // --quick: getObj and fib, latency and 16 in flight
    for (const cell of report.results) {
      assert.equal(cell.errors, 0, `${cell.call}: ${JSON.stringify(cell.errorReasons)}`);
      assert.ok(cell.calls > 0);
      assert.equal(cell.cpuUsPerCall.server, null);
      assert.ok(cell.bytesPerCall!.request > 0 && cell.bytesPerCall!.response > 0);
    }
    assert.equal(report.meta.options.targets.xmlrpc, address);
  });
});

describe('Python ServerProxy against our xmlrpc server', () => {
  test('values and faults are what Python expects', async () => {
    const server = await xmlrpc.serve('http://127.0.0.1:0', createService({ payloadEntries: 100, serverWorkUs: 0 }), { maxMessageBytes: 1 << 20 });
    try {
      const r = await runAsync('python3', [fixture('xmlrpc_client.py'), server.address]);
      assert.equal(r.status, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /ok/);
    } finally {
      await server.close();
    }
  });
});
