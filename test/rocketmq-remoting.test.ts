// RocketMQ's remoting protocol as support/rocketmq-remoting.ts reads and writes it, on frames and messages built here
// byte by byte from RocketMQ's own layout (RemotingCommand, MessageDecoder): the broker's side is tested against the
// real broker elsewhere (transports.test.ts, interop-rocketmq.test.ts, hostile.test.ts).
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { FrameDecoder } from '../transports/support/framing.ts';
import {
  type Command,
  decodeCommand,
  decodeMessages,
  decodeProperties,
  encodeCommand,
  encodeProperties,
  lenientJson,
  RemotingConnection,
} from '../transports/support/rocketmq-remoting.ts';

/** A stored message as MessageDecoder.encode lays it out (magic V1: a 1-byte topic length; V2: 2 bytes). */
function message(o: { body: Buffer; topic: string; props: Record<string, string>; sysFlag?: number; v2?: boolean; offset?: bigint }): Buffer {
  const sysFlag = o.sysFlag ?? 0;
  const host = (v6: boolean) => Buffer.concat([Buffer.alloc(v6 ? 16 : 4, 1), Buffer.from([0, 0, 0x27, 0x0f])]);
  const topic = Buffer.from(o.topic);
  const props = Buffer.from(encodeProperties(o.props));
  const int = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  const long = (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(n);
    return b;
  };
  const parts = [
    Buffer.alloc(4), // total size, filled below
    int(o.v2 ? -626843477 : -626843481),
    int(0), // body CRC
    int(0), // queue id
    int(0), // flag
    long(o.offset ?? 7n),
    long(123n), // physical offset
    int(sysFlag),
    long(1n), // born timestamp
    host((sysFlag & 0x10) !== 0),
    long(2n), // store timestamp
    host((sysFlag & 0x20) !== 0),
    int(0), // reconsume times
    long(0n), // prepared transaction offset
    int(o.body.length),
    o.body,
    o.v2 ? Buffer.from([topic.length >> 8, topic.length & 255]) : Buffer.from([topic.length]),
    topic,
    Buffer.from([props.length >> 8, props.length & 255]),
    props,
  ];
  const m = Buffer.concat(parts);
  m.writeInt32BE(m.length, 0);
  return m;
}

