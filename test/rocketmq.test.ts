// The rocketmq row's footprint on a shared broker: what a run makes there (its request topic, on the broker and at
// the NameServer, and its servers' subscription group with its offsets) is gone when it ends, also when its server
// child was killed with -9, before or after it said it was ready.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { findBroker } from '../bench/harness/broker-cpu.ts';
import type { Report } from '../bench/report/types.ts';
import { brokerMasters, parseRocketmqAddress, rocketmqBroker } from '../transports/rocketmq.ts';
import { lenientJson, RemotingConnection } from '../transports/support/rocketmq-remoting.ts';
import { assertBytesOnTheWire, eventually, killHard, runContractSuiteOf, serverChildren, spawnCli, tempDir } from './helpers.ts';
import { broker } from './require.ts';

const { url, skip } = await broker(rocketmqBroker, 'RocketMQ');

/** Asks one of RocketMQ's servers for a JSON table, by request code. */
async function table(host: string, port: number, code: number): Promise<Record<string, unknown>> {
  const c = await RemotingConnection.open({ host, port, timeoutMs: 5000, maxFrameBytes: 16 << 20 });
  try {
    return lenientJson((await c.call(code, {}, `code ${code}`)).body?.toString('utf8') || '{}') as Record<string, unknown>;
  } finally {
    c.close();
  }
}

/** Topics (at the NameServer and on the broker) and subscription groups whose names contain `runId`. */
async function leftovers(runId: string): Promise<string[]> {
  const { host, port } = parseRocketmqAddress(url);
  const [{ host: bHost, port: bPort }] = (await brokerMasters(url)) as [{ host: string; port: number }];
  const names = [
    ...((await table(host, port, 206)) as { topicList: string[] }).topicList.map((t) => `namesrv topic ${t}`),
    ...Object.keys(((await table(bHost, bPort, 21)) as { topicConfigTable: object }).topicConfigTable).map((t) => `broker topic ${t}`),
    ...Object.keys(((await table(bHost, bPort, 201)) as { subscriptionGroupTable: object }).subscriptionGroupTable).map((g) => `group ${g}`),
  ];
  return names.filter((n) => n.includes(runId)).sort();
}

describe('rocketmq: a run leaves nothing on the broker', { skip, timeout: 120_000 }, () => {
  const args = ['--transports', 'rocketmq', '--calls', 'fib', '--scenarios', 'latency', '--trials', '2', '--no-wire'];

  test("after a run that ended well: no topic, no group of the run; its broker CPU was the broker's, not the NameServer's, and its version is named", async () => {
    const runId = `rmq-ok-${process.pid}`;
    const out = tempDir();
    const run = spawnCli('bench.ts', [...args, '--duration', '0.3', '--out', out], { RPCBENCH_RUN_ID: runId, ROCKETMQ_URL: url });
    assert.equal(await run.exited, 0, run.out.stderr);
    let left: string[] = [];
    assert.ok(await eventually(async () => (left = await leftovers(runId)).length === 0, 10_000, 500), `${left.join(', ')}\n${run.out.stderr}`);
    const report = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as Report;
    const { host, port } = parseRocketmqAddress(url);
    const [b] = await brokerMasters(url);
    const [broker, nameServer] = [findBroker(b!.host, b!.port), findBroker(host, port)];
    assert.ok('pid' in broker && 'pid' in nameServer && broker.pid !== nameServer.pid);
    // and the broker's version and settings, read from the broker
    assert.match(
      report.meta.brokers?.rocketmq ?? '',
      new RegExp(`^measured: java \\(pid ${broker.pid}\\); Apache RocketMQ V\\d+_\\d+_\\d+, .*ASYNC_FLUSH.*: 1 queue`),
    );
  });

  test('after the contract suite (transports.test.ts, or a plugin author running it): no topic, no group', async () => {
    const runId = `rmq-contract-${process.pid}`;
    await runContractSuiteOf('rocketmq', { RPCBENCH_RUN_ID: runId, ROCKETMQ_URL: url });
    let left: string[] = [];
    assert.ok(await eventually(async () => (left = await leftovers(runId)).length === 0, 10_000, 500), left.join(', '));
  });

  for (const when of ['while it served calls', 'while starting'] as const) {
    test(`after its server child was killed with -9 ${when}: the topic and the group are deleted by the run`, async (t) => {
      const runId = `rmq-kill-${when === 'while starting' ? 'start' : 'run'}-${process.pid}`;
      const run = spawnCli('bench.ts', [...args, '--duration', '3s', '--out', tempDir()], { RPCBENCH_RUN_ID: runId, ROCKETMQ_URL: url });
      t.after(() => run.proc.kill('SIGKILL'));
      // the topic is the server's first act; calls flowing show as the cell's progress line
      const ready = async () => (when === 'while starting' ? (await leftovers(runId)).length > 0 : /rocketmq fib latency/.test(run.out.stderr));
      assert.ok(await eventually(ready, 60_000, 20), run.out.stderr);
      for (const s of serverChildren(run.proc.pid!)) killHard(s.pid);
      assert.equal(await run.exited, 1, run.out.stderr);
      assert.match(run.out.stdout + run.out.stderr, /server process exited \(SIGKILL\)/);
      let left: string[] = [];
      assert.ok(await eventually(async () => (left = await leftovers(runId)).length === 0, 10_000, 500), `${left.join(', ')}\n${run.out.stderr}`);
    });
  }
});

test('bytes on the wire: getObj is counted, its reply at least the JSON of 100 entries', { skip, timeout: 60_000 }, () =>
  assertBytesOnTheWire('rocketmq', `${url}?topic=rpcbench-bytes-${process.pid}-rocketmq`),
);
