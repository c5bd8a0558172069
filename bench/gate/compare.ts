// Baseline runs + current runs -> a typed Comparison. Measures nothing and formats nothing.
//
// A metric regresses only when its change is beyond its threshold AND a one-sided Mann-Whitney test over the
// samples (see samples.ts) says the change is not noise. Two families of tests, Holm-corrected at alpha/2 each so
// that a whole comparison cries wolf with probability <= alpha: every metric of every cell, and one test per
// transport over all its cells' p50, which sees a transport-wide slowdown too small for any one noisy cell to show.
import { cellLabel, serverWorkLabel } from '../cells/label.ts';
import { GATE_METRICS, METRICS, type MetricSpec } from '../report/metrics.ts';
import { InputError } from '../report/read.ts';
import { median } from '../report/trials.ts';
import { type CellResult, HICCUP_SLEEP_MS, type Report, STALL_MS } from '../report/types.ts';
import { metricOf } from '../scenarios/index.ts';
import { type GateConfig, type Metric, thresholdsFor } from './config.ts';
import { type Detection, detection, pairedDetection } from './detection.ts';
import { mannWhitneyGreater } from './mann-whitney.ts';
import { adjust, type Mode, modeFor } from './normalize.ts';
import { type CellSamples, groupBy, type SampleUnit, type Side, sideOf } from './samples.ts';
import { bySeverity, enoughSamples, type Status, statusOf, type Tested, verdictsOf, worst } from './verdicts.ts';
import { signedRankGreater } from './wilcoxon.ts';

export type { Mode, SampleUnit, Status };

export interface MetricComparison {
  metric: Metric;
  baseline: number;
  current: number;
  /** Signed change of the (normalized) median, in percent: +10 means the value grew 10%. */
  changePct: number;
  /** The change in the metric's worse direction (latency up, calls/s down), in percent. */
  worsePct: number;
  thresholdPct: number;
  /** p-value of the one-sided test that current is worse; null for deterministic metrics (bytes). */
  p: number | null;
  status: Status;
}

export interface CellComparison {
  /** The cell's label (cellLabel), also its key. */
  key: string;
  transport: string;
  call: string;
  scenario: string;
  concurrency: number;
  payloadEntries: number;
  metrics: MetricComparison[];
  status: Status;
}

/** A transport as a whole: the geometric mean change of p50 over its cells, tested per sample. */
export interface TransportComparison {
  transport: string;
  cells: number;
  changePct: number;
  thresholdPct: number;
  p: number | null;
  status: Status;
  /**
   * What these runs could see (bench/gate/detection.ts): the smallest slowdown of the transport's p50 found with 80%
   * power at its level, from the pooled run-to-run spread; and the runs a side that would find 5% and 10%.
   */
  detection: Detection & { spreadPct: number; paired: boolean };
}

export interface Comparison {
  mode: Mode;
  alpha: number;
  unit: SampleUnit;
  /** Fewest samples a matched cell has on each side. */
  samples: { baseline: number; current: number };
  /** How many tests each Holm family spread its alpha/2 over. */
  tests: { cells: number; transports: number };
  cells: CellComparison[];
  transports: TransportComparison[];
  onlyInBaseline: string[];
  onlyInCurrent: string[];
  /** Regressed cells plus regressed transports: the gate fails when this is not 0. */
  regressions: number;
  /**
   * Why the gate cannot decide (too few samples for any test to reach its level), or null. The comparison is
   * still complete, so that a reader sees what changed; the verdict is "undecided" (exit 2), never a pass.
   */
  refusal: string | null;
  /** Transports benchmarked against a server the suite did not start, on either side. */
  targets: string[];
  warnings: string[];
  /** The code under test on each side (its label and commit, where the reports name one), and whether the runs paired by round. */
  subjects: { baseline: string | null; current: string | null };
  paired: boolean;
}

type Pair = readonly [CellSamples, CellSamples];

