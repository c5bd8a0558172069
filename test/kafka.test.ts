// The kafka row's footprint on a shared broker: what a run makes there (its request topic, the servers' consumer
// group, each client's reply topic and group) is gone when it ends, also when its server child was killed with -9.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import type { Report } from '../bench/report/types.ts';
import { kafkaBroker, parseKafkaAddress } from '../transports/kafka.ts';
import { assertBytesOnTheWire, eventually, killHard, runContractSuiteOf, serverChildren, spawnCli, tempDir } from './helpers.ts';
import { broker } from './require.ts';

const { url, skip } = await broker(kafkaBroker, 'Kafka');

/** Topics and consumer groups on the broker whose names contain `runId`. */
async function leftovers(runId: string): Promise<string[]> {
  const admin = new Admin({ clientId: 'test', bootstrapBrokers: parseKafkaAddress(url).brokers });
  try {
    const topics = await admin.listTopics();
    const groups = [...(await admin.listGroups()).keys()];
    return [...topics, ...groups].filter((name) => name.includes(runId)).sort();
  } finally {
    await admin.close();
  }
}

describe('kafka: a run leaves nothing on the broker', { skip, timeout: 120_000 }, () => {
  const args = ['--transports', 'kafka', '--calls', 'fib', '--scenarios', 'latency', '--trials', '2', '--no-wire'];

  test('after a run that ended well: no topic, no group of the run; the report names the broker and its settings', async () => {
    const runId = `kafka-ok-${process.pid}`;
    const out = tempDir();
    const run = spawnCli('bench.ts', [...args, '--duration', '0.3', '--out', out], { RPCBENCH_RUN_ID: runId, KAFKA_URL: url });
    assert.equal(await run.exited, 0, run.out.stderr);
    let left: string[] = [];
    assert.ok(await eventually(async () => (left = await leftovers(runId)).length === 0, 15_000, 500), `${left.join(', ')}\n${run.out.stderr}`);
    // the report names the broker's settings that change a call's cost, read from the broker
    const report = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as Report;
    assert.match(
      report.meta.brokers?.kafka ?? '',
      /^measured: java \(pid \d+\); Apache Kafka .*: 1 partition\(s\), replication 1, min\.insync\.replicas 1, .*acks=1/,
    );
  });

  test('after the contract suite (transports.test.ts, or a plugin author running it): no topic, no group', async () => {
    const runId = `kafka-contract-${process.pid}`;
    await runContractSuiteOf('kafka', { RPCBENCH_RUN_ID: runId, KAFKA_URL: url });
    let left: string[] = [];
    assert.ok(await eventually(async () => (left = await leftovers(runId)).length === 0, 10_000, 500), left.join(', '));
  });

  test('after its server child was killed with -9: the request topic and the servers group are deleted by the run', async (t) => {
    const runId = `kafka-kill-${process.pid}`;
    const run = spawnCli('bench.ts', [...args, '--duration', '3s', '--out', tempDir()], { RPCBENCH_RUN_ID: runId, KAFKA_URL: url });
    t.after(() => run.proc.kill('SIGKILL'));
    assert.ok(await eventually(() => /kafka fib latency/.test(run.out.stderr) || serverChildren(run.proc.pid!).length > 0, 60_000), run.out.stderr);
    // the cell is running: its server has joined and calls are flowing
    assert.ok(await eventually(async () => (await leftovers(runId)).some((n) => n.endsWith('.servers')), 30_000), 'the servers group exists');
    for (const s of serverChildren(run.proc.pid!)) killHard(s.pid);
    assert.equal(await run.exited, 1, run.out.stderr); // the killed cell failed
    assert.match(run.out.stdout, /server process exited \(SIGKILL\)/);
    // deleted by the controller, and then gone from the broker's metadata a moment later
    let left: string[] = [];
    assert.ok(await eventually(async () => (left = await leftovers(runId)).length === 0, 15_000, 500), `${left.join(', ')}\n${run.out.stderr}`);
  });

  // a server makes its topic first and then joins its group, and says it is ready only after that: killed in
  // between (a CI run under load did so by chance), it had made both and the run had not yet taken it as started
  test('after its server child was killed with -9 while starting: its topic and group are deleted too', async (t) => {
    const runId = `kafka-start-${process.pid}`;
    const run = spawnCli('bench.ts', [...args, '--duration', '3s', '--out', tempDir()], { RPCBENCH_RUN_ID: runId, KAFKA_URL: url });
    t.after(() => run.proc.kill('SIGKILL'));
    const topic = `rpcbench-${runId}-kafka`;
    assert.ok(await eventually(async () => (await leftovers(runId)).includes(topic), 60_000, 20), run.out.stderr);
    const killedBeforeReady = !/kafka fib latency/.test(run.out.stderr);
    for (const s of serverChildren(run.proc.pid!)) killHard(s.pid);
    assert.equal(await run.exited, 1, run.out.stderr);
    let left: string[] = [];
    assert.ok(
      await eventually(async () => (left = await leftovers(runId)).length === 0, 15_000, 500),
      `${left.join(', ')} (killed ${killedBeforeReady ? 'before' : 'after'} the cell began)\n${run.out.stderr}`,
    );
  });
});

test('bytes on the wire: getObj is counted, its reply at least the JSON of 100 entries', { skip, timeout: 60_000 }, () =>
  assertBytesOnTheWire('kafka', `${url}?topic=rpcbench-bytes-${process.pid}-kafka`),
);
