// The one fold from trials to a cell: the runner, pooled runs (--runs, several report files) and merged segments all
// make their cells here. Medians and sums are the same for every cell; what a scenario adds (its outcome, from the
// trials and from what each run kept beyond them) comes from its descriptor.

import { medianOfTrials, trialSpread } from '../report/trials.ts';
import type { BytesPerCall, CellKey, CellResult, CodecUsPerCall, ErrorReason, TrialResult } from '../report/types.ts';
import { scenarioOf } from '../scenarios/index.ts';
import { mergeReasons } from './reasons.ts';

/** What a cell is made of: its key, what was measured once per call, its warm-up, its trials and its runs' records (its scenario's). */
export interface CellParts {
  key: CellKey;
  /** Bytes on the wire per call (from an untimed pass), null where there is no wire. */
  bytesPerCall: BytesPerCall | null;
  payloadBytes: BytesPerCall;
  codecUsPerCall: CodecUsPerCall | null;
  warmup: { sec: number; steady: boolean };
  errorReasons: ErrorReason[];
  trials: TrialResult[];
  /** What the scenario kept of each run beyond its trials (a capacity search), in run order; [] for most. */
  records: unknown[];
}

const sum = (trials: readonly TrialResult[], f: (t: TrialResult) => number) => trials.reduce((n, t) => n + f(t), 0);

export function foldCell(p: CellParts): CellResult {
  const { key, trials } = p;
  return {
    ...key,
    ...medianOfTrials(trials),
    bytesPerCall: p.bytesPerCall,
    payloadBytes: p.payloadBytes,
    codecUsPerCall: p.codecUsPerCall,
    clientBound: trials.filter((t) => t.clientBound).length * 2 > trials.length,
    ...trialSpread(trials),
    outcome: scenarioOf(key.scenario).outcome(key, trials, p.records),
    warmup: p.warmup,
    calls: sum(trials, (t) => t.calls),
    errors: sum(trials, (t) => t.errors),
    timeouts: sum(trials, (t) => t.timeouts),
    dropped: sum(trials, (t) => t.dropped),
    errorReasons: mergeReasons(p.errorReasons),
    trials,
  };
}

/** A cell taken apart again, for folding with others. */
export function partsOf(c: CellResult): CellParts {
  const { transport, call, scenario, concurrency, ratePerSec, payloadEntries, variant } = c;
  const own = scenarioOf(scenario);
  return {
    key: { transport, call, scenario, concurrency, ratePerSec, payloadEntries, ...(variant === undefined ? {} : { variant }) },
    bytesPerCall: c.bytesPerCall,
    payloadBytes: c.payloadBytes,
    codecUsPerCall: c.codecUsPerCall,
    warmup: c.warmup,
    errorReasons: c.errorReasons,
    trials: c.trials,
    records: c.outcome && own.recordsOf ? own.recordsOf(c.outcome) : [],
  };
}

/**
 * Cells of one key from several runs or segments, folded as one. `trials`: how their trials combine (appended, for
 * runs; added up trial by trial, for segments that ran together). The first cell's bytes and codec cost are kept:
 * they are deterministic, measured once per call.
 */
export function foldCells(cells: readonly CellResult[], trials: (cells: readonly CellResult[]) => TrialResult[]): CellResult {
  const parts = cells.map(partsOf);
  const first = parts[0]!;
  return foldCell({
    ...first,
    bytesPerCall: parts.find((p) => p.bytesPerCall)?.bytesPerCall ?? null,
    codecUsPerCall: parts.find((p) => p.codecUsPerCall)?.codecUsPerCall ?? null,
    warmup: { sec: Math.max(...parts.map((p) => p.warmup.sec)), steady: parts.every((p) => p.warmup.steady) },
    errorReasons: parts.flatMap((p) => p.errorReasons),
    trials: trials(cells),
    records: parts.flatMap((p) => p.records),
  });
}
