// Change points in a noisy series: E-divisive means (Matteson & James, "A Nonparametric Approach for Multiple Change
// Point Analysis of Multivariate Data", JASA 2014), as MongoDB's performance CI and Hunter / Apache Otava use it
// (Daly et al., ICPE 2020). The split that maximises the energy statistic between the two sides is tested against
// permutations of the segment it splits; a significant split is kept and each side searched again, until no split
// is significant. Unlike comparing neighbours, it sees a step that no single pair of points shows, and a step of
// several small changes adds up in the statistic.

import { mulberry32 } from '../stats/random.ts';

/** One change: the first index of the new level, and the permutation test's p-value. */
export interface Split {
  index: number;
  pValue: number;
}

export interface EDivisiveOptions {
  /** Significance level of each split's permutation test. */
  alpha: number;
  /** The fewest points a segment may have on either side of a split. */
  minSize: number;
  /** Permutations per test, at most (fewer when the answer is already clear: it cannot fall below alpha). */
  permutations: number;
  /** Seed of the permutations, so that a history reads the same every time it is drawn. */
  seed: number;
}

/**
 * α = 0.05: at 0.01 a clean step needs more than five reports on each side (five and five, perfectly apart, test at
 * p ≈ 0.027); a history that finds a step a week late is no history. Each series then fires falsely about one time in
 * twenty, which the test of flat series holds it to.
 */
export const E_DIVISIVE_DEFAULTS: EDivisiveOptions = { alpha: 0.05, minSize: 3, permutations: 999, seed: 1 };

/**
 * The best split of `x` and its statistic, as Matteson & James define it for a segment: over every change τ,
 * Q(τ) = n1·n2/(n1+n2) · (2·mean|X−Y| − mean|X−X'| − mean|Y−Y'|) for X = x[0, τ) and Y = x[τ, n), the energy
 * distance between the two sides scaled by their sizes (α = 1). Their search also ranges over the end κ of the
 * comparison window, which finds a step undone a few reports later (a regression, then its fix), but the extra
 * maximum makes every shuffle stronger too: a clean step of five reports and five (58 75 60 59 70 | 83 78 78 93 90,
 * issue 31) tested at p ≈ 0.048, a coin toss at α = 0.05, against 0.027-0.03 here. A step that persists is what a
 * history must see by its fifth report; one undone ten reports later is found once each level is long enough (10, 10
 * and 10 reports 30% apart: p ≈ 0.05 at the top level). Sums of distances come from a 2-D prefix sum, so the search is
 * O(n) after an O(n²) table.
 */
export function bestSplit(x: readonly number[], minSize: number): { index: number; q: number } | null {
  const n = x.length;
  if (n < 2 * minSize) return null;
  const w = n + 1;
  // prefix[i * w + j]: the sum of |x[a] − x[b]| over a < i, b < j
  const prefix = new Float64Array(w * w);
  for (let i = 1; i <= n; i++) {
    let row = 0;
    for (let j = 1; j <= n; j++) {
      row += Math.abs(x[i - 1]! - x[j - 1]!);
      prefix[i * w + j] = prefix[(i - 1) * w + j]! + row;
    }
  }
  const rect = (a0: number, a1: number, b0: number, b1: number) => prefix[a1 * w + b1]! - prefix[a0 * w + b1]! - prefix[a1 * w + b0]! + prefix[a0 * w + b0]!;
  let best: { index: number; q: number } | null = null;
  for (let tau = minSize; tau <= n - minSize; tau++) {
    const [n1, n2] = [tau, n - tau];
    const between = rect(0, tau, tau, n);
    const withinX = rect(0, tau, 0, tau) / 2;
    const withinY = rect(tau, n, tau, n) / 2;
    const e = (2 * between) / (n1 * n2) - (n1 > 1 ? (2 * withinX) / (n1 * (n1 - 1)) : 0) - (n2 > 1 ? (2 * withinY) / (n2 * (n2 - 1)) : 0);
    const q = ((n1 * n2) / (n1 + n2)) * e;
    if (!best || q > best.q) best = { index: tau, q };
  }
  return best;
}

/** The permutation test of a segment's best split: the share of shuffles whose best split is at least as strong. */
function pValueOf(x: readonly number[], q: number, o: EDivisiveOptions, random: () => number): number {
  const copy = [...x];
  const enough = Math.ceil(o.alpha * (o.permutations + 1)); // this many as strong and the split cannot be significant
  let asStrong = 0;
  let done = 0;
  while (done < o.permutations && asStrong < enough) {
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    const s = bestSplit(copy, o.minSize);
    if (s && s.q >= q) asStrong++;
    done++;
  }
  return (asStrong + 1) / (done + 1);
}

/** The change points of a series, in index order. */
export function eDivisive(x: readonly number[], options: Partial<EDivisiveOptions> = {}): Split[] {
  const o = { ...E_DIVISIVE_DEFAULTS, ...options };
  const random = mulberry32(o.seed);
  const bounds = [0, x.length];
  const splits: Split[] = [];
  for (;;) {
    // the strongest split over all current segments is the one tested
    let best: { index: number; q: number; lo: number; hi: number } | null = null;
    for (let k = 0; k + 1 < bounds.length; k++) {
      const lo = bounds[k]!;
      const hi = bounds[k + 1]!;
      const s = bestSplit(x.slice(lo, hi), o.minSize);
      if (s && s.q > 0 && (!best || s.q > best.q)) best = { index: lo + s.index, q: s.q, lo, hi };
    }
    if (!best) break;
    const pValue = pValueOf(x.slice(best.lo, best.hi), best.q, o, random);
    if (pValue > o.alpha) break;
    splits.push({ index: best.index, pValue });
    bounds.push(best.index);
    bounds.sort((a, b) => a - b);
  }
  return splits.sort((a, b) => a.index - b.index);
}
