// How a cell's trials sum up: the per-field median that the report shows (the trials keep the spread).
import type { TrialResult } from './types.ts';

export const round3 = (x: number) => Math.round(x * 1000) / 1000;

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

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
