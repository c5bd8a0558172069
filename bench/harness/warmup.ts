// Warm-up until steady, not for a fixed time. Cold numbers were the norm before: --quick's fixed 0.05 s measured
// HTTP/1.1 at a third of its steady calls/s. What a cold client and server do, in 50 ms windows of getObj at
// concurrency 16 straight after start-up (here, 2 vCPU; calls/s):
//   HTTP/1.1 3137 4591 4999 4776 4544 6175 8564 12893 18939 25679 25488 31026 ... ~32,000
//   AMQP     5155 5488 6100 4743 5471 5891 9029 9695 9185 10092 ... ~12,000
//   an XML-RPC client spending 0.7 ms a reply in its codec: ~1000 for 2 s, then ~1250
// A plateau comes first (V8 has not optimised the call path yet; sockets are still opening), and two windows on
// it agree: "two in a row agree" alone stops there, cold. V8 optimises a function after enough calls to it, not
// after a time, so a server's first cell first runs a number of calls (within a cap: a slow transport may not
// get there), and every cell then runs windows until two agree.
import type { CellKey } from '../report/types.ts';
import type { LoadGenerator, LoadResult } from './load-generator.ts';

export interface WarmupPolicy {
  /** Length of one window. */
  windowMs: number;
  /** Two windows in a row that differ by at most this fraction mean steady state. */
  tolerance: number;
  /** The first cell on a fresh server first runs this many calls, or for minCapMs if that comes first. */
  minCalls: number;
  minCapMs: number;
  /** The most a cell spends looking for steady state, after any minimum; 0 for no warm-up at all. */
  maxMs: number;
}

export interface WarmupResult {
  sec: number;
  steady: boolean;
}

const MIN_CONCURRENCY = 16;

/** What "steady" is judged on: calls/s in a closed loop; in an open loop (calls/s is fixed by the rate), p50 latency. */
function level(cell: CellKey, w: LoadResult): number {
  if (cell.ratePerSec !== null) return w.histogram.totalCount ? w.histogram.getValueAtPercentile(50) : 0;
  return w.calls / (w.elapsedMs / 1000);
}

/** `fresh`: the first cell on this server, which pays the minimum. */
export async function warmUp(load: LoadGenerator, cell: CellKey, policy: WarmupPolicy, fresh: boolean): Promise<WarmupResult> {
  const start = performance.now();
  const window = (c: CellKey = cell) => load.run(c, { durationMs: policy.windowMs, maxCalls: null });
  // The minimum is about calls, so it runs them as fast as the pair allows: a closed loop of at least 16 in flight.
  const minimum: CellKey = { ...cell, ratePerSec: null, concurrency: Math.max(cell.concurrency, MIN_CONCURRENCY) };
  let calls = 0;
  while (fresh && policy.maxMs > 0 && calls < policy.minCalls && performance.now() - start < policy.minCapMs) calls += (await window(minimum)).calls;
  const searchFrom = performance.now();
  const elapsed = () => performance.now() - start;
  const room = () => performance.now() - searchFrom + policy.windowMs <= policy.maxMs;
  let previous: number | null = null;
  while (room()) {
    const current = level(cell, await window());
    const agree = previous !== null && current > 0 && Math.abs(current - previous) <= policy.tolerance * Math.max(current, previous);
    if (agree) return { sec: Math.round(elapsed()) / 1000, steady: true };
    previous = current;
  }
  return { sec: Math.round(elapsed()) / 1000, steady: false };
}
