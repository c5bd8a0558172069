// Baseline runs + current runs -> a typed Comparison. Measures nothing and formats nothing.
//
// A metric regresses only when its change is beyond its threshold AND a one-sided Mann-Whitney test says the
// change is not noise. What counts as one sample matters: trials of one run share its server processes and
// machine state, and runs of the same build differ by far more than its trials do (here 8-28% against 5-12%).
// So when a side pools several runs, each run (the median of its trials) is one sample; a single run per side
// can only offer its trials. Two families of tests, Holm-corrected at alpha/2 each so that a whole comparison
// cries wolf with probability <= alpha: every metric of every cell, and one test per transport over all its
// cells' p50, which sees a transport-wide slowdown that is too small for any one noisy cell to show.
import { median, medianOfTrials } from '../stats.ts';
import type { CellResult, Report, TrialResult } from '../types.ts';
import { AUTO_REFERENCE, thresholdsFor, type GateConfig, type Metric } from './config.ts';
import { cellKey } from '../cells.ts';
import { InputError } from './load.ts';
import { binomial, mannWhitneyGreater } from './mann-whitney.ts';

/** regressed > undecidable (too few samples to tell) > noise (beyond threshold, not significant) > improved > unchanged */
export type Status = 'regressed' | 'undecidable' | 'noise' | 'improved' | 'unchanged' | 'reference';
const SEVERITY: Status[] = ['unchanged', 'reference', 'improved', 'noise', 'undecidable', 'regressed'];

/** What one sample is: a whole run (several runs pooled per side) or a trial (one run per side). */
export type SampleUnit = 'run' | 'trial';

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
}

export type Mode = { kind: 'absolute' } | { kind: 'normalized'; reference: string; factor: number; cells: number };

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
  warnings: string[];
}

type Stat = Pick<TrialResult, 'latencyUs' | 'callsPerSec' | 'cpuUsPerCall'>;

/** One cell's samples on one side; `index` aligns samples across a transport's cells (run number or trial number). */
interface CellSamples {
  cell: CellResult;
  samples: Array<{ index: number; stat: Stat }>;
}

interface Side {
  unit: SampleUnit;
  cells: Map<string, CellSamples>;
}

interface MetricSpec {
  metric: Metric;
  higherIsWorse: boolean;
  /** Divided by the machine factor in normalized mode (time-like); calls/s is multiplied instead. */
  normalize: 'divide' | 'multiply' | 'none';
  value(s: Stat): number;
}

const SPECS: MetricSpec[] = [
  { metric: 'p50', higherIsWorse: true, normalize: 'divide', value: (s) => s.latencyUs.p50 },
  { metric: 'p99', higherIsWorse: true, normalize: 'divide', value: (s) => s.latencyUs.p99 },
  { metric: 'callsPerSec', higherIsWorse: false, normalize: 'multiply', value: (s) => s.callsPerSec },
  { metric: 'cpuPerCall', higherIsWorse: true, normalize: 'divide', value: (s) => s.cpuUsPerCall.client + (s.cpuUsPerCall.server ?? 0) },
];

