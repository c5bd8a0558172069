// RocketMQ against Apache RocketMQ's own Java client (5.5, from Maven Central, built at test time:
// test/fixtures/rocketmq-java), both ways: our client calling a DefaultMQPushConsumer that answers with
// MessageUtil.createReplyMessage, and DefaultMQProducer.request() calling our server. A Java exception in the peer
// comes back as our ValueError or NameError. Every topic here is the test's own, and deleted by it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadTransport } from '../transports/registry.ts';
import { brokerMasters, OWN_PREFIX, parseRocketmqAddress, rocketmqBroker } from '../transports/rocketmq.ts';
import { REQUEST, RemotingConnection } from '../transports/support/rocketmq-remoting.ts';
import { assertContract, runAsync, startPeer, stopPeer, tempDir } from './helpers.ts';
import { broker, mavenPeer, need } from './require.ts';

const { url, skip: noBroker } = await broker(rocketmqBroker, 'RocketMQ');
const peer = noBroker ? { classpath: '', missing: false as const } : await mavenPeer('rocketmq-java');
const skip = noBroker || need('RocketMQ Java peers (mvn)', peer.missing);
const rocketmq = await loadTransport('rocketmq');
const opts = { timeoutMs: 15_000, maxMessageBytes: 1 << 20 };
const namesrv = () => {
  const { host, port } = parseRocketmqAddress(url);
  return `${host}:${port}`;
};
const ownTopic = (what: string) => `${OWN_PREFIX}test-${what}-${process.pid}-${Date.now()}`;
// the Java client keeps its state under user.home: the test's own directory, not the machine's home
const java = (...args: string[]) => [
  '-Xmx256m',
  '-XX:TieredStopAtLevel=1',
  `-Duser.home=${tempDir()}`,
  '-cp',
  peer.classpath,
  'rpcbench.RocketmqPeer',
  ...args,
];

/** The Java push consumer's group, and the retry topic its client made for it (%RETRY%group), on every broker. */
async function forgetJava(group: string): Promise<void> {
  const { host, port } = parseRocketmqAddress(url);
  const open = (h: string, p: number) => RemotingConnection.open({ host: h, port: p, timeoutMs: 10_000, maxFrameBytes: 1 << 20 });
  for (const b of await brokerMasters(url)) {
    const broker = await open(b.host, b.port);
    try {
      await broker.call(REQUEST.DELETE_SUBSCRIPTIONGROUP, { groupName: group, cleanOffset: true }, group);
      await broker.call(REQUEST.DELETE_TOPIC_IN_BROKER, { topic: `%RETRY%${group}` }, group);
    } finally {
      broker.close();
    }
  }
  const ns = await open(host, port);
  try {
    await ns.call(REQUEST.DELETE_TOPIC_IN_NAMESRV, { topic: `%RETRY%${group}` }, group);
  } finally {
    ns.close();
  }
}

describe('rocketmq and the Apache RocketMQ Java client', { skip, timeout: 180_000 }, () => {
  test('our client against a push consumer answering with createReplyMessage: values, ValueError, an unknown method as NameError', async () => {
    const topic = ownTopic('java-server');
    const { proc } = await startPeer('java', java('server', namesrv(), topic), /^listening /m, 90_000);
    const client = await rocketmq.connect(`${url}?topic=${topic}`, opts);
    try {
      await assertContract(client);
    } finally {
      await client.close();
      await stopPeer(proc);
      await rocketmq.forget!(`${url}?topic=${topic}`);
      await forgetJava(`${topic}-java-servers`);
    }
  });

  test("RocketMQ's DefaultMQProducer.request() against our server: every call and error, then calls for a second", async () => {
    const topic = ownTopic('java-client');
    const listen = `${url}?topic=${topic}`;
    const server = await startPeer(
      process.execPath,
      ['--import', 'tsx', 'bench/cli/serve.ts', '--transport', 'rocketmq', '--listen', listen],
      /listening /,
      60_000,
    );
    try {
      const r = await runAsync('java', java('client', namesrv(), topic, '1'), 120_000);
      assert.equal(r.status, 0, `${r.stderr}${r.stdout}\nour server said: ${server.output()}`);
      assert.match(r.stdout, /^ok$/m);
      assert.match(r.stdout, /^calls\/s [1-9]\d*$/m);
    } finally {
      await stopPeer(server.proc);
      await rocketmq.forget!(listen);
    }
  });
});
