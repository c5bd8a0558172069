// Kafka against Spring for Apache Kafka (4.1, from Maven Central, built at test time: test/fixtures/spring-kafka),
// both ways: our client calling a @KafkaListener + @SendTo server, and a ReplyingKafkaTemplate calling our server.
// A Java exception in Spring's listener comes back as our ValueError or NameError. Every topic here is the test's own.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { kafkaBroker, OWN_PREFIX, parseKafkaAddress } from '../transports/kafka.ts';
import { loadTransport } from '../transports/registry.ts';
import { assertContract, runAsync, startPeer, stopPeer } from './helpers.ts';
import { broker, mavenPeer, need } from './require.ts';

const { url, skip: noBroker } = await broker(kafkaBroker, 'Kafka');
const peer = noBroker ? { classpath: '', missing: false as const } : await mavenPeer('spring-kafka');
const skip = noBroker || need('Spring Kafka peers (mvn)', peer.missing);
const kafka = await loadTransport('kafka');
const opts = { timeoutMs: 15_000, maxMessageBytes: 1 << 20 };
const bootstrap = () => parseKafkaAddress(url).brokers[0]!;
const ownTopic = (what: string) => `${OWN_PREFIX}test-${what}-${process.pid}-${Date.now()}`;
const java = (...args: string[]) => [
  '-Xmx256m',
  '-XX:TieredStopAtLevel=1',
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
  '-cp',
  peer.classpath,
  'rpcbench.SpringKafkaPeer',
  ...args,
];

describe('kafka and Spring for Apache Kafka', { skip, timeout: 180_000 }, () => {
  test('our client against a @KafkaListener + @SendTo server: values, ValueError, an unknown method as NameError', async () => {
    const topic = ownTopic('spring-server');
    const { proc } = await startPeer('java', java('server', bootstrap(), topic), /^listening /m, 90_000);
    const client = await kafka.connect(`${url}?topic=${topic}`, opts);
    try {
      await assertContract(client);
    } finally {
      await client.close();
      await stopPeer(proc);
      await kafka.forget!(`${url}?topic=${topic}`);
    }
  });

  test("Spring's ReplyingKafkaTemplate against our server: every call and error, then calls for a second", async () => {
    const topic = ownTopic('spring-client');
    const listen = `${url}?topic=${topic}`;
    const server = await startPeer(
      process.execPath,
      ['--import', 'tsx', 'bench/cli/serve.ts', '--transport', 'kafka', '--listen', listen],
      /listening /,
      60_000,
    );
    try {
      const r = await runAsync('java', java('client', bootstrap(), topic, '1'), 120_000);
      assert.equal(r.status, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /^ok$/m);
      assert.match(r.stdout, /^calls\/s [1-9]\d*$/m);
    } finally {
      await stopPeer(server.proc);
      await kafka.forget!(listen);
    }
  });
});
