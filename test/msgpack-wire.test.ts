// MessagePack on the wire is unchanged byte for byte by the switch of decoder: the bytes below were written by the
// release before it (rpcbench 4f02422, @msgpack/msgpack's encoder), and both ways must still match them exactly.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { fib, makeObj } from '../transports/contract.ts';
import { messageCodec } from '../transports/support/msgpack.ts';
import { tcp } from '../transports/tcp.ts';

const GOLDEN: Record<string, string> = {
  'tcp request getObj': '9307a66765744f626a90',
  'tcp request sendObj': '9308a773656e644f626a9183a8636c69656e743a3000a8636c69656e743a3101a8636c69656e743a3202',
  'tcp request fib': '9309a36669629114',
  'tcp reply getObj': '9307c083a87365727665723a3000a87365727665723a3101a87365727665723a3202',
  'tcp reply sendObj': '9308c0c0',
  'tcp reply fib': '9309c0cd1a6d',
  'tcp reply error': '930992aa56616c75654572726f72d92c666962286e29206e6565647320616e20696e74656765722030203c3d206e203c3d2033352c20676f74203939c0',
  'zerorpc request': '9382aa6d6573736167655f6964d92430303030303030612d316632652d346433632d386237612d303132333435363738396162a17603a36669629114',
  'zerorpc reply':
    '9383aa6d6573736167655f6964d92430303030303030622d316632652d346433632d386237612d303132333435363738396162a17603ab726573706f6e73655f746fd92430303030303030612d316632652d346433632d386237612d303132333435363738396162a24f4b91cd1a6d',
  'zerorpc bytes id': '9382aa6d6573736167655f6964c4030102faa17603a75f7a70635f68629100',
  numbers: '9a00ff7fcc80d0dfce00010000cf0000000100000000d3ffffff0000000000cb3ff8000000000000cb4340000000000000',
};

const VALUES: Record<string, unknown> = {
  'tcp request getObj': [7, 'getObj', []],
  'tcp request sendObj': [8, 'sendObj', [makeObj('client', 3)]],
  'tcp request fib': [9, 'fib', [20]],
  'tcp reply getObj': [7, null, makeObj('server', 3)],
  'tcp reply sendObj': [8, null, null],
  'tcp reply fib': [9, null, fib(20)],
  'tcp reply error': [9, ['ValueError', 'fib(n) needs an integer 0 <= n <= 35, got 99'], null],
  'zerorpc request': [{ message_id: '0000000a-1f2e-4d3c-8b7a-0123456789ab', v: 3 }, 'fib', [20]],
  'zerorpc reply': [{ message_id: '0000000b-1f2e-4d3c-8b7a-0123456789ab', v: 3, response_to: '0000000a-1f2e-4d3c-8b7a-0123456789ab' }, 'OK', [6765]],
  'zerorpc bytes id': [{ message_id: new Uint8Array([1, 2, 250]), v: 3 }, '_zpc_hb', [0]],
  numbers: [0, -1, 127, 128, -33, 65536, 2 ** 32, -(2 ** 40), 1.5, 2 ** 53],
};

/** Binary decodes as a Buffer (a Uint8Array): compared as plain bytes. */
const plain = (v: unknown): unknown =>
  v instanceof Uint8Array
    ? [...v]
    : Array.isArray(v)
      ? v.map(plain)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
        : v;

test('every message encodes to the bytes the previous release wrote, and decodes back to its value', () => {
  const mp = messageCodec(1 << 20);
  for (const [name, value] of Object.entries(VALUES)) {
    assert.equal(Buffer.from(mp.encode(value)).toString('hex'), GOLDEN[name], name);
    assert.deepStrictEqual(plain(mp.decode(Buffer.from(GOLDEN[name]!, 'hex'))), plain(value), name);
  }
});

test('the tcp client puts exactly those bytes on the wire, behind a 4-byte big-endian length', async () => {
  const received: Buffer[] = [];
  const server = net.createServer((s) => s.on('data', (c) => received.push(c)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = await tcp.connect(`tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`, { timeoutMs: 200, maxMessageBytes: 1 << 20 });
  void client.call('fib', [20]).catch(() => {});
  await new Promise((r) => setTimeout(r, 100));
  await client.close();
  server.close();
  const body = GOLDEN['tcp request fib']!.replace(/^9309/, '9300'); // the first call's id is 0
  assert.equal(Buffer.concat(received).toString('hex'), (body.length / 2).toString(16).padStart(8, '0') + body);
});
