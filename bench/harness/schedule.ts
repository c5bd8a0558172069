// A schedule shared by generators on several hosts (--start-at): each cell of the plan gets a fixed slot from
// the start time, long enough for its set-up, its whole warm-up cap and its trials, and each trial a fixed start
// in it. Generators that agree on the start time and the plan then run every trial together (to within their
// clocks' agreement, NTP's milliseconds), whatever each one's warm-up took. Without --start-at, no schedule:
// cells follow each other as soon as they are done.
import { cellLabel } from '../cells/label.ts';
import type { CellKey } from '../report/types.ts';
import type { Plan, RunConfig } from './plan.ts';

/** Time for a server's set-up (connect, reach the target) and for one call's codec timing and byte count. */
const SERVER_ALLOWANCE_MS = 3000;
const BYTES_ALLOWANCE_MS = 1000;
/** Between two trials: the server's CPU reading and health check. */
const TRIAL_GAP_MS = 250;

export interface Schedule {
  startMs: number;
  /** When trial `trial` of `cell` in run `run` starts: the same for every generator of the plan. */
  trialStartMs(run: number, cell: CellKey, trial: number): number;
  endMs: number;
}

export function makeSchedule(plan: Plan): Schedule | null {
  const { config } = plan;
  if (config.startAtMs === null) return null;
  // from the whole plan's cells, not this generator's: a segment that skips a cell leaves its slot empty
  const trialStarts = new Map<string, number>();
  let at = config.startAtMs;
  for (let run = 0; run < config.runs; run++) {
    for (const group of plan.groups) {
      const calls = new Set<string>();
      group.planCells.forEach((cell, i) => {
        let setup = i === 0 ? SERVER_ALLOWANCE_MS : 0;
        if (!calls.has(cell.call)) setup += 8 * config.codecTimeMs + (config.countBytes ? BYTES_ALLOWANCE_MS : 0);
        calls.add(cell.call);
        const warmup = (i === 0 ? config.warmup.minCapMs : 0) + config.warmup.maxMs;
        trialStarts.set(`${run} ${cellLabel(cell)}`, at + setup + warmup);
        at += setup + warmup + config.trials * trialMs(config);
      });
    }
  }
  return {
    startMs: config.startAtMs,
    trialStartMs: (run, cell, trial) => trialStarts.get(`${run} ${cellLabel(cell)}`)! + trial * trialMs(config),
    endMs: at,
  };
}

const trialMs = (config: RunConfig) => config.durationMs + TRIAL_GAP_MS;

/** Waits until `atMs` (wall clock); returns at once when it has passed. */
export async function sleepUntil(atMs: number): Promise<void> {
  for (let left = atMs - Date.now(); left > 0; left = atMs - Date.now()) await new Promise((r) => setTimeout(r, Math.min(left, 1000)));
}
