// RPC over the brokers people already run (Redis, NATS, Mosquitto), against the real ones on this machine:
// interop with Python peers both ways (python3-redis, python3-paho-mqtt), and the failures a user meets: no broker
// at start, the broker gone mid-run, nobody serving, and nothing left behind.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { startRelay } from '../bench/harness/byte-count.ts';
import type { Report } from '../bench/report/types.ts';
import { rabbitmq } from '../transports/amqp.ts';
import { createService } from '../transports/contract.ts';
import { kafka, kafkaBroker } from '../transports/kafka.ts';
import { mqttBroker, mqttQos } from '../transports/mqtt.ts';
import { nats, natsBroker } from '../transports/nats.ts';
import { OWN_KEYS, redisBroker, redisKind } from '../transports/redis.ts';
import { rocketmq, rocketmqBroker } from '../transports/rocketmq.ts';
import type { TransportImpl } from '../transports/transport.ts';
import {
  amqpDeleteQueue,
  amqpQueueExists,
  assertContract,
  eventually,
  fixture,
  killHard,
  runAsync,
  runCli,
  serverChildren,
  spawnCli,
  startPeer,
  stopPeer,
  tempDir,
} from './helpers.ts';
import { broker, need, pythonModule } from './require.ts';

const PY = '/usr/bin/python3';
const opts = { timeoutMs: 5000, maxMessageBytes: 1 << 20 };
const redisList = redisKind('list');
const mqtt0 = mqttQos(0);
const redis = await broker(redisBroker, 'Redis');
const natsFound = await broker(natsBroker, 'NATS');
const mqtt = await broker(mqttBroker, 'Mosquitto');
const kafkaFound = await broker(kafkaBroker, 'Kafka');
const rabbit = await broker(rabbitmq, 'RabbitMQ');
const [redisUrl, natsUrl, mqttUrl] = [redis.skip ? null : redis.url, natsFound.skip ? null : natsFound.url, mqtt.skip ? null : mqtt.url];
const kafkaUrl = kafkaFound.skip ? null : kafkaFound.url;
const rocketmqFound = await broker(rocketmqBroker, 'RocketMQ');
const rocketmqUrl = rocketmqFound.skip ? null : rocketmqFound.url;
const pythonRedis = need('python3-redis', pythonModule('redis', 'apt-get install python3-redis'));
const pythonMqtt = need('python3-paho-mqtt', pythonModule('paho.mqtt', 'apt-get install python3-paho-mqtt'));
const unique = (what: string) => `${what}-${process.pid}-${Date.now()}`;

async function contractCalls(transport: TransportImpl, address: string): Promise<void> {
  const client = await transport.connect(address, opts);
  try {
    await assertContract(client);
  } finally {
    await client.close();
  }
}

const serveChild = (transport: string, listen: string) =>
  startPeer(process.execPath, ['--import', 'tsx', 'bench/cli/serve.ts', '--transport', transport, '--listen', listen], /listening/);

describe('Redis and Python (python3-redis)', { skip: redis.skip || pythonRedis, timeout: 60_000 }, () => {
  test('our client against a Python server speaking the documented format', async () => {
    const queue = `rpcbench:${unique('py-server')}`;
    const { proc } = await startPeer(PY, [fixture('redis_server.py'), redisUrl!, queue], /listening/);
    try {
      await contractCalls(redisList, `${redisUrl}?queue=${queue}`);
    } finally {
      await stopPeer(proc);
    }
  });

  test('a Python client against our server, for both rows', async () => {
    for (const [transport, kind] of [
      ['redis', 'list'],
      ['redis:streams', 'streams'],
    ]) {
      const queue = `rpcbench:${unique('py-client')}`;
      const server = await serveChild(transport!, `${redisUrl}?queue=${queue}`);
      try {
        const r = await runAsync(PY, [fixture('redis_client.py'), redisUrl!, queue, kind!]);
        assert.equal(r.status, 0, r.stderr + r.stdout);
        assert.match(r.stdout, /^ok$/m);
      } finally {
        await stopPeer(server.proc);
      }
    }
  });
});

describe('MQTT 5 and Python (python3-paho-mqtt)', { skip: mqtt.skip || pythonMqtt, timeout: 60_000 }, () => {
  const { hostname, port } = new URL(mqttUrl ?? 'mqtt://127.0.0.1:1883');
  test('our client against a Python server: Response Topic and Correlation Data', async () => {
    const topic = `rpcbench/${unique('py-server')}`;
    const { proc } = await startPeer(PY, [fixture('mqtt_server.py'), hostname, port || '1883', topic], /listening/);
    try {
      await contractCalls(mqtt0, `${mqttUrl}?topic=${topic}`);
    } finally {
      await stopPeer(proc);
    }
  });

  test('a Python client against our server', async () => {
    const topic = `rpcbench/${unique('py-client')}`;
    const server = await serveChild('mqtt', `${mqttUrl}?topic=${topic}`);
    try {
      const r = await runAsync(PY, [fixture('mqtt_client.py'), hostname, port || '1883', topic]);
      assert.equal(r.status, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /^ok$/m);
    } finally {
      await stopPeer(server.proc);
    }
  });
});

