// Every registered transport serves the contract exactly: right values, right errors, no hangs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createService, fib, makeObj, RemoteError } from '../transports/contract.ts';
import { TRANSPORTS } from '../transports/registry.ts';
import type { ClientHandle, ServerHandle } from '../transports/transport.ts';

const opts = { maxMessageBytes: 1 << 20, timeoutMs: 5000 };

for (const transport of TRANSPORTS) {
  describe(`transport ${transport.name}`, { skip: await skipReason(transport) }, () => {
    let server: ServerHandle;
    let client: ClientHandle;
    before(async () => {
      server = await transport.serve(transport.benchListen?.() ?? transport.defaultListen, createService({ payloadEntries: 100, serverWorkUs: 0 }), opts);
      client = await transport.connect(server.address, opts);
    });
    after(async () => {
      await client?.close();
      await server?.close();
    });

    test('getObj returns the 100-entry server object', async () => {
      assert.deepEqual(await client.call('getObj', []), makeObj('server', 100));
    });
    test('sendObj accepts the client object and returns null', async () => {
      assert.equal(await client.call('sendObj', [makeObj('client', 100)]), null);
    });
    test('fib computes Fibonacci', async () => {
      assert.equal(await client.call('fib', [0]), 0);
      assert.equal(await client.call('fib', [20]), fib(20));
      assert.equal(await client.call('fib', [25]), 75025);
    });
    test('fib rejects n out of range with ValueError', async () => {
      for (const n of [36, -1, 2.5]) {
        await assert.rejects(client.call('fib', [n]), (e: unknown) => e instanceof RemoteError && e.kind === 'ValueError');
      }
    });
    test('sendObj with a broken object is a ValueError', async () => {
      const broken = makeObj('client', 99);
      await assert.rejects(
        client.call('sendObj', [broken]),
        (e: unknown) => e instanceof RemoteError && e.kind === 'ValueError' && /100 entries/.test(e.message),
      );
    });
    test('an unknown method is a NameError', async () => {
      await assert.rejects(client.call('nope', []), (e: unknown) => e instanceof RemoteError && e.kind === 'NameError');
    });
    test('64 calls in flight all get their own reply', async () => {
      const ns = Array.from({ length: 64 }, (_, i) => i % 25);
      assert.deepEqual(await Promise.all(ns.map((n) => client.call('fib', [n]))), ns.map(fib));
    });
  });
}

async function skipReason(transport: (typeof TRANSPORTS)[number]): Promise<string | false> {
  return (await transport.prepare?.()) ?? false;
}
