// The contract test suite every transport passes, built-in or a plugin's: right values, right errors, no hangs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createService, fib, makeObj, RemoteError } from '../transports/contract.ts';
import type { ClientHandle, ServerHandle, Transport } from '../transports/transport.ts';

const opts = { maxMessageBytes: 1 << 20, timeoutMs: 5000 };
const isKind = (kind: string) => (e: unknown) => e instanceof RemoteError && e.kind === kind;

/** The suite against our own server of `transport` (which must have one); `skip` says why it cannot run here. */
export function contractSuite(transport: Transport, skip: string | false): void {
  describe(`transport ${transport.name}`, { skip }, () => {
    let server: ServerHandle;
    let client: ClientHandle;
    const listen = transport.benchListen?.() ?? transport.defaultListen;
    before(async () => {
      server = await transport.serve!(listen, createService({ payloadEntries: 100, serverWorkUs: 0 }), opts);
      client = await transport.connect(server.address, opts);
    });
    after(async () => {
      await client?.close();
      await server?.close();
      // what the server kept on a broker for a restart (a Kafka or RocketMQ topic and its group), as a bench run
      // deletes it: without this every run of the suite left its topics on the shared brokers
      await transport.forget?.(listen);
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
      for (const n of [36, -1, 2.5]) await assert.rejects(client.call('fib', [n]), isKind('ValueError'));
    });
    test('sendObj with a broken object is a ValueError', async () => {
      await assert.rejects(
        client.call('sendObj', [makeObj('client', 99)]),
        (e: unknown) => isKind('ValueError')(e) && /100 entries/.test((e as Error).message),
      );
    });
    test('an unknown method is a NameError', async () => {
      await assert.rejects(client.call('nope', []), isKind('NameError'));
    });
    test('64 calls in flight all get their own reply', async () => {
      const ns = Array.from({ length: 64 }, (_, i) => i % 25);
      assert.deepEqual(await Promise.all(ns.map((n) => client.call('fib', [n]))), ns.map(fib));
    });
  });
}
