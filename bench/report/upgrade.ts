// Older reports read as the current schema version, one step at a time, so a baseline made by an older build
// still compares. Version 1: before histograms, codec cost and client load (marked as not measured).
// Version 2: before trial spread, the rate outcome and the run's transport list (all derived from what it kept).
import { transportInfo } from './build.ts';
import { trialSummary } from './trials.ts';
import type { CellKey, Report, ReportOptions, TrialResult } from './types.ts';

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

function upgradeTrials(trials: Array<Record<string, unknown>>, startedAtMs: number): TrialResult[] {
  return trials.map((t) => ({
    ...t,
    startedAtMs,
    dropped: 0,
    client: { cpuCores: 0, loopUtilization: 0 },
    clientBound: false,
    histogram: null,
  })) as unknown as TrialResult[];
}

/** Upgrades a report of an older schema version to the current one; throws when it does not have the old shape. */
export function upgradeReport(value: unknown, version: number): Report {
  const v2 = version === 1 ? upgradeV1(value) : value;
  return upgradeV2(v2 as V2Report);
}

interface V2Report {
  meta: { options: ReportOptions; [key: string]: unknown };
  results: Array<CellKey & { trials: TrialResult[]; [key: string]: unknown }>;
  [key: string]: unknown;
}

function upgradeV2(v2: V2Report): Report {
  return {
    ...v2,
    schemaVersion: 3,
    meta: { ...v2.meta, transports: transportInfo(v2.meta.options) },
    results: v2.results.map((cell) => ({ ...cell, ...trialSummary(cell, cell.trials) })),
  } as unknown as Report;
}

function upgradeV1(value: unknown): V2Report {
  const v1 = value as V1Report;
  const startedAtMs = Date.parse(v1.meta.date) || 0;
  return {
    schemaVersion: 2,
    meta: { ...v1.meta, options: { clientWorkers: 1, ...v1.meta.options } as unknown as ReportOptions },
    results: v1.results.map(({ errorMessages, ...cell }) => ({
      ...(cell as unknown as CellKey),
      codecUsPerCall: null,
      clientBound: false,
      warmup: { sec: Number(v1.meta.options.warmupSec ?? 0), steady: false },
      dropped: 0,
      // version 1 kept up to five messages without counts: all errors go under them, as one reason
      errorReasons: cell.errors > 0 ? [{ message: errorMessages?.join('; ') || 'errors (not itemised before schema version 2)', count: cell.errors }] : [],
      trials: upgradeTrials(cell.trials, startedAtMs),
    })),
    skipped: v1.skipped.map(({ reason, ...s }) => {
      const failed = reason.startsWith('failed: ');
      return { ...s, kind: failed ? 'failed' : 'unavailable', reason: failed ? reason.slice('failed: '.length) : reason };
    }),
  };
}