export function compareReports(baseline: Report[], current: Report[], config: GateConfig): Comparison {
  const base = sideOf(baseline);
  const cur = sideOf(current);
  const inBoth = [...cur.cells.keys()].filter((k) => base.cells.has(k));
  // a cell with no successful call has no latency to compare (its figures are zeros): it is named, not judged
  const empty = inBoth.filter((k) => base.cells.get(k)!.cell.calls === 0 || cur.cells.get(k)!.cell.calls === 0);
  const matched = inBoth.filter((k) => !empty.includes(k));
  if (!matched.length)
    throw new InputError('nothing to compare: no cell (transport, call, scenario, concurrency, payload) with successful calls is in both reports');
  const warnings = optionWarnings(baseline[0]!, current[0]!);
  if (empty.length) warnings.push(`not compared, no successful call on one side: ${empty.join(', ')}`);
  if (base.unit !== cur.unit) warnings.push('one side is a single run and the other several: samples are trials, which understate run-to-run noise');
  const stalls = hiccupWarning(baseline, current);
  if (stalls) warnings.push(stalls);
  const pairs = matched.map((k) => [base.cells.get(k)!, cur.cells.get(k)!] as const);
  const mode = modeFor(config.normalize, pairs, Object.assign({}, ...[...baseline, ...current].map((r) => r.meta.transports)));
  const level = config.alpha / 2;

  const measured = pairs.map((pair) => measureCell(pair, config, mode));
  const cellTests = measured.flatMap((m) => (m.isReference ? [] : m.metrics.filter((x) => !x.deterministic)));
  const transportTests = transportsOf(pairs, mode, base.paired && cur.paired).map((t) => measureTransport(t, config));
  const cellLevel = level / Math.max(1, cellTests.length);
  const transportLevel = level / Math.max(1, transportTests.length);
  // one rule, the strictest family's: the gate decides when a cell's test can reach its Holm level
  const enough = cellTests.length ? enoughSamples(cellTests, cellLevel) : enoughSamples(transportTests, transportLevel);
  const refusal = enough.ok
    ? null
    : `too few samples to decide: ${enough.have} per side, and with ${cellTests.length || transportTests.length} tests no test can reach p <= ` +
      `${enough.level.toPrecision(2)}; this matrix needs ${enough.need} runs per side (bench --runs ${enough.need}, or ${enough.need} report files per side)`;
  const cellVerdicts = verdictsOf(cellTests, level);
  const cells = measured.map((m) => judgeCell(m, cellVerdicts, cellLevel)).sort(bySeverity);
  const transportVerdicts = verdictsOf(transportTests, level);
  const transports = transportTests.map((t) => judgeTransport(t, transportVerdicts.get(t) ?? false, transportLevel)).sort(bySeverity);
  const count = (side: Side) => Math.min(...matched.map((k) => side.cells.get(k)!.samples.length));
  return {
    mode,
    alpha: config.alpha,
    unit: base.unit === 'run' && cur.unit === 'run' ? 'run' : 'trial',
    samples: { baseline: count(base), current: count(cur) },
    tests: { cells: cellTests.length, transports: transportTests.length },
    cells,
    transports,
    onlyInBaseline: [...base.cells.keys()].filter((k) => !cur.cells.has(k)),
    onlyInCurrent: [...cur.cells.keys()].filter((k) => !base.cells.has(k)),
    regressions: cells.filter((c) => c.status === 'regressed').length + transports.filter((t) => t.status === 'regressed').length,
    refusal,
    targets: Object.entries(Object.assign({}, ...[...baseline, ...current].map((r) => r.meta.transports)) as Report['meta']['transports'])
      .filter(([, info]) => info.target)
      .map(([name]) => name),
    warnings,
    subjects: { baseline: subjectOf(baseline), current: subjectOf(current) },
    paired: base.paired && cur.paired,
  };
}

/** "base@1a2b3c4", "my change@5d6e7f8 (uncommitted changes)": what a side's reports say they measured; null where none says. */
function subjectOf(reports: Report[]): string | null {
  const names = new Set(
    reports
      .map((r) => r.meta.subject)
      .filter((s) => s !== undefined)
      .map((s) => {
        const commit = s.commit?.slice(0, 7);
        // a gate's label already names the commit ("base@1a2b3c4")
        const at = commit && !s.label?.includes(commit) ? `@${commit}` : '';
        return `${s.label ?? 'code'}${at}${s.dirty ? ' (uncommitted changes)' : ''}`;
      }),
  );
  return names.size ? [...names].join(', ') : null;
}

/** Stalls of the machine a minute, over a side's runs (ReportMeta.hiccups); null where no report of it measured them. */
function stallsPerMinute(reports: readonly Report[]): number | null {
  const runs = reports.flatMap((r) => r.meta.hiccups ?? []);
  const seconds = runs.reduce((s, h) => s + h.seconds, 0);
  return seconds > 0 ? (60 * runs.reduce((n, h) => n + h.stalls, 0)) / seconds : null;
}

/**
 * The machine stalled far more on one side (3x, and at least one stall a minute): its figures can differ for that
 * alone. Said, not judged: which side's machine was the usual one, the reports cannot tell.
 */
function hiccupWarning(baseline: readonly Report[], current: readonly Report[]): string | null {
  const [b, c] = [stallsPerMinute(baseline), stallsPerMinute(current)];
  if (b === null || c === null || Math.max(b, c) < 1 || Math.max(b, c) < 3 * Math.min(b, c)) return null;
  const rate = (x: number) => `${Number(x.toPrecision(2))}/min`;
  return `the machine stalled more on one side: stalls of ${STALL_MS} ms or more ${rate(b)} in the baseline, ${rate(c)} now (a thread of ours that sleeps ${HICCUP_SLEEP_MS} ms at a time): a difference can be the machine's`;
}

