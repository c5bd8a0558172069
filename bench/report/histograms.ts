// Latency histograms as the report saves them: HDR histograms of nanoseconds, compressed and base64-encoded the way
// hdr-histogram-js (and HdrHistogram in Java, Go, ...) writes and reads them, so distributions can be drawn and
// reports merged later.
import * as hdr from 'hdr-histogram-js';
import { round3 } from './trials.ts';
import type { LatencyUs, TrialResult } from './types.ts';

export type Histogram = hdr.Histogram;

export function newHistogram(): Histogram {
  // 3 significant digits: 0.1% resolution at any magnitude, up to 10 minutes.
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600e9, numberOfSignificantValueDigits: 3 });
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded);
}

/** The trials' histograms added up: the distribution of every call of the cell; null when none was saved. */
export function mergedHistogram(trials: readonly TrialResult[]): Histogram | null {
  const saved = trials.filter((t) => t.histogram);
  if (!saved.length) return null;
  const merged = newHistogram();
  for (const t of saved) merged.add(decodeHistogram(t.histogram!));
  return merged;
}

export function latencyUs(h: Histogram): LatencyUs {
  if (h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  const us = (ns: number) => round3(ns / 1000);
  // A percentile is the top of its HDR bucket, which can lie above the exact max; clamp so p99 <= max always.
  const pct = (p: number) => us(Math.min(h.getValueAtPercentile(p), h.maxValue));
  return { p50: pct(50), p90: pct(90), p99: pct(99), p999: pct(99.9), max: us(h.maxValue), mean: us(h.mean) };
}

/** Percentile points for an HDR percentile plot: [percentile, latency µs], up to the nines the count supports. */
export function percentilePoints(h: Histogram): Array<[number, number]> {
  const nines = Math.max(1, Math.floor(Math.log10(Math.max(10, h.totalCount))));
  const levels = [0, 25, 50, 75, 90];
  for (let n = 2; n <= nines; n++) levels.push(100 - 10 ** (2 - n), 100 - 5 * 10 ** (1 - n));
  return [...levels.filter((p) => p < 100), 100].map((p) => [p, round3(Math.min(h.getValueAtPercentile(p), h.maxValue) / 1000)]);
}
