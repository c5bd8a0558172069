// rate: calls start at --rate per second whatever the replies do (open loop), at most the highest --concurrency in
// flight; latency counts from when a call was due, so a stalled server is not hidden (coordinated omission).
import { rateOutcome } from '../report/trials.ts';
import type { Scenario } from './scenario.ts';
import { measureCell } from './scenario.ts';

export const rate: Scenario = {
  name: 'rate',
  measures: 'latency at a fixed offered rate (open loop, corrected for coordinated omission), and whether the server kept up',
  loop: 'open',
  cells: (base, request) => [{ ...base, scenario: 'rate', concurrency: Math.max(...request.concurrency), ratePerSec: request.ratePerSec }],
  plan: (r) => `rate ${r.ratePerSec}/s (open loop)`,
  load: (cell) => `${cell.ratePerSec}/s c=${cell.concurrency}`,
  // its latency is read with its rate, in the open-loop table: thresholds read latency from one call in flight
  metrics: [],
  run: measureCell,
  outcome: (cell, trials) => ({ rate: rateOutcome(cell.ratePerSec!, trials), capacity: null }),
};
