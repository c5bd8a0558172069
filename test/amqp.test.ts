// RabbitMQ RPC against the real broker: interop with the tutorial's pika server and client, failures that
// must be clear errors (no broker, broker gone mid-run), cleanup, and fair dispatch at prefetch 1.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import amqp from 'amqplib';
import { startRelay } from '../bench/harness/byte-count.ts';
import type { Report } from '../bench/report/types.ts';
import { amqpVariant, OWN_PREFIX, rabbitmq } from '../transports/amqp.ts';
import { createService, fib, makeObj } from '../transports/contract.ts';
import { transports } from '../transports/registry.ts';
import {
  amqpDeleteQueue,
  amqpQueueExists,
  childProcesses,
  eventually,
  fixture,
  isAlive,
  runAsync,
  runCli,
  spawnCli,
  startPeer,
  stopPeer,
  tempDir,
} from './helpers.ts';
import { broker, need, pythonModule } from './require.ts';

const { url, skip: noBroker } = await broker(rabbitmq, 'RabbitMQ');
const skip = noBroker || need('python3-pika', pythonModule('pika', 'apt-get install python3-pika'));
const opts = { timeoutMs: 5000, maxMessageBytes: 1 << 20 };
const direct = amqpVariant('direct-reply');
const service = () => createService({ payloadEntries: 100, serverWorkUs: 0 });
const uniqueQueue = (what: string) => `${OWN_PREFIX}test-${what}-${process.pid}-${Date.now()}`;

const queueExists = (queue: string) => amqpQueueExists(url, queue);

/** Removes a queue a failed test may have left on the shared broker. */
const deleteQueue = (queue: string) => amqpDeleteQueue(url, queue);

describe('pika interop (RabbitMQ tutorial six)', { skip }, () => {
  test('our client benchmarks calls against the tutorial pika server', async () => {
    const queue = uniqueQueue('pika-server');
    let proc: ChildProcess | undefined;
    try {
      ({ proc } = await startPeer('/usr/bin/python3', [fixture('pika_rpc_server.py'), url, queue], /listening/));
      for (const t of [direct, amqpVariant('exclusive-queue')]) {
        const client = await t.connect(`${url}?queue=${queue}`, opts);
        try {
          assert.deepEqual(await Promise.all([0, 1, 10, 20].map((n) => client.call('fib', [n]))), [0, 1, 55, 6765]);
        } finally {
          await client.close();
        }
      }
    } finally {
      await stopPeer(proc);
      await deleteQueue(queue); // the tutorial's queue outlives its server
    }
  });

  test('the tutorial pika client calls our server', async () => {
    const queue = uniqueQueue('pika-client');
    const server = await direct.serve(`${url}?queue=${queue}`, service(), opts);
    try {
      const r = await runAsync('/usr/bin/python3', [fixture('pika_rpc_client.py'), url, queue, '10', '20', '36', 'x']);
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      assert.deepEqual(lines.slice(0, 2), ['55', String(fib(20))]);
      assert.match(lines[2]!, /^error ValueError: fib\(n\) needs an integer 0 <= n <= 35/);
      assert.match(lines[3]!, /^error ValueError: fib needs the decimal n as its body/);
    } finally {
      await server.close();
    }
  });
});

// These need no broker: they point at a port where nothing listens, so they run everywhere, broker or not.
describe('with no broker at all', () => {
  test('an unreachable broker', async () => {
    const started = Date.now();
    await assert.rejects(
      direct.connect('amqp://guest:secret@127.0.0.1:1?queue=x', opts),
      (e: Error) => /cannot connect to RabbitMQ at amqp:\/\/guest:\*\*\*@127.0.0.1:1/.test(e.message) && !e.message.includes('secret'),
    );
    assert.ok(Date.now() - started < 5000);
  });

  test('--transports amqp with no broker exits 2 saying how to fix it; the default matrix skips it', { timeout: 120_000 }, () => {
    const env = { AMQP_URL: 'amqp://guest:guest@127.0.0.1:1' };
    const named = runCli('bench.ts', ['--transports', 'amqp', '--quick'], 30_000, env);
    assert.equal(named.status, 2);
    assert.match(named.stderr, /amqp:direct-reply: no RabbitMQ broker at amqp:\/\/guest:\*\*\*@127.0.0.1:1 .*set AMQP_URL/);
    const out = tempDir();
    const matrix = runCli(
      'bench.ts',
      ['--calls', 'fib', '--scenarios', 'latency', '--count', '20', '--trials', '1', '--warmup', '0', '--no-wire', '--out', out],
      120_000,
      env,
    );
    assert.equal(matrix.status, 0, matrix.stderr);
    const report = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as Report;
    // every transport of the default matrix on RabbitMQ, and only those
    const onRabbit = transports()
      .filter((t) => t.traits.inDefault && t.brokerEnv === 'AMQP_URL')
      .map((t) => t.name);
    assert.deepEqual(report.skipped.map((s) => s.transport).sort(), onRabbit.sort());
    assert.ok(report.skipped.every((s) => /set AMQP_URL/.test(s.reason)));
    assert.ok(report.results.some((c) => c.transport === 'tcp'));
  });
});

