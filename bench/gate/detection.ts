// What a comparison could have seen: the minimum detectable effect of the gate's own test. For a spread of runs (the
// pooled standard deviation of the per-run log changes the transport test compares), the gate's one-sided
// Mann-Whitney test at its level, and n runs a side, the smallest slowdown it finds with 80% power; and how many
// runs a side would find 5% and 10%. Power is simulated (normal run-to-run noise, a fixed seed), against the test's
// exact critical U: no formula for small samples is needed, and the answer is the test's, not an approximation's.

import { mulberry32, normal } from '../stats/random.ts';
import { criticalU } from './mann-whitney.ts';
import { criticalW } from './wilcoxon.ts';

const POWER = 0.8;
/** Simulated comparisons per power estimate: 4,000 for the stated limit (±0.6% of power), 400 for the runs needed. */
const SIMULATIONS = 4000;
const QUICK_SIMULATIONS = 400;
/** Beyond this many runs a side, a change is "not detectable in practice". */
const MAX_RUNS = 64;

export interface Detection {
  /** The smallest slowdown (%) found with 80% power by these runs; null when no change can be (too few runs for the level). */
  detectablePct: number | null;
  /** Runs a side that would find a 5% and a 10% slowdown with 80% power; null beyond MAX_RUNS. */
  runsFor5Pct: number | null;
  runsFor10Pct: number | null;
}

/** `sd`: run-to-run standard deviation in log units (0.05 ≈ 5%); `level`: the test's (Holm) level. */
export function detection(sd: number, runsBaseline: number, runsCurrent: number, level: number): Detection {
  return {
    detectablePct: detectableShift(sd, runsBaseline, runsCurrent, level),
    runsFor5Pct: runsToDetect(sd, Math.log(1.05), level),
    runsFor10Pct: runsToDetect(sd, Math.log(1.1), level),
  };
}

function detectableShift(sd: number, n1: number, n2: number, level: number): number | null {
  const crit = criticalU(n2, n1, level);
  if (crit === null) return null;
  if (sd === 0) return 0;
  let [lo, hi] = [0, 20 * sd];
  for (let i = 0; i < 16; i++) {
    const mid = (lo + hi) / 2;
    if (power(mid, sd, n1, n2, crit) >= POWER) hi = mid;
    else lo = mid;
  }
  return (Math.exp(hi) - 1) * 100;
}

function runsToDetect(sd: number, shift: number, level: number): number | null {
  const detects = (n: number) => {
    const crit = criticalU(n, n, level);
    return crit !== null && power(shift, sd, n, n, crit, QUICK_SIMULATIONS) >= POWER;
  };
  if (!detects(MAX_RUNS)) return null;
  let [lo, hi] = [1, MAX_RUNS];
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (detects(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The share of simulated comparisons, current shifted by `shift`, whose U reaches `crit`. */
function power(shift: number, sd: number, n1: number, n2: number, crit: number, simulations = SIMULATIONS): number {
  const random = normal(0x5eed);
  let found = 0;
  for (let s = 0; s < simulations; s++) {
    const base = Array.from({ length: n1 }, () => random() * sd);
    const cur = Array.from({ length: n2 }, () => shift + random() * sd);
    let u = 0;
    for (const c of cur) for (const b of base) u += c > b ? 1 : 0;
    if (u >= crit) found++;
  }
  return found / simulations;
}

/**
 * The same for runs in pairs (a gate's rounds), from the rounds' own differences (log units) about their median: each
 * simulated comparison draws its pairs from them (with replacement), shifted, and runs the signed-rank test; the runs
 * a side for 5% and 10% are pairs. Drawn from the rounds, not from a normal spread: at α/2 = 0.0005 twelve rounds pass
 * only if at most the smallest difference goes the other way, so one round far off decides what the test can find, and
 * a normal model of the robust spread (which sets that round aside) stated "can detect ≥ 133%" for a comparison whose
 * +288.6% it could not find (gate.test.ts, once in a fresh clone).
 */
export function pairedDetection(residuals: readonly number[], level: number): Detection {
  const pairs = residuals.length;
  const detects = (shift: number, n: number, simulations = SIMULATIONS) => {
    const crit = criticalW(n, level);
    return crit !== null && pairedPower(shift, residuals, n, crit, simulations) >= POWER;
  };
  const widest = Math.max(0, ...residuals.map(Math.abs));
  const limit = (): number | null => {
    if (criticalW(pairs, level) === null) return null;
    if (widest === 0) return 0;
    // past twice the widest difference every simulated pair leans worse, and the test finds the shift whenever it can
    let [lo, hi] = [0, 2 * widest];
    for (let i = 0; i < 16; i++) {
      const mid = (lo + hi) / 2;
      if (detects(mid, pairs)) hi = mid;
      else lo = mid;
    }
    return (Math.exp(hi) - 1) * 100;
  };
  const runsFor = (shift: number): number | null => {
    if (!detects(shift, MAX_RUNS, QUICK_SIMULATIONS)) return null;
    let [lo, hi] = [1, MAX_RUNS];
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (detects(shift, mid, QUICK_SIMULATIONS)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  return { detectablePct: limit(), runsFor5Pct: runsFor(Math.log(1.05)), runsFor10Pct: runsFor(Math.log(1.1)) };
}

/** The share of simulated comparisons of `n` pairs (`shift` plus differences drawn from `residuals`) whose signed-rank sum reaches `crit`. */
function pairedPower(shift: number, residuals: readonly number[], n: number, crit: number, simulations: number): number {
  const uniform = mulberry32(0x5eed);
  let found = 0;
  for (let s = 0; s < simulations; s++) {
    const d = Array.from({ length: n }, () => shift + residuals[Math.floor(uniform() * residuals.length)]!);
    const order = d.map((x, i) => [Math.abs(x), i] as const).sort((a, b) => a[0] - b[0]);
    let w = 0;
    order.forEach(([, i], rank) => {
      if (d[i]! > 0) w += rank + 1;
    });
    if (w >= crit) found++;
  }
  return found / simulations;
}
