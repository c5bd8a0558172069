// Report -> github-action-benchmark "custom" JSON (https://github.com/benchmark-action/github-action-benchmark):
// one file of customSmallerIsBetter entries (latency, CPU, bytes) and one of customBiggerIsBetter (calls/s).

import type { Report } from '../report/types.ts';
import { cellName } from './view.ts';

export interface BenchmarkActionEntry {
  name: string;
  unit: string;
  value: number;
  range?: string;
  extra?: string;
}

export function benchmarkActionEntries(report: Report): { smaller: BenchmarkActionEntry[]; bigger: BenchmarkActionEntry[] } {
  const smaller: BenchmarkActionEntry[] = [];
  const bigger: BenchmarkActionEntry[] = [];
  for (const c of report.results) {
    const name = cellName(report, c);
    const spread = (xs: number[]) => `${Math.min(...xs)}..${Math.max(...xs)}`;
    const extra = `${c.trials.length} trials, median shown`;
    smaller.push({ name: `${name} p50`, unit: 'us', value: c.latencyUs.p50, range: spread(c.trials.map((t) => t.latencyUs.p50)), extra });
    smaller.push({ name: `${name} p99`, unit: 'us', value: c.latencyUs.p99, range: spread(c.trials.map((t) => t.latencyUs.p99)), extra });
    bigger.push({ name: `${name} calls/s`, unit: 'calls/s', value: c.callsPerSec, range: spread(c.trials.map((t) => t.callsPerSec)), extra });
  }
  return { smaller, bigger };
}

/** FILE gets the smaller-is-better entries; FILE with ".bigger" before its extension the bigger-is-better ones. */
export function biggerFileName(file: string): string {
  return /\.json$/.test(file) ? file.replace(/\.json$/, '.bigger.json') : `${file}.bigger.json`;
}
