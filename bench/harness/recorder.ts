// What one stretch of load measured: latencies in an HDR histogram, calls, errors and why, and when to give up.
import { CallTimeoutError, RemoteError } from '../../transports/contract.ts';
import { type Histogram, newHistogram } from './stats.ts';

/** A run of failures this long, with no success between, means the connection or server is gone. */
export const MAX_CONSECUTIVE_FAILURES = 50;
/** Distinct error messages kept with their counts; the rest are counted under OTHER_ERRORS. */
const MAX_REASONS = 10;
export const OTHER_ERRORS = 'other errors';

export class ScenarioAborted extends Error {}

export type Check = (reply: unknown) => string | null;

export class Recorder {
  readonly histogram: Histogram = newHistogram();
  calls = 0;
  errors = 0;
  timeouts = 0;
  /** Open loop: calls not sent because the cap on calls in flight was reached. Not failures: the server is saturated. */
  dropped = 0;
  readonly reasons = new Map<string, number>();
  private consecutiveFailures = 0;

  ok(latencyMs: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(latencyMs * 1e6)));
    this.calls++;
    this.consecutiveFailures = 0;
  }

  fail(error: unknown): void {
    this.errors++;
    if (error instanceof CallTimeoutError) this.timeouts++;
    const message = error instanceof Error ? error.message : String(error);
    this.count(message);
    // A remote error is a real answer; only failures without one (dead connection, timeouts) end the run.
    if (!(error instanceof RemoteError) && ++this.consecutiveFailures >= MAX_CONSECUTIVE_FAILURES) {
      throw new ScenarioAborted(`${MAX_CONSECUTIVE_FAILURES} calls failed in a row, last: ${message}`);
    }
  }

  drop(): void {
    this.dropped++;
  }

  settle(reply: unknown, check: Check, latencyMs: number): void {
    const problem = check(reply);
    if (problem === null) this.ok(latencyMs);
    else this.fail(new Error(`wrong reply: ${problem}`));
  }

  private count(message: string): void {
    const key = this.reasons.has(message) || this.reasons.size < MAX_REASONS ? message : OTHER_ERRORS;
    this.reasons.set(key, (this.reasons.get(key) ?? 0) + 1);
  }
}
