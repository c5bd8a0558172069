// latency: one call in flight, each sent when the last returns: what one call costs, with nothing queued behind it.
import type { Scenario } from './scenario.ts';
import { measureCell, NO_OUTCOME } from './scenario.ts';

export const latency: Scenario = {
  name: 'latency',
  measures: 'how long one call takes with nothing else in flight (p50, p99, ...)',
  loop: 'closed',
  cells: (base) => [{ ...base, scenario: 'latency', concurrency: 1, ratePerSec: null }],
  plan: () => 'latency (1 in flight)',
  load: (cell) => `c=${cell.concurrency}`,
  metrics: ['p50', 'p90', 'p99', 'p99.9', 'max', 'mean'],
  run: measureCell,
  outcome: () => NO_OUTCOME,
};
