// Reports of schema version 1 (rpcbench before histograms, codec cost and client load) read as version 2, so a
// baseline made by an older build still compares. What version 1 did not measure is marked as not measured.
import type { Report } from './types.ts';

interface V1Cell {
  errors: number;
  errorMessages?: string[];
  trials: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

interface V1Report {
  meta: { date: string; options: Record<string, unknown> & { warmupSec?: number } };
  results: V1Cell[];
  skipped: Array<{ reason: string; [key: string]: unknown }>;
}

export function upgradeV1(value: unknown): Report {
  const v1 = value as V1Report;
  const startedAtMs = Date.parse(v1.meta.date) || 0;
  return {
    schemaVersion: 2,
    meta: { ...v1.meta, options: { clientWorkers: 1, ...v1.meta.options } },
    results: v1.results.map(({ errorMessages, ...cell }) => ({
      ...cell,
      codecUsPerCall: null,
      clientBound: false,
      warmup: { sec: Number(v1.meta.options.warmupSec ?? 0), steady: false },
      dropped: 0,
      // version 1 kept up to five messages without counts: all errors go under them, as one reason
      errorReasons: cell.errors > 0 ? [{ message: errorMessages?.join('; ') || 'errors (not itemised before schema version 2)', count: cell.errors }] : [],
      trials: cell.trials.map((t) => ({ ...t, startedAtMs, dropped: 0, client: { cpuCores: 0, loopUtilization: 0 }, clientBound: false, histogram: null })),
    })),
    skipped: v1.skipped.map(({ reason, ...s }) => {
      const failed = reason.startsWith('failed: ');
      return { ...s, kind: failed ? 'failed' : 'unavailable', reason: failed ? reason.slice('failed: '.length) : reason };
    }),
  } as unknown as Report;
}
