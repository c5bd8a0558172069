// Baseline report + current report -> a typed Comparison. Measures nothing and formats nothing.
// A metric regresses only when its change is beyond its threshold AND a one-sided Mann-Whitney test over
// the per-trial values says the change is not noise: a noisy shared machine must not cry wolf.
import { median } from '../stats.ts';
import type { CellResult, Report, TrialResult } from '../types.ts';
import { AUTO_REFERENCE, thresholdsFor, type GateConfig, type Metric } from './config.ts';
import { cellKey, InputError } from './load.ts';
import { binomial, mannWhitneyGreater } from './mann-whitney.ts';

/** regressed > undecidable (too few trials to tell) > noise (beyond threshold, not significant) > improved > unchanged */
export type Status = 'regressed' | 'undecidable' | 'noise' | 'improved' | 'unchanged' | 'reference';
const SEVERITY: Status[] = ['unchanged', 'reference', 'improved', 'noise', 'undecidable', 'regressed'];

export interface MetricComparison {
  metric: Metric;
  baseline: number;
  current: number;
  /** Signed change of the (normalized) median, in percent: +10 means the value grew 10%. */
  changePct: number;
  /** The change in the metric's worse direction (latency up, calls/s down), in percent. */
  worsePct: number;
  thresholdPct: number;
  /** p-value of the one-sided test in the direction of the change; null for deterministic metrics (bytes). */
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

export type Mode = { kind: 'absolute' } | { kind: 'normalized'; reference: string; factor: number; cells: number };

export interface Comparison {
  mode: Mode;
  alpha: number;
  /** How many metric tests the Holm correction spread alpha over. */
  tests: number;
  cells: CellComparison[];
  onlyInBaseline: string[];
  onlyInCurrent: string[];
  regressions: number;
  warnings: string[];
}

interface MetricSpec {
  metric: Metric;
  higherIsWorse: boolean;
  /** Divided by the machine factor in normalized mode (time-like); calls/s is multiplied instead. */
  normalize: 'divide' | 'multiply' | 'none';
  trials(cell: CellResult): number[];
}

const SPECS: MetricSpec[] = [
  { metric: 'p50', higherIsWorse: true, normalize: 'divide', trials: (c) => c.trials.map((t) => t.latencyUs.p50) },
  { metric: 'p99', higherIsWorse: true, normalize: 'divide', trials: (c) => c.trials.map((t) => t.latencyUs.p99) },
  { metric: 'callsPerSec', higherIsWorse: false, normalize: 'multiply', trials: (c) => c.trials.map((t) => t.callsPerSec) },
  { metric: 'cpuPerCall', higherIsWorse: true, normalize: 'divide', trials: (c) => c.trials.map(cpuOf) },
  { metric: 'bytesPerCall', higherIsWorse: true, normalize: 'none', trials: (c) => (c.bytesPerCall ? [c.bytesPerCall.request + c.bytesPerCall.response] : []) },
];

const cpuOf = (t: TrialResult) => t.cpuUsPerCall.client + (t.cpuUsPerCall.server ?? 0);

export function compareReports(baseline: Report, current: Report, config: GateConfig): Comparison {
  const base = new Map(baseline.results.map((c) => [cellKey(c), c]));
  const cur = new Map(current.results.map((c) => [cellKey(c), c]));
  const matched = [...cur.keys()].filter((k) => base.has(k));
  if (!matched.length) throw new InputError('nothing to compare: no cell (transport, call, scenario, concurrency, payload) is in both reports');
  const warnings = optionWarnings(baseline, current);
  const mode = modeFor(config.normalize, matched.map((k) => [base.get(k)!, cur.get(k)!]));
  const measured = matched.map((k) => measureCell(base.get(k)!, cur.get(k)!, config, mode));
  const family = measured.flatMap((c) => (c.isReference ? [] : c.metrics.filter((m) => m.pWorse !== null)));
  const rejected = holm(family.map((m) => m.pWorse!), config.alpha);
  const verdicts = new Map(family.map((m, i) => [m, rejected[i]!]));
  const level = config.alpha / Math.max(1, family.length);
  requireEnoughTrials(family, level);
  const cells = measured.map((c) => judgeCell(c, (m) => verdicts.get(m) ?? false, level));
  cells.sort((a, b) => SEVERITY.indexOf(b.status) - SEVERITY.indexOf(a.status));
  return {
    mode,
    alpha: config.alpha,
    tests: family.length,
    cells,
    onlyInBaseline: [...base.keys()].filter((k) => !cur.has(k)),
    onlyInCurrent: [...cur.keys()].filter((k) => !base.has(k)),
    regressions: cells.filter((c) => c.status === 'regressed').length,
    warnings,
  };
}

function optionWarnings(baseline: Report, current: Report): string[] {
  const b = baseline.meta.options;
  const c = current.meta.options;
  if (b.fibN !== c.fibN) throw new InputError(`incompatible reports: fib(${b.fibN}) in the baseline, fib(${c.fibN}) now; re-run one with --fib-n`);
  const warnings: string[] = [];
  if (b.durationSec !== c.durationSec || b.trials !== c.trials) warnings.push(`the runs differ in duration or trials (${b.trials}×${b.durationSec} s vs ${c.trials}×${c.durationSec} s)`);
  if (b.serverWorkUs !== c.serverWorkUs) warnings.push(`server work differs: ${b.serverWorkUs} µs in the baseline, ${c.serverWorkUs} µs now`);
  return warnings;
}

/** Normalized mode: the geometric mean of current/baseline p50 over the reference transport's cells. */
function modeFor(requested: string | null, pairs: Array<[CellResult, CellResult]>): Mode {
  if (!requested) return { kind: 'absolute' };
  const candidates = requested === AUTO_REFERENCE ? ['tcp', 'inproc'] : [requested];
  for (const reference of candidates) {
    const refPairs = pairs.filter(([b]) => b.transport === reference);
    if (!refPairs.length) continue;
    const logs = refPairs.map(([b, c]) => Math.log(c.latencyUs.p50 / b.latencyUs.p50));
    return { kind: 'normalized', reference, factor: Math.exp(logs.reduce((s, x) => s + x, 0) / logs.length), cells: refPairs.length };
  }
  throw new InputError(`cannot normalize to ${candidates.join(' or ')}: no cell of it is in both reports (run it, or pick another with --reference)`);
}

/** Refuses a comparison whose trial counts could not flag anything: a gate that cannot fail is worse than none. */
function requireEnoughTrials(family: Measured[], level: number): void {
  if (!family.length || family.some((m) => m.minP <= level)) return;
  const need = trialsFor(level);
  throw new InputError(
    `too few trials to decide: with these trial counts no test can reach p <= ${level.toPrecision(2)} (alpha over ${family.length} tests); ` +
      `give ${need} or more trials per side (--trials ${need}, or pool runs: A.json,B.json,C.json)`,
  );
}

/** The smallest n for which n vs n trials, perfectly separated, reach p <= level. */
function trialsFor(level: number): number {
  let n = 1;
  while (1 / binomial(2 * n, n) > level) n++;
  return n;
}

/** One metric of one cell before the verdict: medians, change and the one-sided p-values. */
interface Measured {
  spec: MetricSpec;
  baseline: number;
  current: number;
  changePct: number;
  worsePct: number;
  thresholdPct: number;
  /** p that current is worse than baseline; null for deterministic metrics. */
  pWorse: number | null;
  pBetter: number | null;
  /** The smallest p these trial counts can reach. */
  minP: number;
}

interface MeasuredCell {
  cell: CellResult;
  isReference: boolean;
  metrics: Measured[];
}

function measureCell(base: CellResult, cur: CellResult, config: GateConfig, mode: Mode): MeasuredCell {
  const thresholds = thresholdsFor(config, cur.transport);
  const metrics = SPECS.flatMap((spec) => {
    const b = spec.trials(base);
    const c = adjust(spec, spec.trials(cur), mode);
    return b.length && c.length ? [measure(spec, b, c, thresholds[spec.metric])] : [];
  });
  return { cell: cur, isReference: mode.kind === 'normalized' && cur.transport === mode.reference, metrics };
}

function adjust(spec: MetricSpec, values: number[], mode: Mode): number[] {
  if (mode.kind === 'absolute' || spec.normalize === 'none') return values;
  return values.map((v) => (spec.normalize === 'divide' ? v / mode.factor : v * mode.factor));
}

function measure(spec: MetricSpec, base: number[], cur: number[], thresholdPct: number): Measured {
  const b = median(base);
  const c = median(cur);
  const changePct = b === 0 ? (c === 0 ? 0 : Infinity) : (c / b - 1) * 100;
  const worsePct = spec.higherIsWorse ? changePct : -changePct;
  const out = { spec, baseline: b, current: c, changePct, worsePct, thresholdPct };
  if (spec.metric === 'bytesPerCall') return { ...out, pWorse: null, pBetter: null, minP: 0 };
  const [worse, better] = spec.higherIsWorse ? [mannWhitneyGreater(cur, base), mannWhitneyGreater(base, cur)] : [mannWhitneyGreater(base, cur), mannWhitneyGreater(cur, base)];
  return { ...out, pWorse: worse.p, pBetter: better.p, minP: worse.minP };
}

/**
 * Holm-Bonferroni over every stochastic metric of every cell: a quick matrix makes ~200 tests, and at
 * p <= 0.05 each, ten of them would "regress" on pure noise. Holm keeps the chance of any false alarm <= alpha.
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

function judgeCell(m: MeasuredCell, rejected: (x: Measured) => boolean, level: number): CellComparison {
  const metrics = m.metrics.map((x): MetricComparison => {
    const { spec, pWorse, pBetter, minP, ...rest } = x;
    return { metric: spec.metric, ...rest, p: pWorse, status: verdict(x, rejected(x), level) };
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
