// A real (short) run writes a JSON report that validates against the committed schema and a markdown report.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { bench } from '../bench/api/index.ts';
import { chartsOf } from '../bench/formats/charts.ts';
import { decodeHistogram } from '../bench/harness/stats.ts';
import { latencyUs, newHistogram } from '../bench/report/histograms.ts';
import { trialSpread } from '../bench/report/trials.ts';
import type { Report } from '../bench/report/types.ts';
import { reportProblems } from '../bench/report/validate.ts';
import { chromiumMissing, visit } from './browser.ts';
import { runCli, tempDir } from './helpers.ts';
import { need } from './require.ts';

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
        // the percentiles by walking the histogram's buckets here, not with the function that made the report's
        for (const [p, key] of [
          [50, 'p50'],
          [90, 'p90'],
          [99, 'p99'],
          [99.9, 'p999'],
        ] as const)
          assert.equal(t.latencyUs[key], bucketPercentileUs(h, p), `${cell.transport} ${cell.scenario} ${key}`);
        assert.equal(t.latencyUs.max, Math.round(h.maxValue) / 1000);
      }
    }
  });
});

describe('charts that tell the truth', () => {
  const out = tempDir();
  let report: Report;
  let markdown: string;
  before(() => {
    const args = [
      '--transports',
      'inproc,tcp,http,nats',
      '--calls',
      'getObj,fib',
      '--concurrency',
      '1,4',
      '--duration',
      '50ms',
      '--trials',
      '2',
      '--warmup',
      '0.2',
    ];
    const r = runCli('bench.ts', [...args, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    report = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as Report;
    markdown = readFileSync(path.join(out, 'latest.md'), 'utf8');
  });

  test('every chart: value axis from 0, bars sorted by the value shown, every charted transport present', () => {
    const charted = new Set(report.results.map((c) => c.transport).filter((t) => report.meta.transports[t]!.charted));
    assert.deepEqual([...charted].sort(), ['http', 'nats', 'tcp']);
    for (const { charts } of chartsOf(report)) {
      assert.deepEqual(charts.map((c) => c.id.split('-').at(-1)).sort(), ['bytes', 'calls', 'cpu', 'latency', 'percentiles', 'scaling']);
      for (const chart of charts) {
        assert.equal(chart.axisMin, 0, chart.id);
        const names = chart.kind === 'bar' ? chart.labels : chart.series.map((s) => s.name);
        assert.deepEqual([...names].sort(), [...charted].sort(), chart.id);
        if (chart.kind === 'bar' && !chart.id.endsWith('-bytes')) {
          // a stacked chart (CPU: client, server, broker) is sorted by its whole bar
          const first = chart.stacked ? chart.labels.map((_, i) => chart.series.reduce((s, x) => s + x.values[i]!, 0)) : chart.series[0]!.values;
          assert.deepEqual(
            first,
            [...first].sort((a, b) => (chart.lowerIsBetter ? a - b : b - a)),
            `${chart.id} sorted`,
          );
        }
      }
    }
  });

  test('the Mermaid charts: horizontal bars, the axis from 0, sorted, every charted transport', () => {
    const blocks = [...markdown.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]!);
    assert.equal(blocks.length, 2 * 3, 'p50, p99 and calls/s for each call');
    for (const block of blocks) {
      assert.match(block, /^xychart-beta horizontal$/m);
      assert.match(block, /y-axis "[^"]+" 0 --> \d+/);
      const labels = JSON.parse(`[${/x-axis \[(.*)\]/.exec(block)![1]}]`) as string[];
      assert.deepEqual([...labels].sort(), ['http', 'nats', 'tcp']);
      const values = JSON.parse(`[${/bar \[(.*)\]/.exec(block)![1]}]`) as number[];
      const lowerIsBetter = /lower is better/.test(block);
      assert.deepEqual(
        values,
        [...values].sort((a, b) => (lowerIsBetter ? a - b : b - a)),
        block,
      );
    }
  });

  test("latest.html, opened from disk in Chromium: no console error, no request, every chart drawn with the report's values, in order, from 0", {
    skip: need('Chromium', chromiumMissing()),
    timeout: 60_000,
  }, async () => {
    const v = await visit(path.join(out, 'latest.html'));
    try {
      await v.page.waitForFunction(() => (window as unknown as { rpcbenchChartsDrawn?: number }).rpcbenchChartsDrawn !== undefined, undefined, {
        timeout: 20_000,
      });
      const drawn = await v.page.evaluate(() =>
        (
          window as unknown as {
            rpcbenchCharts: Array<{ canvas: HTMLCanvasElement; data: { datasets: unknown[] }; getDatasetMeta(i: number): { data: unknown[] } }>;
          }
        ).rpcbenchCharts.map((c) => {
          const ctx = c.canvas.getContext('2d')!;
          const pixels = ctx.getImageData(0, 0, c.canvas.width, c.canvas.height).data;
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
          const scales = (c as unknown as { scales: Record<string, { min: number }> }).scales;
          const datasets = c.data.datasets as Array<{ data: Array<number | { y: number }> }>;
          return {
            id: c.canvas.id,
            marks: c.data.datasets.map((_, i) => c.getDatasetMeta(i).data.length),
            painted,
            labels: (c.data as { labels?: string[] }).labels ?? null,
            values: datasets.map((d) => d.data.map((p) => (typeof p === 'number' ? p : p.y))),
            mins: Object.fromEntries(Object.entries(scales).map(([k, s]) => [k, s.min])),
          };
        }),
      );
      assert.deepEqual(v.errors, []);
      assert.deepEqual(v.requests, []);
      assert.equal(drawn.length, chartsOf(report).flatMap((s) => s.charts).length);
      const specs = new Map(
        chartsOf(report)
          .flatMap((s) => s.charts)
          .map((c) => [c.id, c]),
      );
      for (const chart of drawn) {
        assert.ok(chart.marks.length > 0 && chart.marks.every((n) => n > 0), `${chart.id}: ${chart.marks}`);
        assert.ok(chart.painted > 1000, `${chart.id}: ${chart.painted} painted pixels`);
        const spec = specs.get(chart.id)!;
        if (spec.kind === 'bar') {
          // the bars the report's figures make, labelled in the order drawn, the value axis (x: bars lie flat) from 0
          assert.deepEqual(chart.labels, spec.labels, chart.id);
          assert.deepEqual(
            chart.values,
            spec.series.map((s) => s.values),
            chart.id,
          );
          // a part of a stacked bar may be 0 (no broker); every other bar has a length
          assert.ok(
            chart.values.flat().every((v) => Number.isFinite(v) && (spec.stacked ? v >= 0 : v > 0)),
            `${chart.id}: ${chart.values}`,
          );
          const first = spec.stacked ? spec.labels.map((_, i) => chart.values.reduce((s, x) => s + x[i]!, 0)) : chart.values[0]!;
          const sorted = [...first].sort((a, b) => (spec.lowerIsBetter ? a - b : b - a));
          assert.deepEqual(first, sorted, `${chart.id}: sorted by what it shows`);
          assert.equal(chart.mins.x, 0, `${chart.id}: the value axis starts at 0`);
        } else {
          assert.deepEqual(
            chart.values,
            spec.series.map((s) => s.points.map(([, y]) => y)),
            chart.id,
          );
          assert.ok(
            chart.values.flat().every((v) => Number.isFinite(v) && v >= 0),
            chart.id,
          );
          assert.equal(chart.mins.y, 0, `${chart.id}: the value axis starts at 0`);
        }
      }
      await v.page.screenshot({ path: path.join(out, 'latest.png'), fullPage: true });
    } finally {
      await v.close();
    }
  });

  test('trials that disagree are marked noisy; agreeing ones are not', () => {
    const t = (callsPerSec: number, p50: number) => ({
      ...report.results[0]!.trials[0]!,
      callsPerSec,
      latencyUs: { ...report.results[0]!.trials[0]!.latencyUs, p50 },
    });
    assert.equal(trialSpread([t(1000, 10), t(1010, 10.1), t(990, 9.9)]).noisy, false);
    assert.equal(trialSpread([t(1000, 10), t(1400, 10), t(700, 10)]).noisy, true);
    assert.equal(trialSpread([t(1000, 10), t(1000, 14)]).noisy, true);
  });
});

describe('load from two client worker threads', () => {
  test('calls, errors and histograms add up exactly; the open-loop rate is shared', async () => {
    // only the report is needed: the API's, as a user's test would take it
    const report = await bench({
      transports: ['tcp'],
      calls: ['getObj'],
      scenarios: ['latency', 'throughput', 'rate'],
      concurrency: [8],
      duration: '200ms',
      trials: 2,
      warmup: 0.3,
      args: ['--rate', '400', '--client-workers', '2', '--no-wire'],
    });
    assert.deepEqual(reportProblems(report), []);
    assert.equal(report.meta.options.clientWorkers, 2);
    for (const cell of report.results) {
      assert.equal(cell.errors, 0, JSON.stringify(cell.errorReasons));
      for (const t of cell.trials) assert.equal(decodeHistogram(t.histogram!).totalCount, t.calls);
    }
    const rate = report.results.find((c) => c.scenario === 'rate')!;
    // 400 calls/s for 0.2 s, from two threads at 200/s each: 40 calls each are due, and every one is answered, failed or
    // dropped (a count, not a time: exact however busy the machine)
    for (const t of rate.trials) assert.equal(t.calls + t.errors + t.dropped, 80, `${t.calls} calls, ${t.errors} errors, ${t.dropped} dropped`);
  });
});

/**
 * A percentile in µs as HDR histograms define it, found by walking the counts: the top of the bucket holding the
 * value at rank ceil(p% of all), never above the largest value recorded, to the nanosecond.
 */
function bucketPercentileUs(h: ReturnType<typeof decodeHistogram>, p: number): number {
  const raw = h as unknown as {
    countsArrayLength: number;
    getCountAtIndex(i: number): number;
    valueFromIndex(i: number): number;
    highestEquivalentValue(v: number): number;
  };
  // the nearest rank, in integers: (p / 100) * count in floating point can land one ulp above a whole number (99.9% of
  // a count that 1,000 divides), and its ceiling is then one rank too far; hdr-histogram-js guards the same way
  const rank = Math.max(1, Math.ceil((Math.round(p * 10) * h.totalCount) / 1000));
  let seen = 0;
  for (let i = 0; i < raw.countsArrayLength; i++) {
    seen += raw.getCountAtIndex(i);
    if (seen >= rank) return Math.round(Math.min(raw.highestEquivalentValue(raw.valueFromIndex(i)), h.maxValue)) / 1000;
  }
  throw new Error('rank beyond the count');
}

test('a percentile is never above the max: the top of its HDR bucket is clamped to the exact max', () => {
  const h = newHistogram();
  for (let i = 0; i < 99; i++) h.recordValue(100_000);
  h.recordValue(123_456_789); // 123.456789 ms: its bucket's top, 123.469823 ms, lies above it
  assert.ok(h.getValueAtPercentile(99.9) > h.maxValue, 'the case this test is about');
  const us = latencyUs(h);
  assert.equal(us.max, 123_456.789);
  assert.equal(us.p999, us.max);
  assert.equal(us.p50, Math.round(h.getValueAtPercentile(50)) / 1000);
});
