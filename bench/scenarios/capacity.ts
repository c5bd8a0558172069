// capacity: how many calls/s a transport carries before the latency objective breaks (--slo, default p99<10ms).
// Searches the offered rate of an open loop (latency counted from when each call was due, as in `rate`): steps up
// geometrically from a low rate until a step fails, then bisects (geometrically) between the last rate that passed
// and the first that failed, until they are within --capacity-precision of each other. A step passes when its
// objective holds over all its calls, fewer than 0.1% are dropped, and none fails. Every step is kept.
// OpenMessaging Benchmark's findMaximumSustainableRate and ghz's --load-schedule step do the like for one system.
import { decodeHistogram, latencyUs, newHistogram } from '../report/histograms.ts';
import { median, medianCpu, round3 } from '../report/trials.ts';
import type { CapacityOutcome, CapacitySearch, CapacityStep, CellKey, LatencyUs, TrialResult } from '../report/types.ts';
import type { CapacitySettings, CellRun, CellRunner, Measurement, Scenario } from './scenario.ts';

const PCT_KEY: Record<CapacitySettings['slo']['metric'], keyof LatencyUs> = { p50: 'p50', p90: 'p90', p99: 'p99', 'p99.9': 'p999', max: 'max', mean: 'mean' };

export const capacity: Scenario = {
  name: 'capacity',
  measures: 'the highest offered rate (open loop) at which the latency objective (--slo) holds, with no errors and under 0.1% dropped',
  loop: 'open',
  // one search per transport x call; the calls in flight are capped generously (a cap that is reached drops calls, and fails the step)
  cells: (base, request) => [{ ...base, scenario: 'capacity', concurrency: request.capacity.maxInFlight, ratePerSec: null }],
  plan: (r) => `capacity within ${r.capacity.slo.text} (a search of the offered rate)`,
  load: (cell) => `≤${cell.concurrency} in flight`,
  metrics: ['capacity'],
  // steps per search, measured: 6-9 for the getObj of the default matrix (`bench --scenarios capacity --calls getObj`)
  measurementsPerCell: 8,
  run: search,
  outcome: (_cell, trials, searches) => ({ rate: null, capacity: outcomeOf(searches, trials) }),
};

/** A step's percentiles over all its calls (its trials' histograms added): more samples than any one trial's. */
function stepLatency(trials: readonly TrialResult[]): LatencyUs {
  const all = newHistogram();
  for (const t of trials) if (t.histogram) all.add(decodeHistogram(t.histogram));
  return latencyUs(all);
}

const sum = (trials: readonly TrialResult[], f: (t: TrialResult) => number) => trials.reduce((n, t) => n + f(t), 0);

function stepOf(ratePerSec: number, m: Measurement, s: CapacitySettings): CapacityStep {
  const { trials } = m;
  const scheduled = sum(trials, (t) => t.calls + t.errors + t.dropped);
  const droppedShare = scheduled ? round3(sum(trials, (t) => t.dropped) / scheduled) : 0;
  const errors = sum(trials, (t) => t.errors);
  const latency = stepLatency(trials);
  const observed = latency[PCT_KEY[s.slo.metric]];
  const why = [
    (s.slo.inclusive ? observed > s.slo.limitUs : observed >= s.slo.limitUs)
      ? `${s.slo.metric} ${Math.round(observed).toLocaleString('en-US')} µs ${s.slo.inclusive ? '>' : '≥'} ${s.slo.limitUs.toLocaleString('en-US')} µs`
      : null,
    droppedShare >= s.maxDroppedShare ? `${round3(droppedShare * 100)}% dropped` : null,
    errors ? `${errors} error(s)` : null,
  ].filter((x): x is string => x !== null);
  return {
    ratePerSec,
    pass: why.length === 0,
    reason: why.length ? why.join(', ') : null,
    achievedPerSec: round3(median(trials.map((t) => t.callsPerSec))),
    latencyUs: latency,
    droppedShare,
    errors,
    clientBound: trials.filter((t) => t.clientBound).length * 2 > trials.length,
    loopUtilization: round3(median(trials.map((t) => t.client.loopUtilization))),
    cpuUsPerCall: medianCpu(trials),
    warmup: m.warmup,
    trials,
  };
}