export function compareReports(baseline: Report[], current: Report[], config: GateConfig): Comparison {
  const base = sideOf(baseline);
  const cur = sideOf(current);
  const unit: SampleUnit = base.unit === 'run' && cur.unit === 'run' ? 'run' : 'trial';
  const matched = [...cur.cells.keys()].filter((k) => base.cells.has(k));
  if (!matched.length) throw new InputError('nothing to compare: no cell (transport, call, scenario, concurrency, payload) is in both reports');
  const warnings = optionWarnings(baseline[0]!, current[0]!);
  if (base.unit !== cur.unit) warnings.push('one side is a single run and the other several: samples are trials, which understate run-to-run noise');
  const pairs = matched.map((k) => [base.cells.get(k)!, cur.cells.get(k)!] as const);
  const mode = modeFor(config.normalize, pairs);
  const level = config.alpha / 2;

  const measured = pairs.map(([b, c]) => measureCell(b, c, config, mode));
  const cellTests = measured.flatMap((m) => (m.isReference ? [] : m.metrics.filter((x) => x.pWorse !== null)));
  const transportTests = transportsOf(pairs, mode).map((t) => measureTransport(t, config));
  requireEnoughSamples([...cellTests, ...transportTests], [level / Math.max(1, cellTests.length), level / Math.max(1, transportTests.length)]);

  const cellVerdicts = verdictsOf(cellTests, level);
  const cells = measured.map((m) => judgeCell(m, cellVerdicts, level / Math.max(1, cellTests.length)));
  cells.sort((a, b) => SEVERITY.indexOf(b.status) - SEVERITY.indexOf(a.status));
  const transportVerdicts = verdictsOf(transportTests, level);
  const transports = transportTests.map((t) => judgeTransport(t, transportVerdicts.get(t) ?? false, level / transportTests.length));
  transports.sort((a, b) => SEVERITY.indexOf(b.status) - SEVERITY.indexOf(a.status));

  const count = (side: Side) => Math.min(...matched.map((k) => side.cells.get(k)!.samples.length));
  return {
    mode,
    alpha: config.alpha,
    unit,
    samples: { baseline: count(base), current: count(cur) },
    tests: { cells: cellTests.length, transports: transportTests.length },
    cells,
    transports,
    onlyInBaseline: [...base.cells.keys()].filter((k) => !cur.cells.has(k)),
    onlyInCurrent: [...cur.cells.keys()].filter((k) => !base.cells.has(k)),
    regressions: cells.filter((c) => c.status === 'regressed').length + transports.filter((t) => t.status === 'regressed').length,
    warnings,
  };
}

/**
 * A run is one report file, or one run of a report made with --runs N. Several runs on a side: one
 * sample per run (the median of its trials). A single run: its trials.
 */