describe('failures are clear errors, never hangs', { skip }, () => {
  test('no server on the queue: the request is returned at once', async () => {
    const client = await direct.connect(`${url}?queue=${uniqueQueue('nobody')}`, opts);
    try {
      await assert.rejects(client.call('fib', [1]), /took the request \(is the server running\?\)/);
    } finally {
      await client.close();
    }
  });

  test('size limits on both sides and a hostile body are clear errors; the server keeps serving', async () => {
    const queue = uniqueQueue('limits');
    const server = await direct.serve(`${url}?queue=${queue}`, service(), { ...opts, maxMessageBytes: 4096 });
    const client = await direct.connect(`${url}?queue=${queue}`, opts);
    const small = await direct.connect(`${url}?queue=${queue}`, { ...opts, maxMessageBytes: 1024 });
    const conn = await amqp.connect(url);
    try {
      await assert.rejects(client.call('sendObj', [makeObj('client', 1000)]), /ValueError: request of \d+ bytes exceeds the limit of 4096 bytes/);
      // the getObj reply (about 1.5 kB) is over this client's own limit: refused, not decoded
      await assert.rejects(small.call('getObj', []), /reply of \d+ bytes exceeds the limit of 1024 bytes/);
      // a body that is not JSON, straight onto the queue: an error reply, and the server goes on
      const ch = await conn.createChannel();
      const { queue: replyTo } = await ch.assertQueue('', { exclusive: true });
      const reply = new Promise<amqp.ConsumeMessage>((resolve) => void ch.consume(replyTo, (m) => m && resolve(m), { noAck: true }));
      ch.sendToQueue(queue, Buffer.from('{"a": [1, 2'), { type: 'sendObj', replyTo, correlationId: 'hostile', contentType: 'application/json' });
      const answer = await reply;
      assert.equal(answer.properties.headers?.['x-error'], 'ValueError');
      assert.equal(await client.call('fib', [10]), 55);
    } finally {
      await conn.close().catch(() => {});
      await small.close();
      await client.close();
      await server.close();
    }
  });

  test('the broker connection closes mid-run: calls in flight fail with the reason', async () => {
    const queue = uniqueQueue('midrun');
    const server = await direct.serve(`${url}?queue=${queue}`, createService({ payloadEntries: 100, serverWorkUs: 300_000 }), opts);
    const relay = await startRelay({ host: new URL(url).hostname, port: Number(new URL(url).port || 5672) });
    const via = new URL(url);
    via.port = String(relay.port);
    const client = await direct.connect(`${via.href}?queue=${queue}`, opts);
    try {
      const inFlight = client.call('fib', [1]);
      setTimeout(() => void relay.close(), 50); // the broker side of the client's connection goes away
      await assert.rejects(inFlight, /closed the connection/);
      await assert.rejects(client.call('fib', [1]), /closed the connection/);
    } finally {
      await client.close();
      await server.close();
    }
  });
});

