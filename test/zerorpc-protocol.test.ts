// ZeroRPC at the frame level: raw ZeroMQ sockets play the zerorpc-python peer and check the exact frames our server
// answers and our client sends (test/interop-zerorpc.test.ts runs zerorpc-python itself).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decode, encode } from '@msgpack/msgpack';
import * as zmq from 'zeromq';
import { createService, fib, makeObj, RemoteError } from '../transports/contract.ts';
import type { ServerHandle } from '../transports/transport.ts';
import { createZerorpc, type Event } from '../transports/zerorpc.ts';

const zerorpc = createZerorpc({ heartbeatMs: 100 });
const clientOpts = { timeoutMs: 5000, maxMessageBytes: 1 << 20 };
const pyId = (n: number) => `${n.toString(16).padStart(8, '0')}-1f2e-4d3c-8b7a-0123456789ab`; // zerorpc-python's shape

async function receiveEvent(socket: zmq.Dealer): Promise<{ frames: Buffer[]; event: Event }> {
  const frames = await socket.receive();
  return { frames, event: decode(frames.at(-1)!) as Event };
}

describe('our zerorpc server, as a zerorpc-python client sees it', () => {
  let server: ServerHandle;
  let peer: zmq.Dealer;
  before(async () => {
    server = await zerorpc.serve('tcp://127.0.0.1:0', createService({ payloadEntries: 100, serverWorkUs: 0 }), { maxMessageBytes: 64 * 1024 });
    peer = new zmq.Dealer({ linger: 0, receiveTimeout: 3000 });
    peer.connect(server.address);
  });
  after(async () => {
    peer.close();
    await server.close();
  });

  async function request(name: string, args: unknown[], id: string | Uint8Array = pyId(1)) {
    await peer.send(['', encode([{ message_id: id, v: 3 }, name, args])]);
    return receiveEvent(peer);
  }

  test('OK reply: frames ["", event], header {message_id, v: 3, response_to}, args [result]', async () => {
    const { frames, event } = await request('getObj', [], pyId(7));
    assert.equal(frames.length, 2);
    assert.equal(frames[0]!.length, 0, 'empty delimiter frame');
    const [header, name, args] = event;
    assert.equal(name, 'OK');
    assert.equal(header.v, 3);
    assert.equal(header.response_to, pyId(7));
    assert.equal(typeof header.message_id, 'string');
    assert.notEqual(header.message_id, pyId(7));
    assert.deepEqual(args, [makeObj('server', 100)]);
  });

  test('sendObj and fib', async () => {
    assert.deepEqual((await request('sendObj', [makeObj('client', 100)])).event.slice(1), ['OK', [null]]);
    assert.deepEqual((await request('fib', [20])).event.slice(1), ['OK', [fib(20)]]);
  });

  test('ERR [name, message, traceback] for a bad n and an unknown method', async () => {
    const bad = (await request('fib', [99])).event;
    assert.equal(bad[1], 'ERR');
    assert.equal(bad[2][0], 'ValueError');
    assert.match(String(bad[2][1]), /0 <= n <= 35/);
    assert.equal(typeof bad[2][2], 'string');
    const unknown = (await request('nope', [])).event;
    assert.deepEqual([unknown[1], unknown[2][0]], ['ERR', 'NameError']);
  });

  test('a bytes message_id comes back as bytes (echoed with its own type)', async () => {
    const id = new Uint8Array([1, 2, 3, 250]);
    const { event } = await request('fib', [3], id);
    assert.deepEqual(new Uint8Array(event[0].response_to as Uint8Array), id);
  });

  test('heartbeats and _zpc_more on no open channel are ignored; the server keeps serving', async () => {
    await peer.send(['', encode([{ message_id: pyId(90), v: 3, response_to: pyId(89) }, '_zpc_hb', [0]])]);
    await peer.send(['', encode([{ message_id: pyId(91), v: 3, response_to: pyId(89) }, '_zpc_more', [10]])]);
    assert.deepEqual((await request('fib', [10], pyId(92))).event.slice(1), ['OK', [55]]);
  });

  test('a malformed message is dropped with a log line and the server keeps serving', async (t) => {
    const log = t.mock.method(console, 'error', () => {});
    await peer.send(['', Buffer.from([0xc1, 0xff, 0x00])]); // 0xc1 is never valid msgpack
    await peer.send(['', encode({ not: 'an event' })]);
    await peer.send(['', encode([{ message_id: pyId(93), v: 3 }, 'fib', 'not-an-array'])]);
    assert.deepEqual((await request('fib', [12], pyId(94))).event.slice(1), ['OK', [144]]);
    const lines = log.mock.calls.map((c) => String(c.arguments[0]));
    assert.equal(lines.length, 3, JSON.stringify(lines));
    assert.ok(
      lines.every((l) => /^zerorpc: dropping malformed message: /.test(l)),
      JSON.stringify(lines),
    );
  });

  test('a message over the size limit is refused by ZeroMQ itself (the peer is dropped), and other clients are still served', async () => {
    const big = new zmq.Dealer({ linger: 0, receiveTimeout: 500 });
    // ZeroMQ's maxMessageSize closes the connection of a peer that sends more; our own decoder limit never drops a peer
    const dropped = new Promise<boolean>((resolve) => {
      big.events.on('disconnect', () => resolve(true));
      setTimeout(() => resolve(false), 3000);
    });
    big.connect(server.address);
    await big.send(['', encode([{ message_id: pyId(95), v: 3 }, 'sendObj', ['x'.repeat(70_000)]])]);
    assert.equal(await dropped, true, 'the oversized peer was not disconnected');
    await assert.rejects(big.receive(), /timed out|EAGAIN/i);
    big.close();
    assert.deepEqual((await request('fib', [5], pyId(96))).event.slice(1), ['OK', [5]]);
  });
});

