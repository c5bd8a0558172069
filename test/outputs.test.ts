// Outputs by name, each read back by its real consumer: CSV by a CSV parser, OpenMetrics by Prometheus's promtool and
// by Python prometheus_client's OpenMetrics parser (which holds names to their units), the HdrHistogram log by Java HdrHistogram's own HistogramLogProcessor, with the report's percentiles.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { parseOptions } from '../bench/cli/bench-options.ts';
import { hdrTag } from '../bench/formats/hdr-log.ts';
import type { Report } from '../bench/report/types.ts';
import { runCli, tempDir } from './helpers.ts';
import { command, file, need, pythonModule } from './require.ts';

const HDR_JAR = '/usr/share/java/hdrhistogram.jar';
const promtool = need('promtool', command('promtool', 'apt-get install prometheus'));
const openMetricsParser = need('an OpenMetrics parser', pythonModule('prometheus_client.openmetrics.parser', 'apt-get install python3-prometheus-client'));
const hdrJava = need('Java HdrHistogram', command('java', 'apt-get install default-jdk-headless') || file(HDR_JAR, 'apt-get install libhdrhistogram-java'));

describe('every output format from one real run', { timeout: 180_000 }, () => {
  const out = tempDir();
  let report: Report;
  before(() => {
    const args = ['--transports', 'tcp,http', '--calls', 'fib,getObj', '--scenarios', 'latency,throughput', '--concurrency', '4', '--duration', '0.2'];
    const r = runCli('bench.ts', [
      ...args,
      '--trials',
      '1',
      '--warmup',
      '0.2',
      '--output',
      'json,md,html,csv,openmetrics,hdr-log,benchmark-action',
      '--out',
      out,
    ]);
    assert.equal(r.status, 0, r.stderr);
    report = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as Report;
  });

  test('each format in its file beside the others', () => {
    for (const file of ['latest.json', 'latest.md', 'latest.html', 'latest.csv', 'latest.prom', 'latest.hlog', 'benchmark-action.json'])
      assert.ok(existsSync(path.join(out, file)), file);
  });

  test("benchmark-action: github-action-benchmark's custom JSON, p50 smaller-is-better, calls/s bigger-is-better, each cell's value", () => {
    type Entry = { name: string; unit: string; value: number };
    const read = (file: string) => JSON.parse(readFileSync(path.join(out, file), 'utf8')) as Entry[];
    const [smaller, bigger] = [read('benchmark-action.json'), read('benchmark-action.bigger.json')];
    for (const e of [...smaller, ...bigger]) assert.ok(typeof e.name === 'string' && typeof e.unit === 'string' && Number.isFinite(e.value), JSON.stringify(e));
    for (const cell of report.results) {
      const named = (entries: Entry[], metric: string) =>
        entries.filter((e) => e.name.endsWith(` ${metric}`) && e.name.includes(cell.transport) && e.name.includes(cell.call) && e.name.includes(cell.scenario));
      assert.ok(
        named(smaller, 'p50').some((e) => e.value === cell.latencyUs.p50 && e.unit === 'us'),
        `${cell.transport} ${cell.call} ${cell.scenario} p50`,
      );
      if (cell.scenario === 'throughput')
        assert.ok(
          named(bigger, 'calls/s').some((e) => e.value === cell.callsPerSec),
          `${cell.transport} ${cell.call} calls/s`,
        );
      assert.equal(named(bigger, 'p50').length, 0, 'p50 is not bigger-is-better');
    }
  });

  test("CSV: one row per cell, units in the header, the report's values", () => {
    const rows = parse(readFileSync(path.join(out, 'latest.csv'), 'utf8'), { columns: true }) as Array<Record<string, string>>;
    assert.equal(rows.length, report.results.length);
    assert.ok(Object.keys(rows[0]!).includes('p50_us') && Object.keys(rows[0]!).includes('calls_per_s'));
    for (const cell of report.results) {
      const row = rows.find(
        (r) => r.transport === cell.transport && r.call === cell.call && r.scenario === cell.scenario && Number(r.concurrency) === cell.concurrency,
      );
      assert.ok(row, `no row for ${cell.transport} ${cell.call} ${cell.scenario}`);
      assert.equal(Number(row.p50_us), cell.latencyUs.p50);
      assert.equal(Number(row.calls_per_s), cell.callsPerSec);
      assert.equal(Number(row.calls), cell.calls);
      assert.equal(row.client_bound, String(cell.clientBound));
    }
  });

  test("OpenMetrics: promtool check metrics accepts it, and it holds each cell's p50 in seconds", { skip: promtool }, () => {
    const text = readFileSync(path.join(out, 'latest.prom'), 'utf8');
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.error, undefined, 'promtool is missing: apt-get install prometheus');
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(text, /# EOF\n$/);
    const cell = report.results.find((c) => c.transport === 'tcp' && c.scenario === 'latency' && c.call === 'fib')!;
    const line = /^rpcbench_call_latency_seconds\{transport="tcp",call="fib",scenario="latency",concurrency="1",payload_entries="100",quantile="0.5"\} (\S+)$/m;
    assert.equal(Number(line.exec(text)?.[1]), Number((cell.latencyUs.p50 / 1e6).toPrecision(12)));
  });

  test("OpenMetrics: a real OpenMetrics parser reads every family, and every cell's quantiles are the report's", { skip: openMetricsParser }, () => {
    // prometheus_client's parser, as a scraper would: strict about units in names, types, labels and the EOF
    const script = `import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        out.append([family.name, family.type, family.unit, s.name, s.labels, s.value])
print(json.dumps(out))`;
    const r = spawnSync('/usr/bin/python3', ['-c', script], { input: readFileSync(path.join(out, 'latest.prom'), 'utf8'), encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const samples = JSON.parse(r.stdout) as Array<[string, string, string, string, Record<string, string>, number]>;
    const quantiles = { '0.5': 'p50', '0.9': 'p90', '0.99': 'p99', '0.999': 'p999', '1': 'max' } as const;
    let compared = 0;
    for (const cell of report.results) {
      for (const [q, key] of Object.entries(quantiles)) {
        const found = samples.filter(
          ([, , , name, l]) =>
            name === 'rpcbench_call_latency_seconds' &&
            l.transport === cell.transport &&
            l.call === cell.call &&
            l.scenario === cell.scenario &&
            l.concurrency === String(cell.concurrency) &&
            l.quantile === q,
        );
        assert.equal(found.length, 1, `${cell.transport} ${cell.call} ${cell.scenario} q=${q}`);
        assert.equal(found[0]![5], Number(((cell.latencyUs[key] as number) / 1e6).toPrecision(12)), `${cell.transport} ${cell.call} q=${q}`);
        compared++;
      }
    }
    assert.equal(compared, report.results.length * 5);
    // every family with a unit names it last, as OpenMetrics requires (the parser refuses others): seconds and bytes both here
    const units = new Set(samples.map(([, , unit]) => unit).filter(Boolean));
    assert.deepEqual([...units].sort(), ['bytes', 'seconds']);
  });

  test("HdrHistogram log: Java's HistogramLogProcessor reads every cell back with the report's p50 and p99", { skip: hdrJava }, () => {
    for (const cell of report.results) {
      const out2 = path.join(tempDir(), 'processed');
      const args = [
        '-cp',
        HDR_JAR,
        'org.HdrHistogram.HistogramLogProcessor',
        '-i',
        path.join(out, 'latest.hlog'),
        '-tag',
        hdrTag(cell),
        '-csv',
        '-outputValueUnitRatio',
        '1000',
        '-o',
        out2,
      ];
      const r = spawnSync('java', args, { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, `java is missing or failed (apt-get install default-jdk-headless libhdrhistogram-java): ${r.stderr}`);
      const [header, row] = readFileSync(out2, 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#'));
      const col = (name: string) => Number(row!.split(',')[header!.split(',').indexOf(`"${name}"`)]);
      // one trial a cell: the processor's totals are that trial's, the cell's median
      assert.equal(col('Total_Count'), cell.calls);
      assert.equal(col('Total_50%'), cell.latencyUs.p50, `${hdrTag(cell)} p50`);
      assert.equal(col('Total_99%'), cell.latencyUs.p99, `${hdrTag(cell)} p99`);
    }
  });
});

test('--output with a name it does not know exits 2, naming the ones it does', () => {
  const r = runCli('bench.ts', ['--transports', 'tcp', '--output', 'json,xml']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--output: unknown "xml"; allowed: json, md, html, csv, openmetrics, hdr-log, benchmark-action/);
});

test('--output adds to json,md,html; only: writes those alone, json always (issue 31: --output csv wrote no md)', () => {
  assert.deepEqual(parseOptions(['--transports', 'tcp', '--output', 'csv']).outputs, ['json', 'md', 'html', 'csv']);
  assert.deepEqual(parseOptions(['--transports', 'tcp', '--output', 'only:csv']).outputs, ['json', 'csv']);
  assert.deepEqual(parseOptions(['--transports', 'tcp', '--output', 'only:json']).outputs, ['json']);
  assert.deepEqual(parseOptions(['--transports', 'tcp']).outputs, ['json', 'md', 'html']);
});