const brokers = [
  {
    name: 'redis',
    transport: redisList,
    url: redisUrl,
    envVar: 'REDIS_URL',
    param: 'queue',
    nobody: `rpcbench:${unique('nobody')}`,
    noBroker: 'redis://127.0.0.1:1',
  },
  { name: 'nats', transport: nats, url: natsUrl, envVar: 'NATS_URL', param: 'subject', nobody: `rpcbench.${unique('nobody')}`, noBroker: 'nats://127.0.0.1:1' },
  { name: 'mqtt', transport: mqtt0, url: mqttUrl, envVar: 'MQTT_URL', param: 'topic', nobody: `rpcbench/${unique('nobody')}`, noBroker: 'mqtt://127.0.0.1:1' },
  // a relay cannot cut a Kafka client from its broker: after the first hop it connects to the advertised address
  {
    name: 'kafka',
    transport: kafka,
    url: kafkaUrl,
    envVar: 'KAFKA_URL',
    param: 'topic',
    nobody: `rpcbench.${unique('nobody')}`,
    noBroker: 'kafka://127.0.0.1:1',
    relayable: false,
  },
  // likewise RocketMQ: the NameServer names the broker's own address
  {
    name: 'rocketmq',
    transport: rocketmq,
    url: rocketmqUrl,
    envVar: 'ROCKETMQ_URL',
    param: 'topic',
    nobody: `rpcbench-${unique('nobody')}`,
    noBroker: 'rocketmq://127.0.0.1:1',
    relayable: false,
  },
];

// What the failure tests leave in Redis by design, removed here: a request to a queue nobody serves stays on it (a
// work queue cannot tell that nobody will come), and a reply to a client whose connection was cut lands on a
// reply list the client could no longer delete (it would expire in 10 minutes).
after(async () => {
  if (!redisUrl) return;
  const r = new Redis(redisUrl);
  const keys = await r.keys(OWN_KEYS);
  await r.del(brokers.find((b) => b.name === 'redis')!.nobody, ...keys);
  r.disconnect();
});

for (const b of brokers) {
  describe(`${b.name}: failures are clear errors, never hangs`, { timeout: 60_000 }, () => {
    test('no broker at start, named: exit 2 before anything runs, saying how to fix it', () => {
      const named = runCli('bench.ts', ['--transports', b.name, '--quick'], 30_000, { [b.envVar]: b.noBroker });
      assert.equal(named.status, 2, named.stderr);
      assert.match(named.stderr, new RegExp(`${b.name}: no \\w+ broker at ${b.noBroker.replace(/[/.]/g, '\\$&')} .*set ${b.envVar}`));
    });

    test('nobody serving: a clear error within the timeout', { skip: b.url ? false : `no ${b.name} broker here` }, async () => {
      const client = await b.transport.connect(`${b.url}?${b.param}=${b.nobody}`, { timeoutMs: 700, maxMessageBytes: 1 << 20 });
      const started = Date.now();
      try {
        await assert.rejects(client.call('fib', [1]), /timed out after 700 ms|no server subscribes/);
        assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
      } finally {
        await client.close();
      }
    });

    if ('relayable' in b) return; // not for Kafka: its connections cannot be cut here without cutting the shared broker's
    test('the broker connection lost mid-run: calls in flight fail at once, with the reason', {
      skip: b.url ? false : `no ${b.name} broker here`,
    }, async () => {
      const where = `${b.param}=${b.nobody}-midrun`;
      const server = await b.transport.serve(`${b.url}?${where}`, createService({ payloadEntries: 100, serverWorkUs: 500_000 }), opts);
      const broker = new URL(b.url!);
      const relay = await startRelay({ host: broker.hostname, port: Number(broker.port) });
      broker.port = String(relay.port);
      const client = await b.transport.connect(`${broker.href.replace(/\/$/, '')}?${where}`, { timeoutMs: 10_000, maxMessageBytes: 1 << 20 });
      try {
        const inFlight = client.call('fib', [1]);
        setTimeout(() => void relay.close(), 100);
        const started = Date.now();
        await assert.rejects(inFlight, /closed the connection/);
        assert.ok(Date.now() - started < 3000, 'not left to its 10 s timeout');
        await assert.rejects(client.call('fib', [1]), /closed the connection/);
      } finally {
        await client.close();
        await server.close();
      }
    });
  });
}