describe('rocketmq remoting: frames, headers, properties and stored messages', () => {
  test('a command survives its own encoding, length and serialization word as RemotingCommand writes them', () => {
    const frame = encodeCommand({ code: 10, opaque: 42, flag: 0, extFields: { topic: 't', queueId: '0' }, body: Buffer.from('hi') });
    assert.equal(frame.readUInt32BE(0), frame.length - 4);
    const headerLength = frame.readUInt32BE(4);
    assert.equal(headerLength >>> 24, 0, 'JSON');
    assert.deepEqual(JSON.parse(frame.toString('utf8', 8, 8 + headerLength)).extFields, { topic: 't', queueId: '0' });
    const back = decodeCommand(frame.subarray(4));
    assert.deepEqual([back.code, back.opaque, back.flag, back.extFields, back.body?.toString()], [10, 42, 0, { topic: 't', queueId: '0' }, 'hi']);
  });

  test('a frame that is not a command is refused: a header longer than the frame, another serialization, no code', () => {
    const header = (text: string, word?: number) => {
      const h = Buffer.from(text);
      const f = Buffer.alloc(4 + h.length);
      f.writeUInt32BE(word ?? h.length, 0);
      h.copy(f, 4);
      return f;
    };
    assert.throws(() => decodeCommand(header('{"code":0,"opaque":1}', 1000)), /a header of 1000 bytes/);
    assert.throws(() => decodeCommand(header('{}', (1 << 24) | 2)), /serialization 1/);
    assert.throws(() => decodeCommand(header('{"opaque":1}')), /without code/);
    assert.throws(() => decodeCommand(Buffer.alloc(2)), /a frame of 2 bytes/);
  });

  test("fastjson's integer map keys are read, and text that only looks like one inside a string is left alone", () => {
    const route = '{"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:10911",1:"h:2"},"brokerName":"b"}],"note":"{0:x,1:y}"}';
    assert.deepEqual(lenientJson(route), { brokerDatas: [{ brokerAddrs: { '0': '127.0.0.1:10911', '1': 'h:2' }, brokerName: 'b' }], note: '{0:x,1:y}' });
    assert.deepEqual(lenientJson('{"a":"\\"{0:"}'), { a: '"{0:' });
  });

  test('properties: name \\u0001 value \\u0002, both ways; a pair without a name is ignored', () => {
    const props = { CORRELATION_ID: 'c-1', REPLY_TO_CLIENT: '10.0.0.1@123#456', TTL: '3000' };
    assert.deepEqual(Object.fromEntries(decodeProperties(encodeProperties(props))), props);
    assert.deepEqual(Object.fromEntries(decodeProperties('\u0001x\u0002A\u0001b\u0002')), { A: 'b' });
  });

  test('stored messages: V1 and V2 layouts, IPv6 hosts, zlib bodies, and a body that would inflate past the limit', () => {
    const props = { CORRELATION_ID: 'c' };
    const body = Buffer.from('{"method":"fib","args":[1]}');
    const all = Buffer.concat([
      message({ body, topic: 't', props, offset: 5n }),
      message({ body, topic: 'x'.repeat(300), props, v2: true, sysFlag: 0x10 | 0x20 }),
      message({ body: deflateSync(body), topic: 't', props, sysFlag: 0x1 }),
      message({ body: deflateSync(Buffer.alloc(1 << 20)), topic: 't', props, sysFlag: 0x1, offset: 9n }),
      message({ body, topic: 't', props, sysFlag: 0x1 | (0x2 << 8) }),
    ]);
    const [a, b, c, d, e] = decodeMessages(all, 64 * 1024);
    assert.ok(a && 'body' in a && a.body.equals(body) && a.topic === 't' && a.queueOffset === 5n && a.properties.get('CORRELATION_ID') === 'c');
    assert.ok(b && 'body' in b && b.body.equals(body) && b.topic.length === 300);
    assert.ok(c && 'body' in c && c.body.equals(body));
    assert.ok(d && 'error' in d && /does not inflate within 65536 bytes/.test(d.error) && d.queueOffset === 9n, d && 'error' in d ? d.error : 'inflated');
    assert.ok(e && 'error' in e && /type 2, not zlib/.test(e.error));
  });

  test('a message cut short, or with a wrong magic code, throws instead of reading past it', () => {
    const m = message({ body: Buffer.from('x'), topic: 't', props: {} });
    assert.throws(() => decodeMessages(m.subarray(0, m.length - 3), 1024), /a message of \d+ bytes/);
    const bad = Buffer.from(m);
    bad.writeInt32BE(1, 4);
    assert.throws(() => decodeMessages(bad, 1024), /magic code 1/);
  });

  test('a connection matches responses to requests by opaque, answers a pushed request, and keeps every deadline', async () => {
    const frames = new FrameDecoder(1 << 20);
    let pushedAck: Command | undefined;
    const server = net.createServer((socket) => {
      socket.on('data', (chunk) => {
        for (const frame of frames.push(chunk)) {
          const c = decodeCommand(frame);
          if (c.flag & 1)
            pushedAck = c; // our answer to the push below
          else if (c.code === 1) {
            // answered after a push of the broker's own: the client answers that first
            socket.write(encodeCommand({ code: 326, opaque: 900, flag: 0, extFields: { properties: 'CORRELATION_ID\u0001x\u0002' } }));
            socket.write(encodeCommand({ code: 0, opaque: c.opaque, flag: 1, extFields: { echo: c.extFields.n! } }));
          } // code 2: never answered
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    const pushed: Command[] = [];
    const c = await RemotingConnection.open({
      host: '127.0.0.1',
      port,
      timeoutMs: 300,
      maxFrameBytes: 1 << 20,
      onRequest: (r) => {
        pushed.push(r);
        return { code: 0 };
      },
    });
    try {
      const answers = await Promise.all([1, 2, 3].map((n) => c.call(1, { n }, `request ${n}`)));
      assert.deepEqual(
        answers.map((a) => a.extFields.echo),
        ['1', '2', '3'],
      );
      assert.equal(pushed.length, 3);
      const started = performance.now();
      await assert.rejects(c.call(2, {}, 'the unanswered one'), /the unanswered one timed out after 300 ms/);
      const took = performance.now() - started;
      assert.ok(took >= 290 && took < 300 + 500, `took ${took.toFixed(0)} ms`); // the sweep runs every 75 ms here
      // each push was answered, as a response with the push's opaque (the broker waits for it)
      assert.ok(pushedAck && pushedAck.opaque === 900 && pushedAck.code === 0, JSON.stringify(pushedAck));
    } finally {
      c.close();
      server.close();
    }
  });
});
