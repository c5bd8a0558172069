// A real (short) run writes a JSON report that validates against the committed schema and a markdown report.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { decodeHistogram, latencyUs } from '../bench/harness/stats.ts';
import type { Report } from '../bench/report/types.ts';
import { reportProblems } from '../bench/report/validate.ts';
import { runCli, tempDir } from './helpers.ts';

describe('reports of a real run', () => {
  const out = tempDir();
  let report: Report;
  let markdown: string;
  let stdout: string;
  before(() => {
    const args = [
      '--transports',
      'inproc,tcp,http',
      '--duration',
      '50ms',
      '--warmup',
      '10ms',
      '--trials',
      '2',
      '--concurrency',
      '1,4',
      '--scenarios',
      'latency,throughput,rate',
      '--rate',
      '200',
      // http's server busy 3 ms a call: its cells are server-bound, the in-process floor's client-bound
      '--server-work-us',
      'http=3000',
      '--out',
      out,
    ];
    const r = runCli('bench.ts', args);
    assert.equal(r.status, 0, r.stderr);
    stdout = r.stdout;
    report = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as Report;
    markdown = readFileSync(path.join(out, 'latest.md'), 'utf8');
  });

  test('latest.json validates against bench/report.schema.json', () => {
    assert.deepEqual(reportProblems(report), []);
  });

  test('has every cell of the plan with real measurements', () => {
    // 3 transports x 3 calls x (latency + 2 concurrencies + rate)
    assert.equal(report.results.length, 3 * 3 * 4);
    for (const cell of report.results) {
      const at = `${cell.transport} ${cell.call} ${cell.scenario} c=${cell.concurrency}`;
      assert.equal(cell.errors, 0, `${at}: ${JSON.stringify(cell.errorReasons)}`);
      assert.equal(cell.trials.length, 2, at);
      assert.ok(cell.calls > 0 && cell.callsPerSec > 0, at);
      assert.ok(cell.latencyUs.p50 > 0 && cell.latencyUs.p50 <= cell.latencyUs.p99 && cell.latencyUs.p99 <= cell.latencyUs.max, at);
      assert.equal(cell.bytesPerCall === null, cell.transport === 'inproc', at);
      assert.equal(cell.cpuUsPerCall.server === null, cell.transport === 'inproc', at);
    }
  });

  test('bytes on the wire are at least the payload and the same for every scenario', () => {
    const tcpGet = report.results.filter((c) => c.transport === 'tcp' && c.call === 'getObj');
    assert.ok(new Set(tcpGet.map((c) => JSON.stringify(c.bytesPerCall))).size === 1);
    // msgpack of the 100-entry object is ~1.1 kB; the JSON payload floor is ~1.6 kB
    assert.ok(tcpGet[0]!.bytesPerCall!.response > 1000, JSON.stringify(tcpGet[0]!.bytesPerCall));
    const httpSend = report.results.find((c) => c.transport === 'http' && c.call === 'sendObj')!;
    assert.ok(httpSend.bytesPerCall!.request > httpSend.payloadBytes.request);
  });

  test('latest.md has a table per call, fastest first, and a chart', () => {
    for (const title of ['## getObj (100 entries)', '## sendObj (100 entries)', '## fib']) assert.ok(markdown.includes(title), title);
    for (const call of ['getObj', 'sendObj', 'fib']) {
      const rows = markdown
        .split(`## ${call}`)[1]!
        .split('##')[0]!
        .split('\n')
        .filter((l) => /^\| (inproc|tcp|http) \|/.test(l));
      assert.equal(rows.length, 3, call);
      // fastest first: the p50 column (the second) never decreases down the table
      const p50 = rows.map((l) => Number(l.split('|')[2]!.replace(/[*,\s]/g, '')));
      assert.deepEqual(
        p50,
        [...p50].sort((a, b) => a - b),
        `${call}: ${p50.join(', ')}`,
      );
      assert.equal(rows.at(-1)!.split('|')[1]!.trim(), 'http', `${call}: http, busy 3 ms a call, is last`);
    }
    assert.ok(markdown.includes('```mermaid\nxychart-beta'));
    assert.ok(markdown.includes('calls/s @4'));
  });

  test('stdout has the summary table', () => {
    assert.match(stdout, /getObj \(100 entries\)\ntransport\s+p50 µs/);
  });

  test('a broken report does not validate', () => {
    const broken = structuredClone(report) as unknown as { results: Array<Record<string, unknown>> };
    delete broken.results[0]!.latencyUs;
    assert.ok(reportProblems(broken).some((p) => p.includes('latencyUs')));
    assert.notDeepEqual(reportProblems({ ...report, schemaVersion: 1 }), []);
  });

  test('each cell says how its time divides: codec cost timed in isolation, and whether the client was the limit', () => {
    for (const cell of report.results) {
      const at = `${cell.transport} ${cell.call} ${cell.scenario} c=${cell.concurrency}`;
      if (cell.transport === 'inproc') assert.equal(cell.codecUsPerCall, null, at);
      else assert.ok(cell.codecUsPerCall!.client > 0 && cell.codecUsPerCall!.server > 0, at);
      for (const t of cell.trials) assert.ok(t.client.loopUtilization >= 0 && t.client.loopUtilization <= 1 && t.client.cpuCores > 0, at);
      if (cell.transport === 'inproc' && cell.scenario !== 'rate') assert.equal(cell.clientBound, true, `${at}: the harness floor is its own client`);
      if (cell.transport === 'http') assert.equal(cell.clientBound, false, `${at}: a server busy 3 ms a call is the limit`);
      assert.equal(typeof cell.warmup.steady, 'boolean');
    }
    assert.match(stdout, /\* client-bound: the client was the limit/);
  });

  test('each trial keeps its HDR histogram, which reads back to the same percentiles and count', () => {
    for (const cell of report.results) {
      for (const t of cell.trials) {
        const h = decodeHistogram(t.histogram!);
        assert.equal(h.totalCount, t.calls);
        assert.deepEqual(latencyUs(h), t.latencyUs);
      }
    }
  });
});

describe('load from two client worker threads', () => {
  test('calls, errors and histograms add up exactly; the open-loop rate is shared', () => {
    const out = tempDir();
    const args = [
      '--transports',
      'tcp',
      '--calls',
      'getObj',
      '--scenarios',
      'latency,throughput,rate',
      '--concurrency',
      '8',
      '--rate',
      '400',
      '--client-workers',
      '2',
    ];
    const r = runCli('bench.ts', [...args, '--duration', '200ms', '--trials', '2', '--warmup', '0.3', '--no-wire', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as Report;
    assert.deepEqual(reportProblems(report), []);
    assert.equal(report.meta.options.clientWorkers, 2);
    for (const cell of report.results) {
      assert.equal(cell.errors, 0, JSON.stringify(cell.errorReasons));
      for (const t of cell.trials) assert.equal(decodeHistogram(t.histogram!).totalCount, t.calls);
    }
    const rate = report.results.find((c) => c.scenario === 'rate')!;
    // 400 calls/s for 0.2 s, from two threads at 200/s each
    for (const t of rate.trials) assert.ok(Math.abs(t.calls + t.errors + t.dropped - 80) <= 2, `${t.calls} calls`);
  });
});