function groupBy<T, K>(items: Iterable<T>, key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const runsOf = (cell: CellResult) => groupBy(cell.trials, (t) => t.run ?? 0);

function sideOf(reports: Report[]): Side {
  const manyRuns = reports.length > 1 || reports.some((r) => r.results.some((c) => runsOf(c).size > 1));
  const cells = new Map<string, CellSamples>();
  reports.forEach((report, file) => {
    for (const cell of report.results) {
      const key = cellKey(cell);
      const entry = cells.get(key) ?? { cell, samples: [] };
      cells.set(key, entry);
      if (!manyRuns) entry.samples.push(...cell.trials.map((stat, index) => ({ index, stat })));
      else for (const [run, trials] of runsOf(cell)) entry.samples.push({ index: file * 100_000 + run, stat: medianOfTrials(trials) });
    }
  });
  return { unit: manyRuns ? 'run' : 'trial', cells };
}

function optionWarnings(baseline: Report, current: Report): string[] {
  const b = baseline.meta.options;
  const c = current.meta.options;
  if (b.fibN !== c.fibN) throw new InputError(`incompatible reports: fib(${b.fibN}) in the baseline, fib(${c.fibN}) now; re-run one with --fib-n`);
  const warnings: string[] = [];
  if (b.durationSec !== c.durationSec || b.trials !== c.trials) warnings.push(`the runs differ in duration or trials (${b.trials}×${b.durationSec} s vs ${c.trials}×${c.durationSec} s)`);
  const work = (o: typeof b) => JSON.stringify([o.serverWorkUs, o.serverWorkUsByTransport ?? {}]);
  if (work(b) !== work(c)) warnings.push(`server work differs: ${work(b)} µs in the baseline, ${work(c)} µs now`);
  return warnings;
}

/** Normalized mode: the geometric mean of current/baseline p50 over the reference transport's cells. */
function modeFor(requested: string | null, pairs: ReadonlyArray<readonly [CellSamples, CellSamples]>): Mode {
  if (!requested) return { kind: 'absolute' };
  const candidates = requested === AUTO_REFERENCE ? ['tcp', 'inproc'] : [requested];
  for (const reference of candidates) {
    const refPairs = pairs.filter(([b]) => b.cell.transport === reference);
    if (!refPairs.length) continue;
    const p50 = (s: CellSamples) => median(s.samples.map((x) => x.stat.latencyUs.p50));
    const logs = refPairs.map(([b, c]) => Math.log(p50(c) / p50(b)));
    return { kind: 'normalized', reference, factor: Math.exp(logs.reduce((s, x) => s + x, 0) / logs.length), cells: refPairs.length };
  }
  throw new InputError(`cannot normalize to ${candidates.join(' or ')}: no cell of it is in both reports (run it, or pick another with --reference)`);
}

function adjust(normalize: MetricSpec['normalize'], value: number, mode: Mode): number {
  if (mode.kind === 'absolute' || normalize === 'none') return value;
  return normalize === 'divide' ? value / mode.factor : value * mode.factor;
}

/** The p-value, and the smallest p these sample counts could ever give: above the test's level, no verdict is possible. */
interface Tested {
  pWorse: number | null;
  minP: number;
}

/** One metric of one cell before the verdict. */
interface Measured extends Tested, Omit<MetricComparison, 'p' | 'status'> {
  pBetter: number | null;
}

interface MeasuredCell {
  cell: CellResult;
  isReference: boolean;
  metrics: Measured[];
}

function measureCell(base: CellSamples, cur: CellSamples, config: GateConfig, mode: Mode): MeasuredCell {
  const thresholds = thresholdsFor(config, cur.cell.transport);
  const metrics = SPECS.map((spec) => {
    const b = base.samples.map((s) => spec.value(s.stat));
    const c = cur.samples.map((s) => adjust(spec.normalize, spec.value(s.stat), mode));
    return measure(spec.metric, spec.higherIsWorse, b, c, thresholds[spec.metric]);
  });
  const bytes = (c: CellResult) => (c.bytesPerCall ? c.bytesPerCall.request + c.bytesPerCall.response : null);
  const [bb, cb] = [bytes(base.cell), bytes(cur.cell)];
  if (bb !== null && cb !== null) metrics.push({ ...change('bytesPerCall', true, bb, cb, thresholds.bytesPerCall), pWorse: null, pBetter: null, minP: 0 });
  return { cell: cur.cell, isReference: mode.kind === 'normalized' && cur.cell.transport === mode.reference, metrics };
}

function change(metric: Metric, higherIsWorse: boolean, b: number, c: number, thresholdPct: number) {
  const changePct = b === 0 ? (c === 0 ? 0 : Infinity) : (c / b - 1) * 100;
  return { metric, baseline: b, current: c, changePct, worsePct: higherIsWorse ? changePct : -changePct, thresholdPct };
}

function measure(metric: Metric, higherIsWorse: boolean, base: number[], cur: number[], thresholdPct: number): Measured {
  const out = change(metric, higherIsWorse, median(base), median(cur), thresholdPct);
  const [worse, better] = higherIsWorse ? [mannWhitneyGreater(cur, base), mannWhitneyGreater(base, cur)] : [mannWhitneyGreater(base, cur), mannWhitneyGreater(cur, base)];
  return { ...out, pWorse: worse.p, pBetter: better.p, minP: worse.minP };
}

/** A transport's matched cells on both sides, for the transport-wide test. */
interface TransportCells {
  transport: string;
  pairs: Array<readonly [CellSamples, CellSamples]>;
  mode: Mode;
}

function transportsOf(pairs: ReadonlyArray<readonly [CellSamples, CellSamples]>, mode: Mode): TransportCells[] {
  const by = new Map<string, TransportCells>();
  for (const pair of pairs) {
    const transport = pair[0].cell.transport;
    if (mode.kind === 'normalized' && transport === mode.reference) continue;
    const entry = by.get(transport) ?? { transport, pairs: [], mode };
    by.set(transport, entry);
    entry.pairs.push(pair);
  }
  return [...by.values()];
}

interface MeasuredTransport extends Tested {
  pBetter: number | null;
  transport: string;
  cells: number;
  changePct: number;
  thresholdPct: number;
}

/**
 * Per sample (run), the mean over the transport's cells of log(p50 / the baseline's median p50 of that cell):
 * how much slower this run was across the whole transport. Samples missing a cell are left out.
 */
function measureTransport(t: TransportCells, config: GateConfig): MeasuredTransport {
  const baseMedian = t.pairs.map(([b]) => median(b.samples.map((s) => s.stat.latencyUs.p50)));
  const scores = (side: 0 | 1) => {
    const logChanges = t.pairs.flatMap((pair, i) =>
      pair[side].samples.map((s) => {
        const p50 = side === 1 ? adjust('divide', s.stat.latencyUs.p50, t.mode) : s.stat.latencyUs.p50;
        return { index: s.index, value: Math.log(p50 / baseMedian[i]!) };
      }),
    );
    const perIndex = [...groupBy(logChanges, (x) => x.index).values()];
    return perIndex.filter((xs) => xs.length === t.pairs.length).map((xs) => xs.reduce((a, x) => a + x.value, 0) / xs.length);
  };
  const [b, c] = [scores(0), scores(1)];
  const test = mannWhitneyGreater(c, b);
  const ok = b.length > 0 && c.length > 0;
  const changePct = ok ? (Math.exp(median(c) - median(b)) - 1) * 100 : 0;
  const thresholdPct = thresholdsFor(config, t.transport).p50;
  return { transport: t.transport, cells: t.pairs.length, changePct, thresholdPct, pWorse: ok ? test.p : null, pBetter: ok ? mannWhitneyGreater(b, c).p : null, minP: test.minP };
}

/** Refuses a comparison whose sample counts could not flag anything: a gate that cannot fail is worse than none. */
function requireEnoughSamples(tests: Tested[], levels: number[]): void {
  const lenient = Math.max(...levels);
  if (!tests.length || tests.some((t) => t.pWorse !== null && t.minP <= lenient)) return;
  const need = samplesFor(lenient);
  throw new InputError(
    `too few samples to decide: no test can reach p <= ${lenient.toPrecision(2)} with these; give ${need} or more per side ` +
      `(bench --runs ${need}, or ${need} report files per side, comma-separated)`,
  );
}

/** The smallest n for which n vs n samples, perfectly separated, reach p <= level. */
function samplesFor(level: number): number {
  let n = 1;
  while (1 / binomial(2 * n, n) > level) n++;
  return n;
}

/**
 * Holm-Bonferroni at `alpha` over one family: a quick matrix makes ~190 cell tests, and at p <= 0.05 each,
 * about ten would "regress" on pure noise. Holm keeps the chance of any false alarm in the family <= alpha.
 */
export function holm(ps: readonly number[], alpha: number): boolean[] {
  const order = ps.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const rejected = ps.map(() => false);
  for (let rank = 0; rank < order.length; rank++) {
    const [p, i] = order[rank]!;
    if (p > alpha / (order.length - rank)) break;
    rejected[i] = true;
  }
  return rejected;
}

function verdictsOf<T extends Tested>(tests: T[], alpha: number): Map<T, boolean> {
  const rejected = holm(tests.map((t) => t.pWorse ?? 1), alpha);
  return new Map(tests.map((t, i) => [t, rejected[i]!]));
}

function judgeCell(m: MeasuredCell, rejected: Map<Measured, boolean>, level: number): CellComparison {
  const metrics = m.metrics.map((x): MetricComparison => {
    const { pWorse, pBetter, minP, ...rest } = x;
    return { ...rest, p: pWorse, status: verdict(x, rejected.get(x) ?? false, level) };
  });
  const worst = metrics.reduce<Status>((s, x) => (SEVERITY.indexOf(x.status) > SEVERITY.indexOf(s) ? x.status : s), 'unchanged');
  const { transport, call, scenario, concurrency, payloadEntries } = m.cell;
  return { key: cellKey(m.cell), transport, call, scenario, concurrency, payloadEntries, metrics, status: m.isReference ? 'reference' : worst };
}

function verdict(x: Measured, rejected: boolean, level: number): Status {
  if (x.pWorse === null) return x.worsePct > x.thresholdPct ? 'regressed' : x.worsePct < 0 ? 'improved' : 'unchanged';
  if (x.worsePct > x.thresholdPct) return rejected ? 'regressed' : x.minP > level ? 'undecidable' : 'noise';
  if (-x.worsePct > x.thresholdPct && x.pBetter! <= level) return 'improved';
  return 'unchanged';
}

function judgeTransport(t: MeasuredTransport, rejected: boolean, level: number): TransportComparison {
  const better = -t.changePct > t.thresholdPct && t.pBetter !== null && t.pBetter <= level;
  const status: Status = t.changePct > t.thresholdPct ? (rejected ? 'regressed' : t.minP > level ? 'undecidable' : 'noise') : better ? 'improved' : 'unchanged';
  return { transport: t.transport, cells: t.cells, changePct: t.changePct, thresholdPct: t.thresholdPct, p: t.pWorse, status };
}
