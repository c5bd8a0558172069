// Latency statistics. Values are recorded in nanoseconds (integers, as HDR histograms want) and
// reported in microseconds, because the harness floor (a call in the same process) is well under one microsecond.
import * as hdr from 'hdr-histogram-js';
import { round3 } from '../report/trials.ts';
import type { LatencyUs } from '../report/types.ts';

export type Histogram = hdr.Histogram;

export function newHistogram(): Histogram {
  // 3 significant digits: 0.1% resolution at any magnitude, up to 10 minutes.
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600e9, numberOfSignificantValueDigits: 3 });
}

export function latencyUs(h: Histogram): LatencyUs {
  if (h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  const us = (ns: number) => round3(ns / 1000);
  // A percentile is the top of its HDR bucket, which can lie above the exact max; clamp so p99 <= max always.
  const pct = (p: number) => us(Math.min(h.getValueAtPercentile(p), h.maxValue));
  return {
    p50: pct(50),
    p90: pct(90),
    p99: pct(99),
    p999: pct(99.9),
    max: us(h.maxValue),
    mean: us(h.mean),
  };
}

/** The form a histogram is saved in the report: HDR's compressed base64, which hdr-histogram-js (and HdrHistogram in Java, Go, ...) reads back. */
export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded);
}