function optionWarnings(baseline: Report, current: Report): string[] {
  const b = baseline.meta.options;
  const c = current.meta.options;
  if (b.fibN !== c.fibN) throw new InputError(`incompatible reports: fib(${b.fibN}) in the baseline, fib(${c.fibN}) now; re-run one with --fib-n`);
  const warnings: string[] = [];
  if (b.durationSec !== c.durationSec || b.trials !== c.trials)
    warnings.push(`the runs differ in duration or trials (${b.trials}×${b.durationSec} s vs ${c.trials}×${c.durationSec} s)`);
  if (serverWorkLabel(b) !== serverWorkLabel(c)) warnings.push(`server work differs: ${serverWorkLabel(b)} in the baseline, ${serverWorkLabel(c)} now`);
  return warnings;
}

/** One metric of one cell before the verdict. */
interface Measured extends Tested, Omit<MetricComparison, 'p' | 'status'> {}

interface MeasuredCell {
  cell: CellResult;
  isReference: boolean;
  metrics: Measured[];
}

/** Each gate metric that both sides measured, tested over its samples (or, deterministic, compared as it is). */
function measureCell([base, cur]: Pair, config: GateConfig, mode: Mode): MeasuredCell {
  const thresholds = thresholdsFor(config, cur.cell.transport);
  const metrics = GATE_METRICS.flatMap((metric): Measured[] => {
    const spec: MetricSpec = METRICS[metric];
    if (spec.deterministic) {
      const [b, c] = [metricOf(base.cell, metric), metricOf(cur.cell, metric)];
      if (!Number.isFinite(b) || !Number.isFinite(c)) return [];
      return [{ ...change(metric, spec.higherIsWorse, b, c, thresholds[metric]), deterministic: true, pWorse: null, pBetter: null, minP: 0, samples: 1 }];
    }
    const b = samplesOf(base, metric, spec);
    const c = samplesOf(cur, metric, spec).map((x) => adjust(spec.scaling, x, mode));
    if (!b.length || !c.length) return [];
    return [measure(metric, spec.higherIsWorse, b, c, thresholds[metric])];
  });
  return { cell: cur.cell, isReference: mode.kind === 'normalized' && cur.cell.transport === mode.reference, metrics };
}

/** A metric's samples on one side: one per sample (run or trial), or for a scenario's own metric one per run. */
function samplesOf(side: CellSamples, metric: Metric, spec: MetricSpec): number[] {
  const values = spec.ofStat ? side.samples.map((s) => spec.ofStat!(s.stat)) : (side.own[metric] ?? []);
  return values.filter(Number.isFinite);
}

function change(metric: Metric, higherIsWorse: boolean, b: number, c: number, thresholdPct: number) {
  const changePct = b === 0 ? (c === 0 ? 0 : Number.POSITIVE_INFINITY) : (c / b - 1) * 100;
  return { metric, baseline: b, current: c, changePct, worsePct: higherIsWorse ? changePct : -changePct, thresholdPct };
}

function measure(metric: Metric, higherIsWorse: boolean, base: number[], cur: number[], thresholdPct: number): Measured {
  const out = change(metric, higherIsWorse, median(base), median(cur), thresholdPct);
  const [worse, better] = higherIsWorse
    ? [mannWhitneyGreater(cur, base), mannWhitneyGreater(base, cur)]
    : [mannWhitneyGreater(base, cur), mannWhitneyGreater(cur, base)];
  return { ...out, deterministic: false, pWorse: worse.p, pBetter: better.p, minP: worse.minP, samples: Math.min(base.length, cur.length) };
}

function judgeCell(m: MeasuredCell, rejected: Map<Measured, boolean>, level: number): CellComparison {
  const metrics = m.metrics.map((x): MetricComparison => {
    const { pWorse, pBetter, minP, deterministic, samples, ...rest } = x;
    return { ...rest, p: pWorse, status: statusOf(x, rejected.get(x) ?? false, level) };
  });
  const { transport, call, scenario, concurrency, payloadEntries } = m.cell;
  const status = m.isReference ? 'reference' : worst(metrics.map((x) => x.status));
  return { key: cellLabel(m.cell), transport, call, scenario, concurrency, payloadEntries, metrics, status };
}

/** A transport's matched cells on both sides, for the transport-wide test. */
interface TransportCells {
  transport: string;
  pairs: Pair[];
  mode: Mode;
  /** Both sides ran in a gate's rounds: their samples pair by round. */
  paired: boolean;
}

