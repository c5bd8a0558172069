// How long a plan will take, from the plan itself: every cell's trials and warm-up, every call's codec timing
// and byte count, every server's start. For --dry-run and the progress bar's time left (which corrects it by
// how far the run so far has been off). The constants are measured: see ESTIMATE below.
import type { CellKey } from '../report/types.ts';
import { scenarioOf } from '../scenarios/index.ts';
import type { Plan, RunConfig } from './plan.ts';
import { makeSchedule } from './schedule.ts';

/**
 * Measured on the default matrix (2 vCPU; `npm run bench`, 204 cells, 384 s): a warm-up search took 0.40 s on
 * average (4 windows of 100 ms); a server's first cell 1.24 s, so its 5,000-call minimum about 0.85 s (at most
 * 2 s); what is neither warm-up nor trials, 2.3 s per server, of which the codec timing is about 1 s (3 calls),
 * the byte count about 0.1 s per call, and starting, connecting and stopping the rest. A trial of --count N
 * calls is taken to run at 5,000 calls/s.
 */
export const ESTIMATE = {
  searchWindows: 4,
  minimumSec: 0.85,
  serverSec: 1.0,
  bytesSec: 0.1,
  trialOverheadSec: 0.01,
  countRatePerSec: 5000,
};

export interface PlanEstimate {
  /**
   * Seconds per cell, in the order the runner runs them (runs included), with what its group costs on top; and
   * how many turns it takes when transports run in rounds, so that progress can count a cell's part done.
   */
  cells: Array<{ cell: CellKey; sec: number; turns: number }>;
  totalSec: number;
}

export function estimatePlan(plan: Plan): PlanEstimate {
  const { config } = plan;
  const cells: PlanEstimate['cells'] = [];
  for (let run = 0; run < config.runs; run++) {
    for (const group of plan.groups) {
      const seenCalls = new Set<string>();
      group.cells.forEach((cell, i) => {
        const scenario = scenarioOf(cell.scenario);
        const measurements = scenario.measurementsPerCell ?? 1;
        let sec = cellSec(config, i === 0, measurements) + (i === 0 ? ESTIMATE.serverSec : 0);
        if (!seenCalls.has(cell.call)) sec += callSec(config);
        seenCalls.add(cell.call);
        cells.push({ cell, sec, turns: turnsOf(scenario.interleave ?? 'trials', measurements, config.trials) });
      });
    }
  }
  const totalSec = cells.reduce((s, c) => s + c.sec, 0);
  // on a shared schedule (--start-at) the run takes its slots, from now to the end of the last one
  const schedule = makeSchedule(plan);
  if (!schedule) return { cells, totalSec };
  const scheduledSec = Math.max(0, (schedule.endMs - Date.now()) / 1000);
  return { cells: cells.map((c) => ({ ...c, sec: (c.sec * scheduledSec) / Math.max(totalSec, 1e-9) })), totalSec: scheduledSec };
}

/** A cell's turns in rounds (interleave.ts): a trial each, a measurement each, or one for its whole run. */
function turnsOf(grain: 'trials' | 'measurements' | 'whole', measurements: number, trials: number): number {
  if (grain === 'whole') return 1;
  return grain === 'measurements' ? measurements : measurements * trials;
}

/** A cell: the fresh server's minimum, then for each of its measurements (a search's steps) a warm-up search and the trials. */
function cellSec(config: RunConfig, fresh: boolean, measurements: number): number {
  const trialSec = config.count === null ? config.durationMs / 1000 : config.count / ESTIMATE.countRatePerSec;
  const { warmup } = config;
  const search = Math.min(warmup.maxMs / 1000, (ESTIMATE.searchWindows * warmup.windowMs) / 1000);
  const minimum = fresh && warmup.maxMs > 0 ? Math.min(ESTIMATE.minimumSec, warmup.minCapMs / 1000) : 0;
  return minimum + measurements * (search + config.trials * (trialSec + ESTIMATE.trialOverheadSec));
}

/** Once per call and server: the codec timed (four steps, each warmed up as long as it is timed), the bytes counted. */
function callSec(config: RunConfig): number {
  return (8 * config.codecTimeMs) / 1000 + (config.countBytes ? ESTIMATE.bytesSec : 0);
}
