// Dubbo's Triple protocol as our codec reads it, and our dubbo:triple server under hostile input: a request that
// cannot be read or served is a gRPC status on its own stream (the size limit checked from the length the message's
// prefix declares, before its body is buffered), and the next call on the same connection is answered.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, test } from 'node:test';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import hessian from 'hessian.js';
import { createService, RemoteError } from '../transports/contract.ts';
import { loadTransport } from '../transports/registry.ts';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, TripleProtocolError, UnaryMessage } from '../transports/support/triple-protocol.ts';
import type { ClientHandle, ServerHandle } from '../transports/transport.ts';

const LIMIT = 1 << 20;
const PATH = '/rpcbench.Contract';
const prefixed = (body: Uint8Array, flag = 0) => {
  const out = Buffer.alloc(5 + body.length);
  out[0] = flag;
  out.writeUInt32BE(body.length, 1);
  out.set(body, 5);
  return out;
};
/** A wrapper with any serialization and raw argument bytes. */
const wrapper = (serializeType: string, args: Uint8Array[], types: string[] = []) => {
  const w = new BinaryWriter().tag(1, WireType.LengthDelimited).string(serializeType);
  for (const a of args) w.tag(2, WireType.LengthDelimited).bytes(a);
  for (const t of types) w.tag(3, WireType.LengthDelimited).string(t);
  return w.finish();
};
const hessianOf = (v: unknown) => new hessian.EncoderV2().write(v).get();

describe('the Triple codec', () => {
  test('reads back the requests and responses it writes, the message in chunks of any size', () => {
    const request = encodeRequest([{ a: 1 }, 20], ['java.util.Map', 'java.lang.Object']);
    const m = new UnaryMessage(LIMIT);
    for (const b of request) m.push(Buffer.from([b]));
    assert.deepEqual(decodeRequest(m.body()), { args: [{ a: 1 }, 20], argTypes: ['java.util.Map', 'java.lang.Object'] });
    assert.equal(decodeResponse(encodeResponse(6765, 'java.lang.Object').subarray(5)), 6765);
    assert.equal(decodeResponse(encodeResponse(undefined, 'void').subarray(5)), null);
  });

  test('a declared length over the limit, a compressed message, a second message, a cut one: refused', () => {
    const over = Buffer.from([0, 0x7f, 0xff, 0xff, 0xff]);
    assert.throws(() => new UnaryMessage(LIMIT).push(over), /exceeds the limit/);
    assert.throws(() => new UnaryMessage(LIMIT).push(prefixed(Buffer.from('x'), 1)), /compressed/);
    const one = encodeRequest([], []);
    assert.throws(() => new UnaryMessage(LIMIT).push(Buffer.concat([one, one])), /more than one message/);
    const cut = new UnaryMessage(LIMIT);
    cut.push(one.subarray(0, one.length - 1));
    assert.throws(() => cut.body(), /ended/);
  });

  test('another serialization, too many arguments, bytes that are not a wrapper or not Hessian: TripleProtocolError', () => {
    assert.throws(() => decodeRequest(wrapper('fastjson2', [])), /serialization "fastjson2" is not served here/);
    assert.throws(
      () =>
        decodeRequest(
          wrapper(
            'hessian4',
            Array.from({ length: 17 }, () => hessianOf(1)),
          ),
        ),
      /more than 16 arguments/,
    );
    assert.throws(() => decodeRequest(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])), TripleProtocolError);
    assert.throws(() => decodeRequest(wrapper('hessian4', [Buffer.from([0x55])])), /not a Hessian 2 value/);
    assert.deepEqual(decodeRequest(wrapper('hessian2', [hessianOf(5)])).args, [5], 'Dubbo also reads its SPI name of Hessian 2');
  });
});

