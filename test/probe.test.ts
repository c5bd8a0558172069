// The reliability probe's findings (issue 23), each a test that failed before its fix: one hostile request or one
// client that never reads must not stop a server or starve its other clients, and no acknowledged request is lost.
// Every server here is a real `rpcbench serve` process this test starts, on the shared brokers under its own names.
// Finding 10 (a kill -9 leaves nothing on the broker) is in brokers.test.ts: it measures nothing, so it runs beside others.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import path from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { Redis } from 'ioredis';
import mqtt from 'mqtt';
import { fib, makeObj, type RemoteError } from '../transports/contract.ts';
import { mqttBroker } from '../transports/mqtt.ts';
import { natsBroker } from '../transports/nats.ts';
import { redisBroker } from '../transports/redis.ts';
import { loadTransport } from '../transports/registry.ts';
import type { ClientHandle } from '../transports/transport.ts';
import { eventually, idle, isAlive, killHard, ROOT, rssMb, spawnCli, startPeer, stopPeer, tempDir } from './helpers.ts';
import { broker } from './require.ts';

const opts = { timeoutMs: 5000, maxMessageBytes: 4 << 20 };
const unique = (what: string) => `${what}-${process.pid}-${Date.now()}`;
const [nats, redis, mosquitto] = await Promise.all([broker(natsBroker, 'NATS'), broker(redisBroker, 'Redis'), broker(mqttBroker, 'Mosquitto')]);

/** `rpcbench serve`, as a user runs it; stopped after the test whatever happens. */
async function serve(t: TestContext, transport: string, listen: string, ...args: string[]) {
  const peer = await startPeer(
    process.execPath,
    ['bin/rpcbench.mjs', 'serve', '--transport', transport, '--listen', listen, ...args],
    /listening (\S+)/,
    30_000,
  );
  t.after(() => stopPeer(peer.proc));
  return { ...peer, address: peer.match[1]!, pid: peer.proc.pid! };
}

/** The highest resident memory of `pid`, in MB, while `during` runs (sampled every 20 ms). */
async function peakRssMb(pid: number, during: () => Promise<unknown>): Promise<number> {
  let peak = rssMb(pid);
  const timer = setInterval(() => {
    if (isAlive(pid)) peak = Math.max(peak, rssMb(pid));
  }, 20);
  try {
    await during();
  } finally {
    clearInterval(timer);
  }
  return peak;
}

async function client(t: TestContext, transport: string, address: string, options = opts): Promise<ClientHandle> {
  const c = await (await loadTransport(transport)).connect(address, options);
  t.after(() => c.close());
  return c;
}

/** `calls` getObj calls, one after another, each within the 5 s deadline: what a bystander client sees. */
async function bystander(c: ClientHandle, calls: number): Promise<void> {
  for (let i = 0; i < calls; i++) assert.deepEqual(await c.call('getObj', []), makeObj('server', 100));
}

describe('finding 1, nats: a request whose error reply would be over max_payload', { skip: nats.skip, timeout: 60_000 }, () => {
  test('gets a ValueError, and serve keeps serving', async (t) => {
    const server = await serve(t, 'nats', `${nats.url}?subject=${unique('rpcbench.probe')}`);
    const c = await client(t, 'nats', server.address);
    // 262,200 quote characters: 525 KB as JSON, and the error once quoted it whole, twice over NATS's 1 MB limit
    await assert.rejects(c.call('fib', ['"'.repeat(262_200)]), (e: RemoteError) => e.kind === 'ValueError' && e.message.length < 200);
    assert.equal(await c.call('fib', [20]), fib(20));
    assert.ok(isAlive(server.pid));
  });
});