describe('cleanup and dispatch', { skip }, () => {
  test('queues a run creates are deleted at the end', async () => {
    const queue = uniqueQueue('cleanup');
    const server = await amqpVariant('persistent-confirms').serve(`${url}?queue=${queue}`, service(), opts);
    try {
      assert.equal(await queueExists(queue), true);
    } finally {
      await server.close();
    }
    assert.equal(await queueExists(queue), false);
  });

  test("Ctrl-C mid-run: exit 130, server processes gone, the run's durable queue deleted by us", { timeout: 90_000 }, async () => {
    const out = tempDir();
    // a durable, not auto-deleted queue: only our own clean-up can remove it
    const args = [
      '--transports',
      'tcp,amqp:persistent-confirms',
      '--calls',
      'fib',
      '--scenarios',
      'latency',
      '--duration',
      '20s',
      '--trials',
      '1',
      '--no-wire',
      '--out',
      out,
    ];
    const runId = `ctrlc${process.pid}`;
    // detached: its own process group, so the signal goes to the bench and its servers, as a terminal's Ctrl-C does
    const run = spawnCli('bench.ts', args, { AMQP_URL: url, RPCBENCH_RUN_ID: runId }, true);
    const queue = `${OWN_PREFIX}${runId}-persistent-confirms`;
    try {
      assert.ok(await eventually(() => /amqp:persistent-confirms fib latency/.test(run.out.stderr), 30_000), `the amqp cell never started: ${run.out.stderr}`);
      await new Promise((r) => setTimeout(r, 500));
      const servers = childProcesses(run.proc.pid!).filter((c) => c.cmdline.includes('server-child'));
      assert.ok(servers.length > 0, 'no server process');
      assert.equal(await queueExists(queue), true);
      process.kill(-run.proc.pid!, 'SIGINT');
      assert.equal(await run.exited, 130, run.out.stderr);
      assert.match(run.out.stderr, /SIGINT, cleaning up/);
      assert.ok(await eventually(() => servers.every((s) => !isAlive(s.pid)), 3000), 'a server process outlived the run');
      assert.equal(await queueExists(queue), false);
    } finally {
      if (run.proc.exitCode === null) process.kill(-run.proc.pid!, 'SIGKILL');
      await deleteQueue(queue); // the durable queue stays on the shared broker only if this test failed
    }
  });

  test('prefetch 1 sends work to the idle worker; prefetch 100 deals round-robin to the slow one too', { timeout: 120_000 }, async () => {
    // Share of calls the slow worker served, told by its reply: it serves a 1-entry object, the fast one 100 entries
    // (timing would count a call the machine stalled as one the slow worker took: a cold-cache CI building Java beside
    // it saw 6 calls of 20 wait 100 ms in 697 ms, more than the slow worker could have served)
    const slowShare = async (variant: string) => {
      const queue = uniqueQueue(`fair-${variant}`);
      const listen = `${url}?queue=${queue}`;
      const serveArgs = (workUs: number, entries: number) => [
        '--import',
        'tsx',
        'bench/cli/serve.ts',
        '--transport',
        `amqp:${variant}`,
        '--listen',
        listen,
        '--server-work-us',
        String(workUs),
        '--payload-entries',
        String(entries),
      ];
      const workers: Array<Awaited<ReturnType<typeof startPeer>>> = [];
      let client: Awaited<ReturnType<ReturnType<typeof amqpVariant>['connect']>> | undefined;
      try {
        workers.push(await startPeer(process.execPath, serveArgs(200_000, 1), /listening/));
        workers.push(await startPeer(process.execPath, serveArgs(0, 100), /listening/));
        client = await amqpVariant(variant).connect(listen, { ...opts, timeoutMs: 30_000 });
        const bySlow: boolean[] = [];
        const started = performance.now();
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            for (let i = 0; i < 5; i++) bySlow.push(Object.keys((await client!.call('getObj', [])) as object).length === 1);
          }),
        );
        const served = bySlow.filter(Boolean).length;
        return { share: served / bySlow.length, served, ms: performance.now() - started };
      } finally {
        await client?.close();
        await Promise.all(workers.map((w) => stopPeer(w.proc)));
      }
    };
    const fair = await slowShare('prefetch-1');
    const roundRobin = await slowShare('direct-reply');
    const said = `slow worker share: prefetch 1 ${Math.round(fair.share * 100)}% in ${fair.ms.toFixed(0)} ms, prefetch 100 ${Math.round(roundRobin.share * 100)}%`;
    console.log(said);
    // prefetch 1: the slow worker holds one call at a time, so it serves at most one per 200 ms of the run, however
    // slow the machine makes the fast one; and well under round-robin, which deals it half of them (50% in every run
    // measured; 0.15 is the headroom between that and the busiest prefetch-1 run seen, 30%)
    assert.ok(fair.served <= Math.ceil(fair.ms / 200) + 1, said);
    assert.ok(fair.share <= roundRobin.share - 0.15, said);
    assert.ok(roundRobin.share >= 0.35, said);
  });
});
