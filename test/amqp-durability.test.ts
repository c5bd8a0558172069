// What the RabbitMQ variants guarantee across a broker restart and a server crash, and what a broken broker looks
// like from outside (passwords never shown, a server that says why it stopped). All against a private RabbitMQ
// node this test starts on its own port and removes: the shared broker is never restarted.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import amqp from 'amqplib';
import { amqpVariant, OWN_PREFIX } from '../transports/amqp.ts';
import { fib } from '../transports/contract.ts';
import { PendingCalls } from '../transports/support/pending.ts';
import type { ClientHandle } from '../transports/transport.ts';
import { descendants, eventually, spawnCli, startPeer, stopPeer, tempDir } from './helpers.ts';
import { type RabbitNode, rabbitNodeMissing, startRabbitNode } from './rabbitmq-node.ts';
import { need } from './require.ts';

const skip = need('a private RabbitMQ node', rabbitNodeMissing());
const variant = amqpVariant;
const cmdlineOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
const SECRET = `S3cret-${process.pid}-x7`;

describe('a private RabbitMQ node', { skip, timeout: 480_000 }, () => {
  let node: RabbitNode;
  before(async () => {
    node = await startRabbitNode();
    await node.ctl('add_user', 'rpcbench', SECRET);
    await node.ctl('set_permissions', 'rpcbench', '.*', '.*', '.*');
  });
  after(() => node?.stop());

  const messages = async (queue: string) => {
    const conn = await amqp.connect(node.url());
    try {
      const ch = await conn.createChannel();
      return (await ch.checkQueue(queue)).messageCount;
    } finally {
      await conn.close().catch(() => {});
    }
  };
  const serveChild = (name: string, queue: string, workUs = 0) =>
    startPeer(
      process.execPath,
      ['--import', 'tsx', 'bench/cli/serve.ts', '--transport', `amqp:${name}`, '--listen', `${node.url()}?queue=${queue}`, '--server-work-us', String(workUs)],
      /listening/,
    );

  test('persistent-confirms: 20 confirmed requests, the server down, the broker restarted: all 20 answered', async () => {
    const queue = `${OWN_PREFIX}durable-restart-${process.pid}`;
    const transport = variant('persistent-confirms');
    let client: ClientHandle | undefined;
    try {
      const first = await serveChild('persistent-confirms', queue);
      first.proc.kill('SIGKILL'); // the server crashed; its queue stays
      client = await transport.connect(`${node.url()}?queue=${queue}`, { timeoutMs: 120_000, maxMessageBytes: 1 << 20 });
      const calls = Array.from({ length: 20 }, (_, i) => client!.call('fib', [i]));
      assert.ok(await eventually(async () => (await messages(queue)) === 20, 10_000), 'the 20 requests are on the broker');
      await node.restart();
      assert.equal(await messages(queue), 20, 'the broker kept the 20 confirmed requests across its restart');
      const second = await serveChild('persistent-confirms', queue);
      try {
        assert.deepEqual(
          await Promise.all(calls),
          Array.from({ length: 20 }, (_, i) => fib(i)),
        );
      } finally {
        await stopPeer(second.proc);
      }
    } finally {
      await client?.close();
    }
  });

  test('persistent-confirms: a server SIGKILLed with requests in hand; its replacement answers every one, once', async (t) => {
    const queue = `${OWN_PREFIX}durable-crash-${process.pid}`;
    const slow = await serveChild('persistent-confirms', queue, 200_000); // 0.2 s a call: it holds most of them unacked
    // every reply the client takes in, by correlation id: a second one for an id would be a request answered twice
    const replies = t.mock.method(PendingCalls.prototype, 'resolve');
    const client = await variant('persistent-confirms').connect(`${node.url()}?queue=${queue}`, { timeoutMs: 60_000, maxMessageBytes: 1 << 20 });
    try {
      const calls = Array.from({ length: 20 }, (_, i) => client.call('fib', [i]));
      // 0.5 s: the crashed server answered and acked two (each ack a moment after its confirmed reply), holds the rest
      await new Promise((r) => setTimeout(r, 500));
      slow.proc.kill('SIGKILL');
      const replacement = await serveChild('persistent-confirms', queue);
      try {
        assert.deepEqual(
          await Promise.all(calls),
          Array.from({ length: 20 }, (_, i) => fib(i)),
        );
        await new Promise((r) => setTimeout(r, 500)); // time for a duplicate, had there been one, to arrive
        const ids = replies.mock.calls.map((c) => c.arguments[0]);
        assert.equal(ids.length, 20, `replies for ${ids.length} requests: ${JSON.stringify(ids)}`);
        assert.equal(new Set(ids).size, 20, 'no request was answered twice');
      } finally {
        await stopPeer(replacement.proc);
      }
    } finally {
      await client.close();
    }
  });

  test('serve exits 1 saying why when its broker stops, and never shows the password; bench neither, nor puts it in argv', async () => {
    const out = tempDir();
    const url = node.url('rpcbench', SECRET);
    // credentials from the environment (AMQP_URL), as the README advises, so that no argv holds them
    const serveArgs = ['--import', 'tsx', 'bench/cli/serve.ts', '--transport', 'amqp'];
    const serve = await startPeer(process.execPath, serveArgs, /listening (\S+)/, 15_000, { AMQP_URL: url });
    let serveErr = '';
    serve.proc.stderr!.on('data', (c: Buffer) => (serveErr += c.toString()));
    const serveExit = new Promise<number | null>((r) => serve.proc.on('exit', (code) => r(code)));
    const bench = spawnCli(
      'bench.ts',
      [
        '--transports',
        'amqp:direct-reply',
        '--calls',
        'fib',
        '--scenarios',
        'latency',
        '--duration',
        '5s',
        '--trials',
        '2',
        '--timeout-ms',
        '1000',
        '--out',
        out,
      ],
      { AMQP_URL: url },
    );
    try {
      assert.ok(await eventually(() => /amqp:direct-reply fib latency/.test(bench.out.stderr), 30_000), bench.out.stderr);
      // this run's processes and the serve above: the bench, its server child, and serve itself
      const argv = [bench.proc.pid!, serve.proc.pid!, ...descendants(bench.proc.pid!).map((p) => p.pid)].map(cmdlineOf);
      assert.ok(argv.length >= 2 && argv.every((cmd) => !cmd.includes(SECRET)), 'a password in some argv');
      await node.ctl('stop_app'); // the broker goes away mid-run
      assert.equal(await serveExit, 1);
      assert.match(
        serveErr,
        /rpcbench serve: error: the server stopped: RabbitMQ at amqp:\/\/rpcbench:\*\*\*@127\.0\.0\.1:\d+\/?\?queue=rpc_queue closed the connection/,
      );
      assert.equal(await bench.exited, 1, bench.out.stderr);
      const everything = [
        serve.match.input ?? '',
        serveErr,
        bench.out.stdout,
        bench.out.stderr,
        readFileSync(path.join(out, 'latest.json'), 'utf8'),
        readFileSync(path.join(out, 'latest.md'), 'utf8'),
      ];
      assert.deepEqual(
        everything.filter((text) => text.includes(SECRET)),
        [],
        'the password appeared in an output',
      );
      assert.match(bench.out.stdout, /skipped amqp:direct-reply fib: failed: .*rpcbench:\*\*\*@/);
    } finally {
      bench.proc.kill('SIGKILL');
      await stopPeer(serve.proc);
      await node.ctl('start_app');
    }
  });
});