describe('finding 2, mqtt: a request whose Response Topic is a wildcard', { skip: mosquitto.skip, timeout: 60_000 }, () => {
  test('is dropped with a log line, and serve keeps serving', async (t) => {
    const topic = `rpcbench/${unique('probe')}`;
    const server = await serve(t, 'mqtt', `${mosquitto.url}?topic=${topic}`);
    const attacker = await mqtt.connectAsync(mosquitto.url, { protocolVersion: 5, reconnectPeriod: 0 });
    try {
      for (const responseTopic of ['rpcbench/#', 'rpcbench/+/x', '$SYS/x']) {
        await attacker.publishAsync(topic, JSON.stringify({ method: 'fib', args: [1] }), {
          qos: 1,
          properties: { responseTopic, correlationData: Buffer.from('1') },
        });
      }
    } finally {
      await attacker.endAsync();
    }
    assert.ok(await eventually(() => (server.output().match(/mqtt: dropping .*Response Topic/g) ?? []).length === 3, 5000), server.output());
    assert.equal(await (await client(t, 'mqtt', server.address)).call('fib', [20]), fib(20));
    assert.ok(isAlive(server.pid));
  });
});

describe('finding 3, redis: requests over the size limit are never read whole', { skip: redis.skip, timeout: 120_000 }, () => {
  for (const transport of ['redis', 'redis:streams']) {
    test(`${transport}: ten 20 MB requests leave the server's memory as it was, and it keeps serving`, async (t) => {
      const queue = `rpcbench:${unique('probe')}:${transport}`;
      const server = await serve(t, transport, `${redis.url}?queue=${queue}`);
      const r = new Redis(redis.url);
      t.after(async () => {
        await r.del(queue); // 200 MB on the shared Redis, whatever happened
        await r.quit();
      });
      const before = rssMb(server.pid);
      const huge = `{"id":"x","reply_to":"rpcbench:probe:nobody","method":"fib","args":["${'x'.repeat(20 << 20)}"]}`;
      const peak = await peakRssMb(server.pid, async () => {
        const batch = r.multi(); // all ten in the queue at once, as a server that was busy would find them
        for (let i = 0; i < 10; i++) {
          if (transport === 'redis') batch.lpush(queue, huge);
          else batch.xadd(queue, '*', 'request', huge);
        }
        await batch.exec();
        assert.ok(await eventually(() => (server.output().match(/exceeds the limit/g) ?? []).length === 10, 30_000), server.output());
      });
      // before: read in one batch, 200 MB and more; now at most one (an idle server's wait reads one natively)
      t.diagnostic(`grew by ${(peak - before).toFixed(0)} MB (bound 80 MB)`);
      assert.ok(peak - before < 80, `the server grew from ${before.toFixed(0)} to ${peak.toFixed(0)} MB`);
      assert.equal(await (await client(t, transport, server.address)).call('fib', [20]), fib(20));
    });
  }
});

describe('finding 4, redis:streams: a server killed with -9 and restarted at once', { skip: redis.skip, timeout: 120_000 }, () => {
  test('every request XADDed is answered (the new server reclaims what the dead one held)', async (t) => {
    const queue = `rpcbench:${unique('probe')}:streams`;
    const listen = `${redis.url}?queue=${queue}`;
    // 20 ms a call: the first server holds a batch it will never answer when it is killed
    const first = await startPeer(
      process.execPath,
      ['bin/rpcbench.mjs', 'serve', '--transport', 'redis:streams', '--listen', listen, '--server-work-us', '20000'],
      /listening/,
    );
    t.after(() => killHard(first.proc.pid));
    const c = await client(t, 'redis:streams', listen, { timeoutMs: 60_000, maxMessageBytes: 1 << 20 });
    const calls = Array.from({ length: 200 }, (_, i) => c.call('fib', [i % 20]));
    await new Promise((r) => setTimeout(r, 300));
    killHard(first.proc.pid);
    await serve(t, 'redis:streams', listen); // at once: the entries the first held are not yet idle for 10 s
    const answers = await Promise.all(calls);
    assert.deepEqual(
      answers,
      Array.from({ length: 200 }, (_, i) => fib(i % 20)),
    );
    const r = new Redis(redis.url);
    try {
      assert.equal(((await r.xpending(queue, 'rpcbench')) as [number])[0], 0, 'nothing left pending');
    } finally {
      await r.del(queue);
      r.disconnect();
    }
  });
});

