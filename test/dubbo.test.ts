// Dubbo's protocol as our decoder reads it, and our dubbo server under hostile input: a stream that is not Dubbo's
// drops its connection only, a call that cannot be read or served is a status reply (as Dubbo's provider answers
// it), and the next call is answered. Lengths are refused by what the header declares, before anything is buffered.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import hessian from 'hessian.js';
import { createService, RemoteError } from '../transports/contract.ts';
import { loadTransport } from '../transports/registry.ts';
import {
  countParameters,
  DubboDecoder,
  DubboProtocolError,
  decodeInvocation,
  decodeResult,
  encodeInvocation,
  HEADER_BYTES,
} from '../transports/support/dubbo-protocol.ts';
import type { ClientHandle, ServerHandle } from '../transports/transport.ts';
import { rawExchange } from './helpers.ts';

const LIMIT = 1 << 20;
const SERVICE = 'rpcbench.Contract';
const fibCall = (id: number, over: Partial<Parameters<typeof encodeInvocation>[1]> = {}) =>
  encodeInvocation(id, { service: SERVICE, version: null, method: 'fib', desc: 'Ljava/lang/Object;', args: [10], ...over });
const declaring = (length: number) => {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(0xdabb, 0);
  header[2] = 0xc2;
  header.writeUInt32BE(length, 12);
  return header;
};

describe('the dubbo decoder', () => {
  test('reads back a call it writes, in chunks of any size', () => {
    const bytes = encodeInvocation(2 ** 32 - 1, { service: SERVICE, version: '1.0', method: 'sendObj', desc: 'Ljava/util/Map;', args: [{ a: 1 }] });
    const decoder = new DubboDecoder(LIMIT);
    const frames = [...bytes].flatMap((b) => decoder.push(Buffer.from([b])));
    assert.equal(frames.length, 1);
    const [f] = frames;
    assert.deepEqual([f!.id, f!.request, f!.twoWay, f!.event, f!.serialization], [2 ** 32 - 1, true, true, false, 2]);
    const inv = decodeInvocation(f!.body);
    assert.deepEqual([inv.service, inv.version, inv.method, inv.desc, inv.args], [SERVICE, '1.0', 'sendObj', 'Ljava/util/Map;', [{ a: 1 }]]);
    assert.deepEqual(inv.attachments, { path: SERVICE, interface: SERVICE });
  });

  test('parameter descriptors: counted as the JVM writes them, refused when they are not', () => {
    assert.equal(countParameters(''), 0);
    assert.equal(countParameters('I[Ljava/lang/String;J[[D'), 4);
    for (const bad of ['X', 'Ljava/lang/String', '[', 'I'.repeat(17), 'L'.repeat(5000)]) assert.throws(() => countParameters(bad), DubboProtocolError);
  });

  test('a declared length over the limit is refused from the header that declares it; so is a stream without the magic', () => {
    assert.throws(() => new DubboDecoder(LIMIT).push(declaring(0x7fffffff)), /exceeds the limit/);
    assert.throws(() => new DubboDecoder(LIMIT).push(Buffer.from('ls\r\n')), /magic/);
  });
});

describe('our dubbo server under hostile input', () => {
  let server: ServerHandle;
  let client: ClientHandle;
  before(async () => {
    const transport = await loadTransport('dubbo');
    server = await transport.serve!('dubbo://127.0.0.1:0', createService({ payloadEntries: 10, serverWorkUs: 0 }), { maxMessageBytes: LIMIT });
    client = await transport.connect(server.address, { maxMessageBytes: LIMIT, timeoutMs: 5000 });
  });
  after(async () => {
    await client?.close();
    await server?.close();
  });

  /** Sends `bytes` on a connection of its own: what came back before the server closed it, or `wait` passed. */
  const raw = (bytes: Buffer, wait = 500) => rawExchange(server.address, bytes, new DubboDecoder(LIMIT), wait);
  const answered = async () => assert.equal(await client.call('fib', [20]), 6765);

  test("Dubbo's telnet console and a 2 GB declared body each close that connection at once; other clients are served", async () => {
    for (const bad of [Buffer.from('ls\r\n'), declaring(0x7fffffff)]) {
      const r = await raw(bad, 2000);
      assert.ok(r.closed, 'the connection is closed');
      assert.equal(r.replies.length, 0);
      await answered();
    }
  });

  test('a heartbeat is answered with an event reply; a one-way call gets no reply; $echo and a generic $invoke are served', async () => {
    const heartbeat = fibCall(1);
    heartbeat[2] = 0xe2; // request, two-way, event, Hessian 2
    heartbeat.writeUInt32BE(1, 12);
    heartbeat[HEADER_BYTES] = 0x4e; // N
    const oneway = fibCall(2);
    oneway[2] = 0x82;
    const echo = fibCall(3, { method: '$echo', args: ['hi'] });
    const generic = fibCall(4, {
      method: '$invoke',
      desc: 'Ljava/lang/String;[Ljava/lang/String;[Ljava/lang/Object;',
      args: ['fib', ['java.lang.Object'], [20]],
    });
    const r = await raw(Buffer.concat([heartbeat.subarray(0, HEADER_BYTES + 1), oneway, echo, generic]));
    assert.deepEqual(
      r.replies.map((f) => [f.id, f.request, f.event, f.status]),
      [
        [1, false, true, 20],
        [3, false, false, 20],
        [4, false, false, 20],
      ],
    );
    assert.deepEqual(
      r.replies.slice(1).map((f) => decodeResult(f)),
      [
        { kind: 'value', value: 'hi' },
        { kind: 'value', value: 6765 },
      ],
    );
  });

  test('an unknown service, another serialization, a body that is not Hessian, a bad descriptor: status replies, and the next call is answered', async () => {
    const kryo = fibCall(2);
    kryo[2] = 0xc0 | 8;
    const notHessian = fibCall(3);
    notHessian.fill(0xff, HEADER_BYTES);
    const badDesc = fibCall(4, { desc: 'Q' });
    const r = await raw(Buffer.concat([fibCall(1, { service: 'nope.Service' }), kryo, notHessian, badDesc]));
    assert.deepEqual(
      r.replies.map((f) => [f.id, f.status]),
      [
        [1, 70],
        [2, 40],
        [3, 40],
        [4, 40],
      ],
    );
    const messages = r.replies.map((f) => String(new hessian.DecoderV2(f.body).read()));
    assert.equal(messages[0], 'Not found exported service: nope.Service');
    assert.match(messages[1]!, /serialization 8 is not served/);
    assert.match(messages[3]!, /not a parameter descriptor/);
    await answered();
  });

  test("our client reads Java's exceptions and Dubbo's statuses as the contract's errors", async () => {
    await assert.rejects(client.call('fib', [99]), (e) => e instanceof RemoteError && e.kind === 'ValueError');
    await assert.rejects(client.call('nope', []), (e) => e instanceof RemoteError && e.kind === 'NameError');
  });
});
