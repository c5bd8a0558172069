// Report -> github-action-benchmark "custom" JSON (https://github.com/benchmark-action/github-action-benchmark):
// one file of customSmallerIsBetter entries and one of customBiggerIsBetter, for the metrics with a goal in the
// metric table (p50, p99, calls/s, capacity, CPU and bytes per call), each direction as the table says, one entry per
// cell and metric, each with the range of its samples where it has several.
import { METRIC_NAMES, METRICS, type MetricName, type MetricSpec } from '../report/metrics.ts';
import type { CellResult, Report } from '../report/types.ts';
import { metricOf, scenarioOf } from '../scenarios/index.ts';
import { cellName } from './view.ts';

export interface BenchmarkActionEntry {
  name: string;
  unit: string;
  value: number;
  range?: string;
  extra?: string;
}

const GOALS = METRIC_NAMES.filter((m) => (METRICS[m] as MetricSpec).goal);
const SMALLER = GOALS.filter((m) => (METRICS[m] as MetricSpec).higherIsWorse);
const BIGGER = GOALS.filter((m) => !(METRICS[m] as MetricSpec).higherIsWorse);
const UNIT: Record<string, string> = { µs: 'us', 'calls/s': 'calls/s', bytes: 'bytes' };

function entry(report: Report, c: CellResult, metric: MetricName): BenchmarkActionEntry | null {
  const spec: MetricSpec = METRICS[metric];
  const value = metricOf(c, metric);
  if (!Number.isFinite(value)) return null;
  const samples = (spec.ofStat ? c.trials.map((t) => spec.ofStat!(t)) : (scenarioOf(c.scenario).samples?.(c, metric) ?? [])).filter(Number.isFinite);
  const range = samples.length > 1 ? { range: `${Math.min(...samples)}..${Math.max(...samples)}` } : {};
  return { name: `${cellName(report, c)} ${metric}`, unit: UNIT[spec.unit] ?? spec.unit, value, ...range, extra: `${c.trials.length} trials, median shown` };
}

export function benchmarkActionEntries(report: Report): { smaller: BenchmarkActionEntry[]; bigger: BenchmarkActionEntry[] } {
  const of = (metrics: MetricName[]) =>
    report.results.flatMap((c) => metrics.map((m) => entry(report, c, m)).filter((e): e is BenchmarkActionEntry => e !== null));
  return { smaller: of(SMALLER), bigger: of(BIGGER) };
}

/** FILE gets the smaller-is-better entries; FILE with ".bigger" before its extension the bigger-is-better ones. */
export function biggerFileName(file: string): string {
  return /\.json$/.test(file) ? file.replace(/\.json$/, '.bigger.json') : `${file}.bigger.json`;
}