/**
 * A client that opens `streams` GetObj streams on one connection and never takes a reply (a receive window of 0).
 * `held()`: its streams the server has taken and not ended (their response headers came; flow control holds the
 * rest); `cancelled()`: those the server ended with CANCEL.
 */
async function neverReading(address: string, streams: number) {
  const session = http2.connect(address.replace('grpc://', 'http://'), { settings: { initialWindowSize: 0 } });
  session.on('error', () => {});
  const all: http2.ClientHttp2Stream[] = [];
  const answered = new WeakSet<http2.ClientHttp2Stream>(); // its response headers came: the server took it
  const body = Buffer.alloc(5); // an empty protobuf message behind the 5-byte gRPC prefix
  for (let i = 0; i < streams && !session.destroyed; i++) {
    const s = session.request({ ':method': 'POST', ':path': '/rpcbench.Rpcbench/GetObj', 'content-type': 'application/grpc', te: 'trailers' });
    s.on('error', () => {});
    s.once('response', () => answered.add(s));
    s.end(body);
    all.push(s);
    if (i % 500 === 499) await new Promise((r) => setImmediate(r));
  }
  return {
    stop: () => session.destroy(),
    held: () => all.filter((s) => answered.has(s) && !s.closed).length,
    cancelled: () => all.filter((s) => s.closed && s.rstCode === http2.constants.NGHTTP2_CANCEL).length,
  };
}

describe('finding 5, grpc: a connection that opens streams fast and never reads', { timeout: 120_000 }, () => {
  for (const transport of ['grpc', 'grpc:connect']) {
    test(`${transport}: bounded memory, and other clients keep their deadlines`, async (t) => {
      const server = await serve(t, transport, 'grpc://127.0.0.1:0');
      const before = rssMb(server.pid);
      const c = await client(t, transport, server.address);
      const peak = await peakRssMb(server.pid, async () => {
        const attacker = await neverReading(server.address, 40_000);
        try {
          await bystander(c, 50);
        } finally {
          attacker.stop();
        }
      });
      t.diagnostic(`grew by ${(peak - before).toFixed(0)} MB (bound 100 MB)`);
      assert.ok(peak - before < 100, `the server grew from ${before.toFixed(0)} to ${peak.toFixed(0)} MB`);
      await bystander(c, 5);
    });
  }
});

