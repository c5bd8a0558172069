// From p-values to verdicts: Holm correction per family, and the status of each metric, cell and transport.
// A metric regresses only when its change is beyond its threshold AND its test survives the correction.
import { binomial } from './mann-whitney.ts';

/** regressed > undecidable (too few samples to tell) > noise (beyond threshold, not significant) > improved > unchanged */
export type Status = 'regressed' | 'undecidable' | 'noise' | 'improved' | 'unchanged' | 'reference';
export const SEVERITY: Status[] = ['unchanged', 'reference', 'improved', 'noise', 'undecidable', 'regressed'];

export const bySeverity = <T extends { status: Status }>(a: T, b: T) => SEVERITY.indexOf(b.status) - SEVERITY.indexOf(a.status);

export function worst(statuses: Status[]): Status {
  return statuses.reduce<Status>((s, x) => (SEVERITY.indexOf(x) > SEVERITY.indexOf(s) ? x : s), 'unchanged');
}

/** The p-value, and the smallest p these sample counts could ever give: above the test's level, no verdict is possible. */
export interface Tested {
  /** Deterministic metrics (bytes per call) need no test: any change beyond the threshold counts. */
  deterministic: boolean;
  pWorse: number | null;
  pBetter: number | null;
  minP: number;
  /** The fewer samples of the two sides. */
  samples: number;
  /** The change in the worse direction, in percent, and the threshold it is judged against. */
  worsePct: number;
  thresholdPct: number;
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

export function verdictsOf<T extends Tested>(tests: T[], alpha: number): Map<T, boolean> {
  const rejected = holm(
    tests.map((t) => t.pWorse ?? 1),
    alpha,
  );
  return new Map(tests.map((t, i) => [t, rejected[i]!]));
}

/** `level` is the strictest level Holm applies in the family (alpha over its size): below it, nothing could be flagged. */
export function statusOf(x: Tested, rejected: boolean, level: number): Status {
  if (x.deterministic) return x.worsePct > x.thresholdPct ? 'regressed' : x.worsePct < 0 ? 'improved' : 'unchanged';
  if (x.worsePct > x.thresholdPct) return rejected ? 'regressed' : x.minP > level ? 'undecidable' : 'noise';
  // better beyond the threshold is a change too: "unchanged" only within the threshold, either way
  if (-x.worsePct > x.thresholdPct) return x.pBetter !== null && x.pBetter <= level ? 'improved' : x.minP > level ? 'undecidable' : 'noise';
  return 'unchanged';
}

/**
 * Whether these sample counts let a test of the family reach `level` at all: a gate that cannot fail is worse
 * than none, so the comparison is then undecided. `have`: the fewest samples a side has in a test.
 */
export function enoughSamples(tests: Tested[], level: number): { ok: true } | { ok: false; need: number; level: number; have: number } {
  if (!tests.length || tests.some((t) => t.pWorse !== null && t.minP <= level)) return { ok: true };
  return { ok: false, need: samplesFor(level), level, have: Math.min(...tests.map((t) => t.samples)) };
}

/** The smallest n for which n vs n samples, perfectly separated, reach p <= level. */
function samplesFor(level: number): number {
  let n = 1;
  while (1 / binomial(2 * n, n) > level) n++;
  return n;
}
