// Latency statistics. Values are recorded in nanoseconds (integers, as HDR histograms want) and
// reported in microseconds, because the inproc floor is well under one microsecond.
import * as hdr from 'hdr-histogram-js';
import type { LatencyUs, TrialResult } from './types.ts';

export type Histogram = hdr.Histogram;

export function newHistogram(): Histogram {
  // 3 significant digits: 0.1% resolution at any magnitude, up to 10 minutes.
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600e9, numberOfSignificantValueDigits: 3 });
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

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

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The per-field median over trials: what the report shows, while `trials` keeps the spread. */
export function medianOfTrials(trials: readonly TrialResult[]): Pick<TrialResult, 'latencyUs' | 'callsPerSec' | 'cpuUsPerCall'> {
  const pick = (f: (t: TrialResult) => number) => round3(median(trials.map(f)));
  const servers = trials.map((t) => t.cpuUsPerCall.server);
  return {
    latencyUs: {
      p50: pick((t) => t.latencyUs.p50),
      p90: pick((t) => t.latencyUs.p90),
      p99: pick((t) => t.latencyUs.p99),
      p999: pick((t) => t.latencyUs.p999),
      max: pick((t) => t.latencyUs.max),
      mean: pick((t) => t.latencyUs.mean),
    },
    callsPerSec: pick((t) => t.callsPerSec),
    cpuUsPerCall: {
      client: pick((t) => t.cpuUsPerCall.client),
      server: servers.every((s) => s !== null) ? round3(median(servers as number[])) : null,
    },
  };
}

export { round3 };