describe('finding 5, grpc: a hundred connections that open streams and never read', { timeout: 180_000 }, () => {
  for (const transport of ['grpc', 'grpc:connect']) {
    test(`${transport}: the server's streams are bounded, the stalled ones cancelled after 10 s, and other clients keep their deadlines`, async (t) => {
      const server = await serve(t, transport, 'grpc://127.0.0.1:0');
      const c = await client(t, transport, server.address);
      await bystander(c, 5);
      const before = rssMb(server.pid);
      const wave = async (connections: number, awaitCancel = true) => {
        const attackers = await Promise.all(Array.from({ length: connections }, () => neverReading(server.address, 300)));
        const sum = (count: (a: (typeof attackers)[number]) => number) => attackers.reduce((n, a) => n + count(a), 0);
        let most = 0;
        const sampler = setInterval(
          () =>
            (most = Math.max(
              most,
              sum((a) => a.held()),
            )),
          100,
        );
        try {
          // a connection gets its fair share of the server's streams, so another client still gets its calls through
          await bystander(c, 50);
          // the server cancels the streams it holds for a client that does not read, after 10 s without progress
          if (awaitCancel) assert.ok(await eventually(() => sum((a) => a.cancelled()) > 0, 30_000, 200), 'no held stream was cancelled');
          // and it never holds more than its 1,024 streams and a share for each connection at once, refusing the others
          assert.ok(most <= 2 * 1024 + connections + 1, `${most} streams held at once`);
        } finally {
          clearInterval(sampler);
          for (const a of attackers) a.stop();
        }
        return most;
      };
      // before: 100 connections of 300 streams took grpc up by 338 MB and grpc:connect by 481 MB within 8 s, more the
      // longer they stayed (1.36 GB), and more with every connection (400: 1.51 GB); now about 55 and 105 MB, so
      // 200 MB is the bound, with headroom
      let most = 0;
      const first = await peakRssMb(server.pid, async () => (most = await wave(100)));
      t.diagnostic(`at most ${most} streams held at once`);
      t.diagnostic(`100 connections: grew by ${(first - before).toFixed(0)} MB (bound 200 MB)`);
      assert.ok(first - before < 200, `the server grew from ${before.toFixed(0)} to ${first.toFixed(0)} MB`);
      // a second wave as the first goes: its connections come while the first's close, one by one, each with the
      // larger share of fewer connections (before the hard cap, Connect held 4,009 streams at once so)
      t.diagnostic(`a second wave at once: at most ${await wave(100, false)} streams held`);
      // and serves when they are gone: once it has closed their 200 connections (Connect took 1-3 s of CPU for that)
      assert.ok(await idle(server.pid), 'the server kept working after the attackers left');
      await bystander(c, 5);
    });
  }
});

/** A framed Thrift getObj call in the transport's protocol (its codec writes the frame's length too). */
async function thriftGetObj(transport: string): Promise<Buffer> {
  const frame = Buffer.from((await loadTransport(transport)).codec!.encodeRequest('getObj', []) as Uint8Array);
  assert.equal(frame.readUInt32BE(0), frame.length - 4, 'a framed message');
  return frame;
}

describe('finding 6, thrift: clients that pipeline 5 MB of calls each and never read', { timeout: 180_000 }, () => {
  for (const [transport, attackers] of [
    ['thrift:binary', 1],
    ['thrift:compact', 1],
    ['thrift:binary', 20], // before: twenty took binary to 503 MB, and other clients' calls timed out
    ['thrift:compact', 20],
  ] as const) {
    test(`${transport}, ${attackers} such client(s): other clients keep their deadlines, the server stops working for them, bounded memory`, async (t) => {
      const server = await serve(t, transport, 'tcp://127.0.0.1:0');
      const { hostname, port } = new URL(server.address);
      const c = await client(t, transport, server.address);
      const call = await thriftGetObj(transport);
      const before = rssMb(server.pid);
      const copies = Math.ceil((5 << 20) / call.length);
      const calls = Buffer.concat(Array.from({ length: copies }, () => call));
      const peak = await peakRssMb(server.pid, async () => {
        const sockets = await Promise.all(
          Array.from({ length: attackers }, async () => {
            const attacker = net.connect({ host: hostname, port: Number(port) });
            attacker.on('error', () => {}); // the server may cut it off: it is a reader that will not read
            attacker.pause(); // never reads a reply
            await new Promise((r) => attacker.once('connect', r));
            attacker.write(calls);
            return attacker;
          }),
        );
        try {
          await new Promise((r) => setTimeout(r, 500));
          await bystander(c, 50);
          // and it stops working for a client that does not read: before, it answered all 5 MB (11 s of CPU
          // for binary, more than a minute for compact) into a growing buffer
          // twenty such clients take longer: each connection's socket buffers hold replies before its own limit shows
          const started = performance.now();
          assert.ok(await idle(server.pid, attackers === 1 ? 8000 : 60_000), 'the server kept working for the clients that never read');
          t.diagnostic(`idle for them ${((performance.now() - started) / 1000).toFixed(1)} s after the other client's calls`);
        } finally {
          for (const s of sockets) s.destroy();
        }
      });
      // what the server holds for them: 32 MiB of frames waiting over all connections, and about 2 MB of replies each
      // (1 MB unsent, and the calls in flight); measured +17-19 MB for one, +94-108 MB for twenty (a Buffer for each
      // waiting frame made that 274-381 MB); the bounds are twice that or more
      const bound = attackers === 1 ? 100 : 200;
      t.diagnostic(`grew by ${(peak - before).toFixed(0)} MB (bound ${bound} MB)`);
      assert.ok(peak - before < bound, `the server grew from ${before.toFixed(0)} to ${peak.toFixed(0)} MB`);
      await bystander(c, 5);
    });
  }
});