function transportsOf(pairs: readonly Pair[], mode: Mode, paired: boolean): TransportCells[] {
  const by = groupBy(
    pairs.filter(([b]) => !(mode.kind === 'normalized' && b.cell.transport === mode.reference)),
    ([b]) => b.cell.transport,
  );
  return [...by].map(([transport, ps]) => ({ transport, pairs: ps, mode, paired }));
}

interface MeasuredTransport extends Tested {
  transport: string;
  cells: number;
  changePct: number;
  /**
   * The spread of the samples the test compares (log units: the per-run scores pooled, or the pairs' differences), and
   * the runs on each side; for pairs, their differences about their median too (what the paired detection draws from).
   */
  spread: { sd: number; baseline: number; current: number; paired: boolean; residuals: number[] };
}

/**
 * The run-to-run spread of two samples, each about its own median (a shift between them is not spread), as a
 * standard deviation: 1.4826 × the median absolute deviation, pooled. Robust, like the rank test it speaks for: on
 * this machine one run in eight lands 30% slow, which would double a plain standard deviation (measured: 11.4% against
 * a bulk of about 3%) while the Mann-Whitney test hardly notices it.
 */
function pooledSpread(a: number[], b: number[]): number {
  const mad = (xs: number[]) => {
    const m = median(xs);
    return 1.4826 * median(xs.map((x) => Math.abs(x - m)));
  };
  return Math.sqrt((mad(a) ** 2 + mad(b) ** 2) / 2);
}

/**
 * Per sample (run), the mean over the transport's cells of log(p50 / the baseline's median p50 of that cell):
 * how much slower this run was across the whole transport. Samples missing a cell are left out.
 */
function measureTransport(t: TransportCells, config: GateConfig): MeasuredTransport {
  const baseMedian = t.pairs.map(([b]) => median(b.samples.map((s) => s.stat.latencyUs.p50)));
  const scores = (side: 0 | 1): Map<number, number> => {
    const logChanges = t.pairs.flatMap((pair, i) =>
      pair[side].samples.map((s) => {
        const p50 = side === 1 ? adjust('divide', s.stat.latencyUs.p50, t.mode) : s.stat.latencyUs.p50;
        return { index: s.index, value: Math.log(p50 / baseMedian[i]!) };
      }),
    );
    const perIndex = [...groupBy(logChanges, (x) => x.index)].filter(([, xs]) => xs.length === t.pairs.length);
    return new Map(perIndex.map(([index, xs]) => [index, xs.reduce((a, x) => a + x.value, 0) / xs.length]));
  };
  const [bs, cs] = [scores(0), scores(1)];
  const [b, c] = [[...bs.values()], [...cs.values()]];
  const thresholdPct = thresholdsFor(config, t.transport).p50;
  const base = { transport: t.transport, cells: t.pairs.length, thresholdPct, deterministic: false };
  // runs in rounds (a gate's A B, B A, ...): the pairs' differences, so that what a round did to the machine cancels
  const rounds = t.paired ? [...cs.keys()].filter((k) => bs.has(k)) : [];
  if (rounds.length >= 2) {
    const d = rounds.map((k) => cs.get(k)! - bs.get(k)!);
    const test = signedRankGreater(d);
    const changePct = (Math.exp(median(d)) - 1) * 100;
    const sd = 1.4826 * median(d.map((x) => Math.abs(x - median(d))));
    return {
      ...base,
      changePct,
      worsePct: changePct,
      pWorse: test.p,
      pBetter: signedRankGreater(d.map((x) => -x)).p,
      minP: test.minP,
      samples: rounds.length,
      spread: { sd, baseline: rounds.length, current: rounds.length, paired: true, residuals: d.map((x) => x - median(d)) },
    };
  }
  const test = mannWhitneyGreater(c, b);
  const ok = b.length > 0 && c.length > 0;
  const changePct = ok ? (Math.exp(median(c) - median(b)) - 1) * 100 : 0;
  return {
    ...base,
    changePct,
    worsePct: changePct,
    pWorse: ok ? test.p : null,
    pBetter: ok ? mannWhitneyGreater(b, c).p : null,
    minP: test.minP,
    samples: Math.min(b.length, c.length),
    spread: { sd: ok ? pooledSpread(b, c) : 0, baseline: b.length, current: c.length, paired: false, residuals: [] },
  };
}

function judgeTransport(t: MeasuredTransport, rejected: boolean, level: number): TransportComparison {
  const limits = t.spread.paired ? pairedDetection(t.spread.residuals, level) : detection(t.spread.sd, t.spread.baseline, t.spread.current, level);
  const seen = { ...limits, spreadPct: (Math.exp(t.spread.sd) - 1) * 100, paired: t.spread.paired };
  return {
    transport: t.transport,
    cells: t.cells,
    changePct: t.changePct,
    thresholdPct: t.thresholdPct,
    p: t.pWorse,
    status: statusOf(t, rejected, level),
    detection: seen,
  };
}