describe('our dubbo:triple server under hostile input', () => {
  let server: ServerHandle;
  let client: ClientHandle;
  let session: http2.ClientHttp2Session;
  before(async () => {
    const transport = await loadTransport('dubbo:triple');
    server = await transport.serve!('tri://127.0.0.1:0', createService({ payloadEntries: 10, serverWorkUs: 0 }), { maxMessageBytes: LIMIT });
    client = await transport.connect(server.address, { maxMessageBytes: LIMIT, timeoutMs: 5000 });
    session = http2.connect(server.address.replace('tri:', 'http:'));
  });
  after(async () => {
    session?.destroy();
    await client?.close();
    await server?.close();
  });

  /** One stream of this test's own connection: its response headers and trailers, and how many body bytes came. */
  const exchange = (path: string, body: Buffer, headers: http2.OutgoingHttpHeaders = {}) =>
    new Promise<{ head: http2.IncomingHttpHeaders; tail: http2.IncomingHttpHeaders; bytes: number }>((resolve, reject) => {
      const s = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc+proto', te: 'trailers', ...headers });
      let head: http2.IncomingHttpHeaders = {};
      let tail: http2.IncomingHttpHeaders = {};
      let bytes = 0;
      s.on('response', (h) => (head = h));
      s.on('trailers', (t) => (tail = t));
      s.on('data', (c: Buffer) => (bytes += c.length));
      s.on('error', () => {});
      s.on('close', () => resolve({ head, tail, bytes }));
      setTimeout(() => reject(new Error(`no answer on ${path} in 5 s`)), 5000).unref();
      s.end(body);
    });
  const grpcStatus = (r: { head: http2.IncomingHttpHeaders; tail: http2.IncomingHttpHeaders }) => String(r.tail['grpc-status'] ?? r.head['grpc-status']);
  const answered = async () => {
    assert.equal(await client.call('fib', [20]), 6765);
    const r = await exchange(`${PATH}/fib`, encodeRequest([10], ['java.lang.Object']));
    assert.equal(grpcStatus(r), '0', 'the same connection is served after it');
  };

  test('a message declaring 2 GB is refused (RESOURCE_EXHAUSTED) from its prefix; the connection is served after it', async () => {
    const r = await exchange(`${PATH}/fib`, Buffer.from([0, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
    assert.equal(grpcStatus(r), '8');
    assert.match(decodeURIComponent(String(r.head['grpc-message'])), /exceeds the limit of 1048576 bytes/);
    await answered();
  });

  test('compressed, not a wrapper, not Hessian, another serialization, two messages: each a status, and the next call is answered', async () => {
    const fib = encodeRequest([10], ['java.lang.Object']);
    const cases: [Buffer, string][] = [
      [prefixed(Buffer.from('x'), 1), '12'],
      [prefixed(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])), '13'],
      [prefixed(wrapper('hessian4', [Buffer.from([0x55])])), '13'],
      [prefixed(wrapper('fastjson2', [Buffer.from('10')])), '12'],
      [Buffer.concat([fib, fib]), '13'],
      [fib.subarray(0, 7), '13'],
    ];
    for (const [body, code] of cases) {
      const r = await exchange(`${PATH}/fib`, body);
      assert.equal(grpcStatus(r), code, `${body.toString('hex').slice(0, 40)}: ${r.head['grpc-message']}`);
    }
    await answered();
  });

  test('an unknown service or method is UNIMPLEMENTED; a generic call of one is an RpcException, as Dubbo words it', async () => {
    assert.equal(grpcStatus(await exchange('/rpcbench.Nope/fib', encodeRequest([10], ['java.lang.Object']))), '12');
    assert.equal(grpcStatus(await exchange(`${PATH}/nope`, encodeRequest([], []))), '12');
    await assert.rejects(client.call('nope', [1]), (e: unknown) => e instanceof RemoteError && e.kind === 'NameError' && /No such method nope/.test(e.message));
    await answered();
  });

  test('not gRPC (a GET, a JSON body): HTTP 415, and the next call is answered', async () => {
    const r = await exchange(`${PATH}/fib`, Buffer.from('[10]'), { 'content-type': 'application/json' });
    assert.equal(r.head[':status'], 415);
    await answered();
  });

  test("a method that threw: grpc-status 0, tri-exception-code 3, and the Java exception as the response's data", async () => {
    const r = await new Promise<{ head: http2.IncomingHttpHeaders; body: Buffer }>((resolve) => {
      const s = session.request({ ':method': 'POST', ':path': `${PATH}/fib`, 'content-type': 'application/grpc+proto', te: 'trailers' });
      const chunks: Buffer[] = [];
      let head: http2.IncomingHttpHeaders = {};
      s.on('response', (h) => (head = h));
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('close', () => resolve({ head, body: Buffer.concat(chunks) }));
      s.end(encodeRequest([40], ['java.lang.Object']));
    });
    assert.equal(r.head['tri-exception-code'], '3');
    const e = decodeResponse(r.body.subarray(5)) as Error;
    assert.equal(e.name, 'java.lang.IllegalArgumentException');
    assert.match(e.message, /fib\(n\) needs an integer 0 <= n <= 35, got 40/);
  });
});