describe('finding 12, http: a 50 MB body', { timeout: 60_000 }, () => {
  for (const [transport, path] of [
    ['http', '/rpc/fib'],
    ['xmlrpc', ''],
    ['hessian', ''],
  ] as const) {
    test(`${transport}: gets its 413, not a reset`, async (t) => {
      const server = await serve(t, transport, 'http://127.0.0.1:0');
      const url = `${server.address.replace(/\/$/, '')}${path}`;
      const r = await fetch(url, { method: 'POST', body: new Uint8Array(50 << 20), headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(r.status, 413);
      await r.arrayBuffer();
      assert.ok(isAlive(server.pid));
    });
  }
});

describe("finding 13, the docs' --target xmlrpc example: Python's single-threaded server", { timeout: 60_000 }, () => {
  test('64 calls in flight end with no call timed out (its listen backlog of 5 dropped connections: 51 timed out)', async () => {
    const peer = await startPeer('/usr/bin/python3', [path.join(ROOT, 'test/fixtures/xmlrpc_server.py')], /listening (\S+)/);
    try {
      const out = tempDir();
      const args = [
        '--target',
        `xmlrpc=${peer.match[1]}`,
        '--calls',
        'getObj',
        '--scenarios',
        'throughput',
        '--concurrency',
        '64',
        '--duration',
        '2s',
        '--out',
        out,
      ];
      const r = spawnSync(process.execPath, ['bin/rpcbench.mjs', 'bench', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 50_000 });
      assert.equal(r.status, 0, r.stderr);
      const [cell] = (JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as { results: Array<{ calls: number; errors: number }> }).results;
      assert.ok(cell!.calls > 0);
      assert.equal(cell!.errors, 0);
    } finally {
      await stopPeer(peer.proc);
    }
  });
});

// ---- what a user types: bad input exits 2 with one line and no password; nothing is lost on Ctrl-C ----

const SECRET = 'Pr0beS3cret';

describe('finding 7, passwords: never printed, whatever is wrong with the address', { timeout: 120_000 }, () => {
  const cases: Array<[string, string[], Record<string, string>]> = [
    ['NATS_URL with a bad port', ['bench', '--transports', 'nats', '--quick'], { NATS_URL: `nats://u:${SECRET}@127.0.0.1:99999` }],
    ['NATS_URL of another scheme', ['bench', '--transports', 'nats', '--quick'], { NATS_URL: `natsx://u:${SECRET}@127.0.0.1:4222` }],
    ['MQTT_URL with a bad port', ['bench', '--transports', 'mqtt', '--quick'], { MQTT_URL: `mqtt://u:${SECRET}@127.0.0.1:99999` }],
    ['MQTT_URL of another scheme', ['bench', '--transports', 'mqtt', '--quick'], { MQTT_URL: `mqttx://u:${SECRET}@127.0.0.1:1883` }],
    ['--target with an empty user and a bad port', ['bench', '--target', `redis=redis://:${SECRET}@127.0.0.1:99999?queue=q`], {}],
    ['serve --listen with an empty user and a bad port', ['serve', '--transport', 'redis', '--listen', `redis://:${SECRET}@127.0.0.1:99999?queue=q`], {}],
    ['a password holding @ and :', ['bench', '--target', `amqp=amqp://u:a@b:${SECRET}@127.0.0.1:99999`], {}],
  ];
  for (const [what, args, env] of cases) {
    test(what, () => {
      const r = spawnSync(process.execPath, ['bin/rpcbench.mjs', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
      assert.equal(r.status, 2, r.stderr);
      assert.ok(!`${r.stdout}${r.stderr}`.includes(SECRET), r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /:\*\*\*@/);
    });
  }
});

describe('findings 8, 9 and 12: a mistake is exit 2 and one line, at once', { timeout: 120_000 }, () => {
  const cases: Array<[string, string[], Record<string, string>, RegExp]> = [
    ['bench --out under /proc (it spun for ever)', ['bench', '--transports', 'tcp', '--quick', '--out', '/proc/nope'], {}, /--out: cannot write/],
    ['merge --out under /proc', ['merge', '--out', '/proc/nope', 'a.json', 'b.json'], {}, /--out: cannot write/],
    [
      'REDIS_URL with a user and a bad port (it was an internal error)',
      ['bench', '--dry-run'],
      { REDIS_URL: 'redis://u:pw@127.0.0.1:99999' },
      /REDIS_URL: bad address/,
    ],
    ['REDIS_URL with an unclosed [::1', ['bench', '--transports', 'redis', '--quick'], { REDIS_URL: 'redis://[::1' }, /REDIS_URL: bad address/],
    [
      'compare --markdown under /sys (it was an internal error)',
      ['compare', '--markdown', '/sys/x.md', 'test/fixtures/report-v3.json', 'test/fixtures/report-v3.json'],
      {},
      /--markdown: cannot write/,
    ],
  ];
  for (const [what, args, env, message] of cases) {
    test(what, () => {
      const r = spawnSync(process.execPath, ['bin/rpcbench.mjs', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    });
  }
});

describe('finding 11: Ctrl-C', { timeout: 120_000 }, () => {
  const args = ['--transports', 'tcp,http', '--calls', 'fib', '--scenarios', 'latency', '--duration', '1s', '--trials', '2', '--no-wire'];

  test('through npm, two SIGINTs 50 ms apart (npm forwards its own): every output of the finished cells is written', async (t) => {
    const out = tempDir();
    // detached: a process group of its own, which a terminal's Ctrl-C signals as a whole
    const proc = spawn('npm', ['run', '--silent', 'bench', '--', ...args, '--out', out], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => {
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {}
    });
    let stderr = '';
    proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise((r) => proc.on('close', r));
    // the first cell done (rounds run both side by side): stopped while the other still runs
    assert.ok(await eventually(() => /finished \S+ fib latency/.test(stderr), 60_000), stderr);
    process.kill(-proc.pid!, 'SIGINT');
    await new Promise((r) => setTimeout(r, 50));
    process.kill(-proc.pid!, 'SIGINT');
    await exited;
    for (const file of ['latest.json', 'latest.md', 'latest.html']) assert.ok(existsSync(path.join(out, file)), `${file} missing: ${stderr}`);
    assert.equal(JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')).meta.interrupted, true);
    assert.match(stderr, /interrupted: the 1 finished cell\(s\) written to/);
  });

  test('before any cell finished: says that nothing was written, and leaves the earlier run as it was', async (t) => {
    const out = tempDir();
    writeFileSync(path.join(out, 'latest.json'), '{"earlier": true}');
    const run = spawnCli('bench.ts', [...args, '--out', out]);
    t.after(() => void run.proc.kill('SIGKILL'));
    assert.ok(await eventually(() => /tcp fib latency/.test(run.out.stderr), 60_000), run.out.stderr);
    run.proc.kill('SIGINT');
    assert.equal(await run.exited, 130);
    assert.match(run.out.stderr, /interrupted before any cell finished: nothing written \(what is in .* is from an earlier run\)/);
    assert.equal(readFileSync(path.join(out, 'latest.json'), 'utf8'), '{"earlier": true}');
  });
});
