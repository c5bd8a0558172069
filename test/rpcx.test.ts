// The rpcx protocol as our decoder reads it, and our rpcx server under hostile input: a message that cannot be read
// drops its connection only (rpcx's Go server does the same), a call that cannot be served is an error reply, and the
// next call is answered. Lengths are refused by what they declare, before anything is buffered.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createService, RemoteError } from '../transports/contract.ts';
import { loadTransport } from '../transports/registry.ts';
import { messageCodec } from '../transports/support/msgpack.ts';
import { encodeRequest, metadataValue, RpcxDecoder, RpcxProtocolError } from '../transports/support/rpcx-protocol.ts';
import type { ClientHandle, ServerHandle } from '../transports/transport.ts';
import { rawExchange } from './helpers.ts';

const LIMIT = 1 << 20;
const mp = messageCodec(LIMIT);
const request = (over: Partial<Parameters<typeof encodeRequest>[0]> = {}) =>
  encodeRequest({ seq: 7, servicePath: 'RPCBench', serviceMethod: 'Fib', payload: mp.encode(10), ...over });

describe('the rpcx decoder', () => {
  test('reads back what it writes, metadata included, in chunks of any size', () => {
    const bytes = encodeRequest({
      seq: 2 ** 32 - 1,
      servicePath: 'S',
      serviceMethod: 'M',
      payload: mp.encode([1, 'x']),
      metadata: { a: 'b', __rpcx_error__: 'E' },
    });
    const decoder = new RpcxDecoder(LIMIT);
    const got = [...bytes].flatMap((b) => decoder.push(Buffer.from([b])));
    assert.equal(got.length, 1);
    const [m] = got;
    assert.deepEqual([m!.seq, m!.servicePath, m!.serviceMethod, m!.response, m!.serialization], [2 ** 32 - 1, 'S', 'M', false, 3]);
    assert.deepEqual(mp.decode(m!.payload), [1, 'x']);
    assert.equal(metadataValue(m!.metadata, '__rpcx_error__'), 'E');
    assert.equal(metadataValue(m!.metadata, 'none'), undefined);
  });

  test('a declared length over the limit is refused from the 16 bytes that declare it', () => {
    const header = Buffer.alloc(16);
    header[0] = 0x08;
    header.writeUInt32BE(0xffffffff, 12);
    assert.throws(() => new RpcxDecoder(LIMIT).push(header), RpcxProtocolError);
  });

  test('a wrong magic byte, lengths that run past the message, an unknown compression: each refused', () => {
    const good = request();
    const wrongMagic = Buffer.from(good);
    wrongMagic[0] = 0x47; // "G": an HTTP request, say
    const longPath = Buffer.from(good);
    longPath.writeUInt32BE(good.length, 16);
    const compression = Buffer.from(good);
    compression[2] = 7 << 2;
    for (const bad of [wrongMagic, longPath, compression]) assert.throws(() => new RpcxDecoder(LIMIT).push(bad), RpcxProtocolError);
    const metadata = Buffer.from([0, 0, 0, 9, 1]);
    assert.throws(() => metadataValue(metadata, 'a'), RpcxProtocolError);
  });

  test('a gzipped payload inflates to at most the limit (a 10 MB bomb of 10 KB is refused)', () => {
    const bomb = gzipSync(Buffer.alloc(10 << 20));
    assert.ok(bomb.length < 20_000);
    const bytes = request({ payload: bomb });
    bytes[2] = 1 << 2;
    assert.throws(() => new RpcxDecoder(LIMIT).push(bytes), /does not inflate within/);
  });
});

describe('our rpcx server under hostile input', () => {
  let server: ServerHandle;
  let client: ClientHandle;
  before(async () => {
    const rpcx = await loadTransport('rpcx');
    server = await rpcx.serve!('rpcx://127.0.0.1:0', createService({ payloadEntries: 10, serverWorkUs: 0 }), { maxMessageBytes: LIMIT });
    client = await rpcx.connect(server.address, { maxMessageBytes: LIMIT, timeoutMs: 5000 });
  });
  after(async () => {
    await client?.close();
    await server?.close();
  });

  /** Sends `bytes` on a connection of its own: what came back before the server closed it, or `wait` passed. */
  const raw = (bytes: Buffer, wait = 500) => rawExchange(server.address, bytes, new RpcxDecoder(LIMIT), wait);

  const answered = async () => assert.equal(await client.call('fib', [20]), 6765);

  test('a wrong magic byte and a 4 GB declared length each close that connection at once; other clients are served', async () => {
    const header = Buffer.alloc(16);
    header[0] = 0x08;
    header.writeUInt32BE(0xffffffff, 12);
    for (const bad of [Buffer.from('GET / HTTP/1.1\r\n\r\n'), header]) {
      const r = await raw(bad, 2000);
      assert.ok(r.closed, 'the connection is closed');
      assert.equal(r.replies.length, 0);
      await answered();
    }
  });

  test("a heartbeat is echoed as rpcx's server echoes it; a one-way call gets no reply", async () => {
    const heartbeat = request({ servicePath: '', serviceMethod: '', payload: mp.encode(123456789) });
    heartbeat[2] = 0x40;
    const oneway = request();
    oneway[2] = 0x20;
    const r = await raw(Buffer.concat([heartbeat, oneway, request({ seq: 8 })]));
    assert.deepEqual(
      r.replies.map((m) => [m.seq, m.response, m.heartbeat, m.error]),
      [
        [7, true, true, false],
        [8, true, false, false],
      ],
    );
    assert.equal(mp.decode(r.replies[0]!.payload), 123456789);
    assert.equal(mp.decode(r.replies[1]!.payload), 55);
  });

  test('an unknown service, a serialization not served, a payload that is not MessagePack: error replies, and the next call is answered', async () => {
    const json = request({ payload: Buffer.from('10') });
    json[3] = 1 << 4;
    const r = await raw(Buffer.concat([request({ servicePath: 'Nope' }), json, request({ payload: Buffer.from([0xc1]) })]));
    const errors = r.replies.map((m) => (m.error ? metadataValue(m.metadata, '__rpcx_error__') : 'no error'));
    assert.equal(errors.length, 3);
    assert.equal(errors[0], "rpcx: can't find service Nope");
    assert.match(errors[1]!, /^TypeError: serialization 1 is not served/);
    assert.match(errors[2]!, /MessagePack|msgpack|invalid|Unexpected/i);
    await answered();
  });

  test("our client reads an error's kind from its text, and rpcx's unknown method as NameError", async () => {
    await assert.rejects(client.call('fib', [99]), (e) => e instanceof RemoteError && e.kind === 'ValueError');
    await assert.rejects(client.call('nope', []), (e) => e instanceof RemoteError && e.kind === 'NameError');
  });
});
