// One-sided Mann-Whitney U test: is `current` stochastically greater than `baseline`?
// Exact for small samples without ties (the usual case: 3-10 trials of float timings), normal
// approximation with tie correction otherwise. Small and specific enough that a dependency is not worth it.

export interface TestResult {
  /** P(U >= observed) under "no difference". */
  p: number;
  /** The smallest p these sample sizes can ever reach; above alpha, no verdict is possible. */
  minP: number;
}

export function mannWhitneyGreater(current: readonly number[], baseline: readonly number[]): TestResult {
  const n1 = current.length;
  const n2 = baseline.length;
  if (n1 === 0 || n2 === 0) return { p: 1, minP: 1 };
  let u = 0;
  for (const c of current) for (const b of baseline) u += c > b ? 1 : c === b ? 0.5 : 0;
  const hasTies = new Set([...current, ...baseline]).size < n1 + n2;
  const minP = 1 / binomial(n1 + n2, n1);
  if (!hasTies && n1 * n2 <= 400) return { p: exactUpperTail(n1, n2, u), minP };
  return { p: normalUpperTail(current, baseline, u), minP };
}

/**
 * The smallest U at which the one-sided test (samples without ties) gives p <= level, or null when no U can:
 * what a simulation of the test's power compares with, instead of running the test itself each time.
 */
export function criticalU(n1: number, n2: number, level: number): number | null {
  if (1 / binomial(n1 + n2, n1) > level) return null;
  if (n1 * n2 > 400) {
    // the normal approximation the test itself uses beyond exact sizes (no ties), solved for U
    const sd = Math.sqrt((n1 * n2 * (n1 + n2 + 1)) / 12);
    for (let u = Math.ceil((n1 * n2) / 2); u <= n1 * n2; u++) if (1 - normalCdf((u - 0.5 - (n1 * n2) / 2) / sd) <= level) return u;
    return null;
  }
  const counts = uCounts(n1, n2);
  const total = binomial(n1 + n2, n1);
  let tail = 0;
  for (let u = n1 * n2; u >= 0; u--) {
    tail += counts[u]!;
    if (tail / total > level) return u === n1 * n2 ? null : u + 1;
  }
  return 0;
}

/** How many rank arrangements give each U, 0..n1*n2: f(a, b, k) = f(a-1, b, k-b) + f(a, b-1, k), built up in b. */
function uCounts(n1: number, n2: number): Float64Array {
  // rows[a] holds f(a, b, .) for the current b
  let rows = Array.from({ length: n1 + 1 }, (_, a) => Float64Array.from({ length: n1 * n2 + 1 }, (_, k) => (k === 0 || a === 0 ? (k === 0 ? 1 : 0) : 0)));
  for (let b = 1; b <= n2; b++) {
    const next = rows.map(() => new Float64Array(n1 * n2 + 1));
    next[0]![0] = 1;
    for (let a = 1; a <= n1; a++) for (let k = 0; k <= a * b; k++) next[a]![k] = (k >= b ? next[a - 1]![k - b]! : 0) + rows[a]![k]!;
    rows = next;
  }
  return rows[n1]!;
}

/** Counts of rank arrangements by U, for the exact null distribution. */
function exactUpperTail(n1: number, n2: number, u: number): number {
  const memo = new Map<string, number>();
  const count = (a: number, b: number, k: number): number => {
    if (k < 0) return 0;
    if (a === 0 || b === 0) return k === 0 ? 1 : 0;
    const key = `${a},${b},${k}`;
    let v = memo.get(key);
    if (v === undefined) memo.set(key, (v = count(a - 1, b, k - b) + count(a, b - 1, k)));
    return v;
  };
  let tail = 0;
  for (let k = Math.ceil(u); k <= n1 * n2; k++) tail += count(n1, n2, k);
  return tail / binomial(n1 + n2, n1);
}

function normalUpperTail(current: readonly number[], baseline: readonly number[], u: number): number {
  const n1 = current.length;
  const n2 = baseline.length;
  const n = n1 + n2;
  const counts = new Map<number, number>();
  for (const x of [...current, ...baseline]) counts.set(x, (counts.get(x) ?? 0) + 1);
  const tieTerm = [...counts.values()].reduce((s, t) => s + (t ** 3 - t), 0);
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return 1;
  const z = (u - 0.5 - (n1 * n2) / 2) / Math.sqrt(variance);
  return 1 - normalCdf(z);
}

export function normalCdf(z: number): number {
  // Abramowitz-Stegun 7.1.26, accurate to 1e-7: plenty for a p-value compared with 0.05
  const t = 1 / (1 + (0.3275911 * Math.abs(z)) / Math.SQRT2);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

export function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}