test('no broker at all: the default matrix skips each brokered transport with the reason, and runs the rest', { timeout: 120_000 }, () => {
  const out = tempDir();
  const env = Object.fromEntries(brokers.map((b) => [b.envVar, b.noBroker]));
  const args = ['--calls', 'fib', '--scenarios', 'latency', '--count', '20', '--trials', '1', '--warmup', '0', '--no-wire', '--out', out];
  const matrix = runCli('bench.ts', args, 120_000, env);
  assert.equal(matrix.status, 0, matrix.stderr);
  const report = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as Report;
  for (const b of brokers) {
    const skipped = report.skipped.filter((s) => s.transport.startsWith(b.name));
    assert.ok(
      skipped.length > 0 && skipped.every((s) => s.kind === 'unavailable' && s.reason.includes(b.envVar)),
      `${b.name}: ${JSON.stringify(report.skipped)}`,
    );
  }
  assert.ok(report.results.some((c) => c.transport === 'tcp'));
});

test('a bench run over Redis leaves no key behind, also when stopped with SIGTERM', { skip: redis.skip, timeout: 180_000 }, async () => {
  const runId = unique('keys');
  const keys = async () => {
    const r = new Redis(redisUrl!);
    try {
      return await r.keys(`rpcbench:${runId}*`);
    } finally {
      r.disconnect();
    }
  };
  const env = { REDIS_URL: redisUrl!, RPCBENCH_RUN_ID: runId };
  const args = ['--transports', 'redis,redis:streams', '--calls', 'getObj', '--quick', '--no-wire', '--out', tempDir()];
  assert.equal(runCli('bench.ts', args, 60_000, env).status, 0);
  assert.deepEqual(await keys(), []);
  const run = spawnCli(
    'bench.ts',
    ['--transports', 'redis:streams', '--calls', 'fib', '--scenarios', 'latency', '--duration', '20s', '--trials', '1', '--no-wire', '--out', tempDir()],
    env,
  );
  try {
    // its keys appear once its server has started, which a loaded machine takes longer to do (a fresh clone with
    // stress-ng beside three test files: later than the 4 s this test once waited)
    assert.ok(await eventually(async () => (await keys()).length > 0, 60_000, 200), `the run made no keys: ${run.out.stderr}`);
    run.proc.kill('SIGTERM');
    assert.equal(await run.exited, 143);
    assert.deepEqual(await keys(), []);
  } finally {
    run.proc.kill('SIGKILL');
  }
});

// issue 23's finding 10 (not timed, so not with the other findings in probe.test.ts, which run one file at a time)
describe('finding 10: a server child killed with -9 leaves nothing on the broker after the run', { skip: redis.skip || rabbit.skip, timeout: 120_000 }, () => {
  test('the durable queue and the stream are deleted by the run itself', async (t) => {
    const runId = `probe${process.pid}`;
    const args = ['--transports', 'amqp:persistent-confirms,redis:streams', '--calls', 'fib', '--scenarios', 'latency', '--duration', '2s', '--trials', '2'];
    const run = spawnCli('bench.ts', [...args, '--no-wire', '--out', tempDir()], { RPCBENCH_RUN_ID: runId, AMQP_URL: rabbit.url, REDIS_URL: redis.url });
    t.after(async () => {
      run.proc.kill('SIGKILL');
      // what the run should have deleted goes, if this test failed before it
      await amqpDeleteQueue(rabbit.url, `rpcbench-${runId}-persistent-confirms`);
      const r = new Redis(redis.url);
      for (const key of await r.keys(`rpcbench:${runId}:*`)) await r.del(key);
      r.disconnect();
    });
    for (const cell of ['amqp:persistent-confirms fib latency', 'redis:streams fib latency']) {
      assert.ok(await eventually(() => run.out.stderr.includes(cell), 60_000), run.out.stderr);
      await new Promise((r) => setTimeout(r, 500));
      for (const s of serverChildren(run.proc.pid!)) killHard(s.pid);
    }
    assert.equal(await run.exited, 1, run.out.stderr); // the killed cells failed
    assert.match(run.out.stdout, /server process exited \(SIGKILL\)/);
    assert.equal(await amqpQueueExists(rabbit.url, `rpcbench-${runId}-persistent-confirms`), false, 'the durable queue is gone');
    const r = new Redis(redis.url);
    try {
      assert.deepEqual(await r.keys(`rpcbench:${runId}:*`), [], 'the stream and every key of the run are gone');
    } finally {
      r.disconnect();
    }
  });
});
