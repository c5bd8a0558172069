// How a cell's trials sum up: the per-field median that the report shows (the trials keep the spread).
import type { CellResult, CpuUsPerCall, Spread, TrialResult } from './types.ts';

export const round3 = (x: number) => Math.round(x * 1000) / 1000;

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The median CPU per call of each side over trials; a side not measured in any trial is null (the server of a
 * --target, a broker on another host), and a side with no broker at all stays absent.
 */
export function medianCpu(trials: readonly TrialResult[]): CpuUsPerCall {
  const side = (values: Array<number | null | undefined>) => (values.every((v) => v !== null && v !== undefined) ? round3(median(values as number[])) : null);
  const brokers = trials.map((t) => t.cpuUsPerCall.broker);
  return {
    client: round3(median(trials.map((t) => t.cpuUsPerCall.client))),
    server: side(trials.map((t) => t.cpuUsPerCall.server)),
    ...(brokers.every((b) => b === undefined) ? {} : { broker: side(brokers) }),
  };
}

export function medianOfTrials(trials: readonly TrialResult[]): Pick<TrialResult, 'latencyUs' | 'callsPerSec' | 'cpuUsPerCall'> {
  const pick = (f: (t: TrialResult) => number) => round3(median(trials.map(f)));
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
    cpuUsPerCall: medianCpu(trials),
  };
}

/**
 * Trials whose coefficient of variation (of calls/s or of p50) is above this disagree enough to say so. Chosen by
 * measurement: over 194 cells of seven runs on the 2-vCPU CI machine, the CV of a cell's trials had a median of 2.3%
 * (calls/s) and 1.2% (p50), a 90th percentile of 9% and 7%: 10% names about the noisiest tenth.
 */
export const NOISY_CV = 0.1;

export function spreadOf(values: readonly number[]): Spread {
  if (!values.length) return { min: 0, max: 0, cv: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
  return { min: round3(Math.min(...values)), max: round3(Math.max(...values)), cv: mean > 0 ? round3(sd / mean) : 0 };
}

/** Spread and noise of a cell, from its trials: what a cell's figures are worth. */
export function trialSpread(trials: readonly TrialResult[]): Pick<CellResult, 'spread' | 'noisy'> {
  const spread = { callsPerSec: spreadOf(trials.map((t) => t.callsPerSec)), p50: spreadOf(trials.map((t) => t.latencyUs.p50)) };
  return { spread, noisy: trials.length > 1 && (spread.callsPerSec.cv > NOISY_CV || spread.p50.cv > NOISY_CV) };
}
