// One-sided Wilcoxon signed-rank test: are paired differences (current − baseline of the same round) centred above
// zero? The gate's test when each side's runs come in rounds run back to back (rpcbench gate: A B, B A, ...): what
// the machine did in a round falls on both of its runs, and the pair's difference cancels it, where two independent
// samples (Mann-Whitney) carry it as noise. Exact for small samples without ties (rank sums counted), normal
// approximation otherwise; zero differences are dropped (Wilcoxon's own rule).
import { normalCdf, type TestResult } from './mann-whitney.ts';

export function signedRankGreater(differences: readonly number[]): TestResult {
  const d = differences.filter((x) => x !== 0);
  const n = d.length;
  if (n === 0) return { p: 1, minP: 1 };
  const ranked = ranks(d.map(Math.abs));
  const w = d.reduce((s, x, i) => s + (x > 0 ? ranked[i]! : 0), 0);
  const minP = 2 ** -n;
  const ties = new Set(d.map(Math.abs)).size < n;
  if (!ties && n <= 60) return { p: exactUpperTail(n, w), minP };
  const mean = (n * (n + 1)) / 4;
  const sd = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24);
  return { p: 1 - normalCdf((w - 0.5 - mean) / sd), minP };
}

/** The smallest W at which the test (n pairs, no ties) gives p <= level, or null when none can. */
export function criticalW(n: number, level: number): number | null {
  if (2 ** -n > level) return null;
  const counts = wCounts(n);
  const total = 2 ** n;
  let tail = 0;
  const max = (n * (n + 1)) / 2;
  for (let w = max; w >= 0; w--) {
    tail += counts[w]!;
    if (tail / total > level) return w === max ? null : w + 1;
  }
  return 0;
}

/** Average ranks from 1 (ties share the mean of their ranks). */
function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) out[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** How many of the 2^n sign patterns give each rank sum W, 0..n(n+1)/2: each rank r in or out of the sum. */
function wCounts(n: number): Float64Array {
  const max = (n * (n + 1)) / 2;
  const counts = new Float64Array(max + 1);
  counts[0] = 1;
  for (let r = 1; r <= n; r++) for (let w = max; w >= r; w--) counts[w]! += counts[w - r]!;
  return counts;
}

function exactUpperTail(n: number, w: number): number {
  const counts = wCounts(n);
  let tail = 0;
  for (let k = Math.ceil(w); k < counts.length; k++) tail += counts[k]!;
  return tail / 2 ** n;
}
