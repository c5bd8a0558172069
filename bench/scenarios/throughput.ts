// throughput: C calls in flight (closed loop), each sent as soon as one returns: calls/s at each --concurrency.
// Closed-loop calls/s of a fast transport can measure the client: cells where it was the limit are marked.
import type { Scenario } from './scenario.ts';
import { measureCell, NO_OUTCOME } from './scenario.ts';

export const throughput: Scenario = {
  name: 'throughput',
  measures: 'calls/s and CPU per call with C calls in flight (closed loop), at each --concurrency',
  loop: 'closed',
  cells: (base, request) => request.concurrency.map((concurrency) => ({ ...base, scenario: 'throughput', concurrency, ratePerSec: null })),
  plan: (r) => `throughput at ${r.concurrency.join(', ')} in flight`,
  load: (cell) => `c=${cell.concurrency}`,
  metrics: ['calls/s', 'cpu/call'],
  byConcurrency: true,
  run: measureCell,
  outcome: () => NO_OUTCOME,
};
