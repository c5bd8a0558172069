// Report -> github-action-benchmark "custom" JSON (https://github.com/benchmark-action/github-action-benchmark):
// one file of customSmallerIsBetter entries (p50, p99, CPU per call, bytes per call) and one of customBiggerIsBetter
// (calls/s, capacity), one entry per cell and metric, each with the range of its trials where it has several.
import { METRICS, type MetricName, type MetricSpec } from '../report/metrics.ts';
import type { CellResult, Report } from '../report/types.ts';
import { cellName } from './view.ts';

export interface BenchmarkActionEntry {
  name: string;
  unit: string;
  value: number;
  range?: string;
  extra?: string;
}

const SMALLER: MetricName[] = ['p50', 'p99', 'cpu/call', 'bytes/call'];
const BIGGER: MetricName[] = ['calls/s', 'capacity'];
const UNIT: Record<string, string> = { µs: 'us', 'calls/s': 'calls/s', bytes: 'bytes' };

function entry(report: Report, c: CellResult, metric: MetricName): BenchmarkActionEntry | null {
  const spec: MetricSpec = METRICS[metric];
  const value = spec.ofCell(c);
  if (!Number.isFinite(value)) return null;
  const samples = spec.ofStat ? c.trials.map((t) => spec.ofStat!(t)).filter(Number.isFinite) : [];
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
