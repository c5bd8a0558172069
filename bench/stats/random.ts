// Seeded randomness for the statistics that resample or simulate (the verdict's bootstrap, the gate's detection
// limit, the history's permutation tests): the same input reads the same every time it is drawn.
import { median } from '../report/trials.ts';

/** A small seeded PRNG (mulberry32), uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed from a text (FNV-1a), so that each series or comparison has its own, stable one. */
export function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Standard normal draws (Box-Muller on mulberry32). */
export function normal(seed: number): () => number {
  const uniform = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/**
 * The central `confidence` interval of ratio(median of a resample of `a`, median of a resample of `b`): a percentile
 * bootstrap of a ratio of medians, with `resamples` draws.
 */
export function bootstrapRatio(
  a: readonly number[],
  b: readonly number[],
  ratio: (a: number, b: number) => number,
  seed: number,
  resamples = 2000,
  confidence = 0.95,
): [number, number] {
  const random = mulberry32(seed);
  const resample = (xs: readonly number[]) => median(Array.from(xs, () => xs[Math.floor(random() * xs.length)]!));
  const ratios = Array.from({ length: resamples }, () => ratio(resample(a), resample(b))).sort((x, y) => x - y);
  const at = (q: number) => ratios[Math.min(ratios.length - 1, Math.max(0, Math.round(q * (ratios.length - 1))))]!;
  return [at((1 - confidence) / 2), at(1 - (1 - confidence) / 2)];
}