/**
 * Without --capacity-start, the search starts at this fraction of a closed loop's calls/s, two doublings under it.
 * Measured on the default matrix's getObj: from an eighth, 157 steps in 5m02s, and 18 of 19 searches passed their
 * first three steps (the other failed its second); a first step that fails costs a step down, no more.
 */
const PROBE_SHARE = 4;

/** Rates a reader can read: 3 significant digits (1,230/s, not 1,234.5678/s). */
const nice = (rate: number) => Number(rate.toPrecision(3));

async function search(cell: CellKey, runner: CellRunner): Promise<CellRun> {
  const s = runner.capacity;
  const steps: CapacityStep[] = [];
  const measured = new Map<CapacityStep, Measurement>();
  const step = async (rate: number) => {
    const m = await runner.measure({ ...cell, ratePerSec: rate });
    const result = stepOf(rate, m, s);
    steps.push(result);
    measured.set(result, m);
    return result.pass;
  };
  let pass: number | null = null;
  let fail: number | null = null;
  // up, geometrically, from a low rate until a step fails (or the highest rate passes)
  const start = s.startPerSec ?? Math.min(s.maxPerSec, Math.max(s.minPerSec, (await runner.probe(cell)) / PROBE_SHARE));
  for (let rate = nice(start); fail === null && rate <= s.maxPerSec; rate = nice(rate * s.factor)) (await step(rate)) ? (pass = rate) : (fail = rate);
  // the first rate failed: down, geometrically, until one passes (or none does, down to a call a second)
  for (let rate = nice((fail ?? 0) / s.factor); pass === null && fail !== null && rate >= s.minPerSec; rate = nice(rate / s.factor))
    (await step(rate)) ? (pass = rate) : (fail = rate);
  // then bisect, geometrically, until the interval is narrower than the precision
  while (pass !== null && fail !== null && fail / pass > 1 + s.precision) {
    const mid = nice(Math.sqrt(pass * fail));
    if (mid <= pass || mid >= fail) break;
    (await step(mid)) ? (pass = mid) : (fail = mid);
  }
  return resultOf(s.slo, steps, measured, pass, fail);
}

function resultOf(
  slo: CapacitySettings['slo'],
  steps: CapacityStep[],
  measured: Map<CapacityStep, Measurement>,
  pass: number | null,
  fail: number | null,
): CellRun {
  const top = steps.find((x) => x.pass && x.ratePerSec === pass) ?? null;
  const bound: CapacitySearch['bound'] = top === null ? 'none' : top.clientBound ? 'client' : fail === null ? 'max-rate' : 'server';
  const run = top?.trials[0]?.run;
  const searchResult: CapacitySearch = { ...(run === undefined ? {} : { run }), slo: slo.text, sloLimitUs: slo.limitUs, callsPerSec: pass ?? 0, bound, steps };
  // the cell's own figures are those of its operating point: the highest step that passed (or, if none did, the last)
  const at = measured.get(top ?? steps.at(-1)!)!;
  const warmup = { sec: round3(steps.reduce((n, x) => n + x.warmup.sec, 0)), steady: steps.every((x) => x.warmup.steady) };
  return { warmup, trials: at.trials, errorReasons: at.errorReasons, searches: [searchResult] };
}

/**
 * Searches of several runs (--runs, or pooled reports) as one answer: the median search's capacity and bound (the
 * lower middle one of an even count, so that the figure is one a search found), and
 * what the server would carry with a core of its own: 1e6 ÷ its CPU µs per call at the operating point.
 */
function outcomeOf(searches: readonly CapacitySearch[], trials: readonly TrialResult[]): CapacityOutcome | null {
  if (!searches.length) return null;
  const sorted = [...searches].sort((a, b) => a.callsPerSec - b.callsPerSec);
  const mid = sorted[(sorted.length - 1) >> 1]!;
  const servers = trials.map((t) => t.cpuUsPerCall.server).filter((x): x is number => x !== null && x > 0);
  return {
    slo: mid.slo,
    sloLimitUs: mid.sloLimitUs,
    callsPerSec: mid.callsPerSec,
    bound: mid.bound,
    perCoreCallsPerSec: servers.length ? Math.round(1e6 / median(servers)) : null,
    searches: [...searches],
  };
}
