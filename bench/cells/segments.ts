// The reports of the generators of one segmented run (--segment I/N), merged into the report of the run: for each
// cell, trial k of every generator that ran the cell is one trial of the whole. Histograms add exactly (so the
// percentiles are those of every call), calls, errors and calls/s add (the generators ran at the same time, which
// is checked), CPU per call is recomputed from the CPU time they add up to. Reports that are not of one run are
// refused: other plans or builds, a segment given twice, or trials that did not run at the same time.

import { BadInput } from '../report/errors.ts';
import { decodeHistogram, encodeHistogram, latencyUs, newHistogram } from '../report/histograms.ts';
import { round3 } from '../report/trials.ts';
import type { CellResult, Report, ReportOptions, TrialResult } from '../report/types.ts';
import { foldCells } from './fold.ts';
import { cellLabel } from './label.ts';
import { withVerdict } from './verdict.ts';

export class MergeError extends BadInput {}

/** Trials of one cell that share less than this part of the shorter one's time did not run together. */
const MIN_OVERLAP = 0.5;

export function mergeSegments(reports: Report[]): Report {
  if (reports.length < 2) throw new MergeError(`give the reports of at least two segments of one run, got ${reports.length}`);
  const count = checkSameRun(reports);
  const byCell = new Map<string, CellResult[]>();
  for (const report of reports) for (const cell of report.results) byCell.set(cellLabel(cell), [...(byCell.get(cellLabel(cell)) ?? []), cell]);
  const first = reports[0]!;
  const { segment: _segment, ...options } = first.meta.options;
  const merged: Report = {
    ...first,
    meta: {
      ...first.meta,
      date: reports.map((r) => r.meta.date).sort()[0]!,
      durationSec: Math.max(...reports.map((r) => r.meta.durationSec)),
      interrupted: reports.some((r) => r.meta.interrupted) || undefined,
      options: { ...options, clientWorkers: reports.reduce((n, r) => n + r.meta.options.clientWorkers, 0) },
      merged: { reports: reports.length, segments: count },
      // each segment's generator saw its own machine's hiccups: one list per run would mix them
      hiccups: undefined,
    },
    results: [...byCell.entries()].map(([label, cells]) => mergeCell(label, cells)),
    skipped: reports.flatMap((r) => r.skipped),
    thresholds: undefined,
  };
  return withVerdict(merged);
}

/** The segment count they share; refuses reports that are not the segments of one run of one build. */
function checkSameRun(reports: Report[]): number {
  const plan = (o: ReportOptions) => {
    const { segment: _s, clientWorkers: _w, ...rest } = o;
    return JSON.stringify(rest);
  };
  const [first, ...rest] = reports as [Report, ...Report[]];
  for (const r of rest) {
    if (plan(r.meta.options) !== plan(first.meta.options))
      throw new MergeError(`not one plan: ${differences(first.meta.options, r.meta.options)}; merge only the segments of one run`);
    if (r.meta.gitCommit !== first.meta.gitCommit || r.meta.tool.version !== first.meta.tool.version)
      throw new MergeError(
        `not one build: rpcbench ${first.meta.tool.version} at ${first.meta.gitCommit?.slice(0, 10) ?? '?'} and ${r.meta.tool.version} at ${r.meta.gitCommit?.slice(0, 10) ?? '?'}`,
      );
  }
  const segments = reports.map((r) => r.meta.options.segment);
  if (segments.some((s) => !s)) throw new MergeError('a report without --segment: merge the reports of the segments of one run (bench --segment I/N)');
  const count = segments[0]!.count;
  if (segments.some((s) => s!.count !== count))
    throw new MergeError(`not one split: segments of ${[...new Set(segments.map((s) => s!.count))].join(' and ')} generators`);
  const seen = new Set<number>();
  for (const s of segments) {
    if (seen.has(s!.index)) throw new MergeError(`segment ${s!.index}/${count} is given twice: its calls would count twice`);
    seen.add(s!.index);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length)
    throw new MergeError(`segments ${missing.map((i) => `${i}/${count}`).join(', ')} are missing: the merged run would be only part of the load`);
  return count;
}

