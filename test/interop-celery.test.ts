// Celery against Python's own (Debian's python3-celery 5.2, RabbitMQ, rpc:// results): our client calling a Python
// Celery worker, a Python Celery client calling our worker, and what a malformed task put straight onto the queue does
// to our worker (it is rejected, never requeued, and the worker goes on). Every queue here is the test's own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import amqp from 'amqplib';
import { OWN_PREFIX, rabbitmq } from '../transports/amqp.ts';
import { fib, makeObj, RemoteError } from '../transports/contract.ts';
import { loadTransport } from '../transports/registry.ts';
import type { ClientHandle } from '../transports/transport.ts';
import { assertContract, fixture, runAsync, runCli, startPeer, stopPeer, tempDir } from './helpers.ts';
import { broker, need, pythonModule } from './require.ts';

const PY = '/usr/bin/python3';
const { url, skip: noBroker } = await broker(rabbitmq, 'RabbitMQ');
const skip = noBroker || need('python3-celery', pythonModule('celery', 'apt-get install python3-celery'));
const opts = { timeoutMs: 10_000, maxMessageBytes: 1 << 20 };
const uniqueQueue = (what: string) => `${OWN_PREFIX}test-celery-${what}-${process.pid}-${Date.now()}`;
const celery = await loadTransport('celery');

/** Removes the queue (and the exchange a Celery worker declares with it): what the test made, nothing else. */
async function removeQueue(queue: string): Promise<void> {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createChannel();
    await ch.deleteQueue(queue);
    await ch.deleteExchange(queue);
  } finally {
    await conn.close().catch(() => {});
  }
}

const pythonWorker = (queue: string) => startPeer(PY, [fixture('celery_worker.py'), queue], /listening/, 30_000, { BROKER_URL: url });

describe('our celery client against a Python Celery worker', { skip, timeout: 120_000 }, () => {
  test('every value and error: ValueError as itself, an unknown task (NotRegistered) as NameError', async () => {
    const queue = uniqueQueue('py-worker');
    const { proc } = await pythonWorker(queue);
    const client = await celery.connect(`${url}?queue=${queue}`, opts);
    try {
      await assertContract(client);
      await assert.rejects(client.call('sendObj', [makeObj('client', 99)]), (e: unknown) => e instanceof RemoteError && e.kind === 'ValueError');
      // sequential calls as fast as they come back: the worker keeps up (see celery_worker.py on its pool)
      for (let i = 0; i < 2000; i++) assert.equal(await client.call('fib', [i % 25]), fib(i % 25));
    } finally {
      await client.close();
      await stopPeer(proc);
      await removeQueue(queue);
    }
  });

  test('bench --target celery=amqp://...?queue=NAME benchmarks the worker that consumes NAME', async () => {
    const queue = uniqueQueue('py-target');
    const { proc } = await pythonWorker(queue);
    try {
      const out = tempDir();
      const r = runCli('bench.ts', [
        '--target',
        `celery=${url}?queue=${queue}`,
        '--calls',
        'getObj,fib',
        '--scenarios',
        'latency',
        '--duration',
        '0.2',
        '--trials',
        '1',
        '--warmup',
        '0.2',
        '--out',
        out,
      ]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /celery \(target\)/);
      assert.doesNotMatch(r.stdout + r.stderr, /guest:guest/, 'the password is masked');
    } finally {
      await stopPeer(proc);
      await removeQueue(queue);
    }
  });
});

describe('a Python Celery client against our celery worker', { skip, timeout: 120_000 }, () => {
  test('send_task(...).get() for every call and error', async () => {
    const queue = uniqueQueue('our-worker');
    const server = await startPeer(
      process.execPath,
      ['--import', 'tsx', 'bench/cli/serve.ts', '--transport', 'celery', '--listen', `${url}?queue=${queue}`],
      /listening (\S+)/,
    );
    try {
      assert.match(server.match[1]!, new RegExp(`^amqp://guest:\\*\\*\\*@.*\\?queue=${queue}$`));
      const r = await runAsync(PY, [fixture('celery_client.py'), queue, '1'], 60_000, { BROKER_URL: url });
      assert.equal(r.status, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /^ok$/m);
      assert.match(r.stdout, /^calls\/s \d+$/m);
    } finally {
      await stopPeer(server.proc);
    }
  });
});

describe('malformed tasks put straight onto the queue: each is rejected, and the worker answers the next task', { skip, timeout: 60_000 }, () => {
  const queue = uniqueQueue('hostile');
  let close: () => Promise<void>;
  let client: ClientHandle;
  let conn: amqp.ChannelModel;
  let ch: amqp.Channel;
  before(async () => {
    const served = await celery.serve!(
      `${url}?queue=${queue}`,
      (await import('../transports/contract.ts')).createService({ payloadEntries: 100, serverWorkUs: 0 }),
      {
        maxMessageBytes: 64 * 1024,
      },
    );
    close = served.close;
    client = await celery.connect(served.address, opts);
    conn = await amqp.connect(url);
    ch = await conn.createChannel();
  });
  after(async () => {
    await client?.close();
    await conn?.close().catch(() => {});
    await close?.(); // deletes the test's queue: it is named as the run's own
  });
  const task = { task: 'fib', id: 'hostile-1' };
  const cases: Array<[string, Buffer, Record<string, unknown>]> = [
    ['a body that is not JSON', Buffer.from('[[20], {}, {"callbacks": nu'), task],
    ['a body of the wrong shape (protocol 1)', Buffer.from(JSON.stringify({ task: 'fib', id: 'x', args: [20], kwargs: {} })), task],
    ['no task header', Buffer.from(JSON.stringify([[20], {}, {}])), { id: 'hostile-2' }],
    ['keyword arguments the contract has not', Buffer.from(JSON.stringify([[], { n: 20 }, {}])), task],
    ['a task over the size limit', Buffer.from(JSON.stringify([['x'.repeat(100 * 1024)], {}, {}])), task],
  ];
  for (const [what, body, headers] of cases) {
    test(what, async () => {
      ch.sendToQueue(queue, body, { headers, contentType: 'application/json', replyTo: 'amq.rabbitmq.reply-to.nobody', correlationId: 'hostile' });
      assert.equal(await client.call('fib', [20]), 6765);
      const { messageCount } = await ch.checkQueue(queue);
      assert.equal(messageCount, 0, 'rejected, not requeued');
    });
  }
});