describe('our zerorpc client, as a zerorpc-python server sees it', () => {
  let router: zmq.Router;
  let address: string;
  before(async () => {
    router = new zmq.Router({ linger: 0 });
    await router.bind('tcp://127.0.0.1:*');
    address = router.lastEndpoint!;
  });
  after(() => router.close());

  const nextRequest = async () => {
    const frames = await router.receive();
    return { route: frames.slice(0, -2), delimiter: frames.at(-2)!, event: decode(frames.at(-1)!) as Event };
  };
  const reply = (route: Buffer[], to: unknown, name: string, args: unknown[]) =>
    router.send([...route, '', encode([{ message_id: pyId(500), v: 3, response_to: to }, name, args])]);

  test('requests are [header {message_id: str, v: 3}, name, args] with the contract argument layout', async () => {
    const client = await zerorpc.connect(address, clientOpts);
    try {
      const calls = [client.call('getObj', []), client.call('sendObj', [makeObj('client', 100)]), client.call('fib', [20])];
      const seen = [];
      for (let i = 0; i < 3; i++) {
        const { route, delimiter, event } = await nextRequest();
        assert.equal(delimiter.length, 0);
        const [header, name, args] = event;
        assert.equal(header.v, 3);
        assert.match(String(header.message_id), /^[0-9a-f]{8}-[0-9a-f-]{27}$/);
        assert.equal(header.response_to, undefined);
        seen.push([name, args]);
        await reply(route, header.message_id, 'OK', [name === 'fib' ? 6765 : name === 'getObj' ? makeObj('server', 100) : null]);
      }
      assert.deepEqual(seen, [
        ['getObj', []],
        ['sendObj', [makeObj('client', 100)]],
        ['fib', [20]],
      ]);
      assert.deepEqual(await Promise.all(calls), [makeObj('server', 100), null, 6765]);
    } finally {
      await client.close();
    }
  });

  test('a slow call gets _zpc_hb [0] on its channel; server heartbeats and _zpc_more are ignored; ERR becomes RemoteError', async () => {
    // its own server socket: nothing another test left in a shared one can be mistaken for a heartbeat
    const own = new zmq.Router({ linger: 0 });
    await own.bind('tcp://127.0.0.1:*');
    const next = async () => {
      const frames = await own.receive();
      return { route: frames.slice(0, -2), event: decode(frames.at(-1)!) as Event };
    };
    const answer = (route: Buffer[], to: unknown, name: string, args: unknown[]) =>
      own.send([...route, '', encode([{ message_id: pyId(501), v: 3, response_to: to }, name, args])]);
    const client = await zerorpc.connect(own.lastEndpoint!, clientOpts);
    try {
      const call = client.call('fib', [35]);
      const { route, event } = await next();
      const id = event[0].message_id;
      const hb = await next(); // after one 100 ms interval
      assert.deepEqual([hb.event[0].response_to, hb.event[1], hb.event[2]], [id, '_zpc_hb', [0]]);
      assert.notEqual(hb.event[0].message_id, id);
      await answer(route, id, '_zpc_hb', [0]);
      await answer(route, id, '_zpc_more', [1]);
      await answer(route, id, 'ERR', ['ValueError', 'too slow', 'Traceback ...']);
      await assert.rejects(call, (e: unknown) => e instanceof RemoteError && e.kind === 'ValueError' && /too slow/.test(e.message));
    } finally {
      await client.close();
      own.close();
    }
  });
});

test('server heartbeats a call that outlasts an interval (long server work is sliced)', async () => {
  const server = await zerorpc.serve('tcp://127.0.0.1:0', createService({ payloadEntries: 100, serverWorkUs: 350_000 }), { maxMessageBytes: 1 << 20 });
  const peer = new zmq.Dealer({ linger: 0, receiveTimeout: 3000 });
  peer.connect(server.address);
  try {
    await peer.send(['', encode([{ message_id: pyId(700), v: 3 }, 'fib', [1]])]);
    const names: string[] = [];
    for (;;) {
      const { event } = await receiveEvent(peer);
      assert.equal(event[0].response_to, pyId(700));
      names.push(event[1]);
      if (event[1] !== '_zpc_hb') break;
    }
    assert.ok(names.length >= 2 && names.at(-1) === 'OK', names.join(','));
  } finally {
    peer.close();
    await server.close();
  }
});

test('connecting where no ZeroRPC server listens is a clear error, not a hang', async () => {
  await assert.rejects(zerorpc.connect('tcp://127.0.0.1:9', { timeoutMs: 300, maxMessageBytes: 1024 }), /no ZeroRPC server answers at tcp:\/\/127.0.0.1:9/);
});
