// Motan's motan2 protocol and simple serialization as our decoder reads them, and our motan server under hostile
// input: a stream that is not motan2 drops its connection only, a call that cannot be read or served is an error
// reply (as Motan's provider words it), and the next call is answered. Lengths are refused by what the frame
// declares, before anything is buffered, and values nest only so deep.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createService, RemoteError } from '../transports/contract.ts';
import { loadTransport } from '../transports/registry.ts';
import { decodeValues, encodeFrame, encodeValues, META, MotanDecoder, type MotanFrame } from '../transports/support/motan-protocol.ts';
import type { ClientHandle, ServerHandle } from '../transports/transport.ts';
import { rawExchange } from './helpers.ts';

const LIMIT = 1 << 20;
const call = (id: number, method: string, args: unknown[], over: Partial<Parameters<typeof encodeFrame>[0]> = {}) =>
  encodeFrame({
    request: true,
    id,
    meta: [
      [META.path, 'rpcbench.Contract'],
      [META.method, method],
    ],
    body: encodeValues(args),
    ...over,
  });
const errorOf = (f: MotanFrame) => JSON.parse(f.meta.get(META.error) ?? 'null') as { errtype: number; errcode: number; errmsg: string };

describe('the motan2 decoder and simple serialization', () => {
  test('reads back a call it writes, in chunks of any size, with its id, meta and arguments', () => {
    const bytes = call(2 ** 32 - 1, 'sendObj', [{ a: 1, b: -7 }, 'x', [1, 2.5], ['s', 't'], { k: 'v' }, true, null]);
    const decoder = new MotanDecoder(LIMIT);
    const frames = [...bytes].flatMap((b) => decoder.push(Buffer.from([b])));
    assert.equal(frames.length, 1);
    const [f] = frames as [MotanFrame];
    assert.deepEqual([f.id, f.request, f.heartbeat, f.serialization, f.status], [2 ** 32 - 1, true, false, 6, 0]);
    assert.deepEqual(
      [...f.meta],
      [
        [META.path, 'rpcbench.Contract'],
        [META.method, 'sendObj'],
      ],
    );
    assert.deepEqual(decodeValues(f.body), [{ a: 1, b: -7 }, 'x', [1, 2.5], ['s', 't'], { k: 'v' }, true, null]);
  });

  test("integers as Java writes them: Integer.MIN_VALUE's ten-byte varint (a sign-extended zigzag), and Longs past 2^53", () => {
    // SimpleSerialization.writeInt32: putVarint((long) encodeZigZag32(-2^31)), the int -1 widened to a long
    const javaMin = Buffer.from([8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    assert.deepEqual(decodeValues(javaMin), [-(2 ** 31)]);
    for (const v of [0, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 40, -(2 ** 53 - 1), 2n ** 62n, -(2n ** 63n)]) assert.deepEqual(decodeValues(encodeValues([v])), [v]);
    assert.deepEqual([...encodeValues([300])], [8, 0xd8, 0x04]); // zigzag 600 as a varint, as Java writes it
  });

  test('a declared length over the limit is refused from the lengths that declare it; so is a stream without the magic', () => {
    const huge = Buffer.alloc(17);
    huge.writeUInt16BE(0xf1f1, 0);
    huge[3] = 0x08;
    huge.writeUInt32BE(0x7fffffff, 13);
    assert.throws(() => new MotanDecoder(LIMIT).push(huge), /exceeds the limit/);
    assert.throws(() => new MotanDecoder(LIMIT).push(Buffer.from([0xda, 0xbb, 0, 0])), /magic/);
  });

  test('sizes past the end, unknown types and values nested 10,000 deep are refused, not read', () => {
    // arrays in arrays, 10,000 deep, each sized to hold the rest: 50 KB
    let deep = Buffer.from([0]);
    for (let i = 0; i < 10_000; i++) {
      const head = Buffer.from([21, 0, 0, 0, 0]);
      head.writeUInt32BE(deep.length, 1);
      deep = Buffer.concat([head, deep]);
    }
    assert.throws(() => decodeValues(deep), /nested deeper than 64/);
    assert.throws(() => decodeValues(Buffer.from([1, 0x7f, 0xff, 0xff, 0xff])), /a string: 2147483647 bytes, where 0 are left/);
    assert.throws(() => decodeValues(Buffer.from([99])), /unknown simple-serialization type 99/);
    assert.throws(() => decodeValues(Buffer.from([20, 0, 0, 0, 2, 21, 0])), /a map|an array|bytes/);
  });
});

describe('our motan server under hostile input', () => {
  let server: ServerHandle;
  let client: ClientHandle;
  before(async () => {
    const transport = await loadTransport('motan');
    server = await transport.serve!('motan2://127.0.0.1:0', createService({ payloadEntries: 10, serverWorkUs: 0 }), { maxMessageBytes: LIMIT });
    client = await transport.connect(server.address, { maxMessageBytes: LIMIT, timeoutMs: 5000 });
  });
  after(async () => {
    await client?.close();
    await server?.close();
  });

  const raw = (bytes: Buffer, wait = 500) => rawExchange(server.address, bytes, new MotanDecoder(LIMIT), wait);
  const answered = async () => assert.equal(await client.call('fib', [20]), 6765);

  test('a Motan 1 frame and a 2 GB declared frame each close that connection at once; other clients are served', async () => {
    const huge = Buffer.alloc(17);
    huge.writeUInt16BE(0xf1f1, 0);
    huge[3] = 0x08;
    huge.writeUInt32BE(0x7fffffff, 13);
    for (const bad of [Buffer.from([0xda, 0xbb, 0, 0, 0, 0]), huge]) {
      const r = await raw(bad, 2000);
      assert.ok(r.closed, 'the connection is closed');
      assert.equal(r.replies.length, 0);
      await answered();
    }
  });

  test('a heartbeat is answered with a heartbeat; an unknown service, another serialization, an unreadable body: error replies, then the next call', async () => {
    const heartbeat = encodeFrame({ request: true, heartbeat: true, id: 1 });
    const noService = call(2, 'fib', [10], { meta: [[META.path, 'nope.Service']] });
    const hessian = call(3, 'fib', [10], { serialization: 0 });
    const unreadable = call(4, 'fib', [10], { body: Buffer.from([99]) });
    const r = await raw(Buffer.concat([heartbeat, noService, hessian, unreadable, call(5, 'fib', [10])]));
    assert.deepEqual(
      r.replies.map((f) => [f.id, f.request, f.heartbeat, f.status]),
      [
        [1, false, true, 0],
        [2, false, false, 1],
        [3, false, false, 1],
        [4, false, false, 1],
        [5, false, false, 0],
      ],
    );
    const [, a, b, c] = r.replies.map((f) => (f.status ? errorOf(f) : null));
    assert.deepEqual([a!.errtype, a!.errcode], [1, 10101]);
    assert.match(b!.errmsg, /serialization 0 is not served here/);
    assert.match(c!.errmsg, /^deserialize parameters fail: unknown simple-serialization type 99/);
    assert.deepEqual(decodeValues(r.replies[4]!.body), [55]);
    await answered();
  });

  test("our client reads Motan's errors as the contract's", async () => {
    await assert.rejects(client.call('fib', [99]), (e) => e instanceof RemoteError && e.kind === 'ValueError' && /fib\(n\) needs/.test(e.message));
    await assert.rejects(client.call('nope', []), (e) => e instanceof RemoteError && e.kind === 'NameError');
  });
});