function differences(a: ReportOptions, b: ReportOptions): string {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => k !== 'segment' && k !== 'clientWorkers');
  const differ = keys.filter((k) => JSON.stringify(a[k as keyof ReportOptions]) !== JSON.stringify(b[k as keyof ReportOptions]));
  return differ.map((k) => `${k} ${JSON.stringify(a[k as keyof ReportOptions])} vs ${JSON.stringify(b[k as keyof ReportOptions])}`).join(', ');
}

function mergeCell(label: string, cells: CellResult[]): CellResult {
  if (cells.length === 1) return cells[0]!;
  return foldCells(cells, (cs) =>
    cs[0]!.trials.map((_, k) =>
      mergeTrial(
        label,
        k,
        cs.map((c) => c.trials[k]).filter((t): t is TrialResult => t !== undefined),
      ),
    ),
  );
}

/** Trial k of every generator: one trial of the whole, if they ran at the same time. */
function mergeTrial(label: string, k: number, parts: TrialResult[]): TrialResult {
  checkOverlap(label, k, parts);
  const sum = (f: (t: TrialResult) => number) => parts.reduce((n, t) => n + f(t), 0);
  const calls = sum((t) => t.calls);
  const attempts = Math.max(1, calls + sum((t) => t.errors));
  // CPU time per call: each generator's per-call figure times its attempts is its CPU time; they add up
  const cpu = (side: 'client' | 'server') => {
    if (parts.some((t) => t.cpuUsPerCall[side] === null)) return null;
    return round3(sum((t) => (t.cpuUsPerCall[side] ?? 0) * (t.calls + t.errors)) / attempts);
  };
  const histogram = parts.every((t) => t.histogram) ? addHistograms(parts.map((t) => t.histogram!)) : null;
  const start = Math.min(...parts.map((t) => t.startedAtMs));
  return {
    ...(parts[0]!.run === undefined ? {} : { run: parts[0]!.run }),
    startedAtMs: start,
    calls,
    errors: sum((t) => t.errors),
    timeouts: sum((t) => t.timeouts),
    dropped: sum((t) => t.dropped),
    durationSec: round3((Math.max(...parts.map((t) => t.startedAtMs + t.durationSec * 1000)) - start) / 1000),
    // generators that ran at the same time: their rates add
    callsPerSec: round3(sum((t) => t.callsPerSec)),
    latencyUs: histogram ? latencyUs(decodeHistogram(histogram)) : parts[0]!.latencyUs,
    // a broker shared by the generators: each measured all of its work against its own calls, so it is not added up
    cpuUsPerCall: { client: cpu('client') ?? 0, server: cpu('server'), ...(parts.some((t) => t.cpuUsPerCall.broker !== undefined) ? { broker: null } : {}) },
    client: { cpuCores: round3(sum((t) => t.client.cpuCores)), loopUtilization: Math.max(...parts.map((t) => t.client.loopUtilization)) },
    clientBound: parts.some((t) => t.clientBound),
    histogram,
  };
}

function addHistograms(encoded: string[]): string {
  const total = newHistogram();
  for (const e of encoded) total.add(decodeHistogram(e));
  return encodeHistogram(total);
}

function checkOverlap(label: string, k: number, parts: TrialResult[]): void {
  const spans = parts.map((t) => [t.startedAtMs, t.startedAtMs + t.durationSec * 1000] as const);
  const shortest = Math.min(...spans.map(([a, b]) => b - a));
  const shared = Math.min(...spans.map(([, b]) => b)) - Math.max(...spans.map(([a]) => a));
  if (shared < MIN_OVERLAP * shortest) {
    const when = spans.map(([a, b]) => `${new Date(a).toISOString().slice(11, 23)}-${new Date(b).toISOString().slice(11, 23)}`).join(', ');
    throw new MergeError(
      `${label}, trial ${k + 1}: the generators did not run at the same time (${when}), so their calls/s do not add up; start them with one --start-at`,
    );
  }
}
