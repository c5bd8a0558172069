// What one stretch of load measured: latencies in an HDR histogram, calls, errors and why, one-second windows of it
// (calls/s, latency, errors over time), how late an open loop sent its calls, and when to give up.
import * as hdr from 'hdr-histogram-js';
import { CallTimeoutError, RemoteError } from '../../transports/contract.ts';
import { type Histogram, newHistogram } from './stats.ts';

/** One second of load (the last may be shorter), with its own histogram so that windows of several threads add up. */
export interface LoadWindow {
  atSec: number;
  durationSec: number;
  calls: number;
  errors: number;
  histogram: Histogram;
}

const WINDOW_MS = 1000;

/** A window's histogram: 2 significant digits are plenty for a time chart, and small to send between threads. */
export function windowHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600e9, numberOfSignificantValueDigits: 2 });
}

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
  /** What only an open loop measures; null for a closed loop. */
  open: OpenLoopRecord | null = null;
  private consecutiveFailures = 0;
  private readonly start = performance.now();
  private readonly done: LoadWindow[] = [];
  private current: LoadWindow | null = null;

  /** `onWindow`: each window as it ends, for a live view of the run. */
  constructor(private readonly onWindow?: (w: LoadWindow) => void) {}

  ok(latencyMs: number): void {
    const ns = Math.max(1, Math.round(latencyMs * 1e6));
    this.histogram.recordValue(ns);
    const w = this.window();
    w.calls++;
    w.histogram.recordValue(ns);
    this.calls++;
    this.consecutiveFailures = 0;
  }

  /** Starts the open loop's own record: `total` calls scheduled, at most `maxInFlight` out at once. */
  openLoop(total: number, maxInFlight: number, pauseMs: number): OpenLoopRecord {
    this.open = new OpenLoopRecord(total, maxInFlight, pauseMs);
    return this.open;
  }

  /**
   * The windows so far, the one still open included (closed at `elapsedMs`). A last sliver under a tenth of a
   * window (the replies that came in after the last call was sent) joins the window before it, where it belongs.
   */
  windows(elapsedMs: number): LoadWindow[] {
    const done = [...this.done];
    if (!this.current) return done;
    const open = { ...this.current, durationSec: Math.max(0, elapsedMs / 1000 - this.current.atSec) };
    const last = done.at(-1);
    if (!last || open.durationSec >= WINDOW_MS / 10_000) return [...done, open];
    const histogram = windowHistogram();
    histogram.add(last.histogram);
    histogram.add(open.histogram);
    const joined = { ...last, durationSec: last.durationSec + open.durationSec, calls: last.calls + open.calls, errors: last.errors + open.errors, histogram };
    return [...done.slice(0, -1), joined];
  }

  /** The window the present moment falls in, closing the ones before it. */
  private window(): LoadWindow {
    const index = Math.floor((performance.now() - this.start) / WINDOW_MS);
    const atSec = (index * WINDOW_MS) / 1000;
    if (this.current && this.current.atSec === atSec) return this.current;
    if (this.current) {
      this.done.push(this.current);
      this.onWindow?.(this.current);
    }
    this.current = { atSec, durationSec: WINDOW_MS / 1000, calls: 0, errors: 0, histogram: windowHistogram() };
    return this.current;
  }

  fail(error: unknown): void {
    this.window().errors++;
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

/** A stretch with calls in flight and none completing: where it started (ms from the stretch's start) and how long. */
export interface Pause {
  atMs: number;
  ms: number;
}

/** Pauses kept per stretch, the longest; the count has them all. */
const MAX_PAUSES = 8;

const ns = (ms: number) => Math.max(1, Math.round(ms * 1e6));

/**
 * What only an open loop has. Lateness: how long after its due time each call was sent, the generator's own error
 * (a late send is in the latency, which counts from the due time). Service time: from the send to the reply, what a
 * closed-loop tool would report. Pauses: a single stall of the machine, the client or the server shows as one, and
 * is told apart from a server that cannot keep up. The calls in flight when each call was sent, by third of the
 * schedule: a server that keeps up holds them level, one that cannot lets them grow through the stretch, which no
 * single pause fakes (OpenMessaging Benchmark's backlog test).
 */
export class OpenLoopRecord {
  readonly sendLag: Histogram = windowHistogram();
  readonly service: Histogram = newHistogram();
  readonly pauses: Pause[] = [];
  pauseCount = 0;
  private readonly thirds: Uint32Array[];
  private readonly start = performance.now();
  private lastProgress = this.start;

  constructor(
    private readonly total: number,
    maxInFlight: number,
    private readonly pauseMs: number,
  ) {
    this.thirds = [0, 1, 2].map(() => new Uint32Array(maxInFlight + 1));
  }

  sent(index: number, lateMs: number, inFlightBefore: number, at: number): void {
    this.sendLag.recordValue(ns(lateMs));
    this.thirds[Math.min(2, Math.floor((3 * index) / Math.max(1, this.total)))]![inFlightBefore]!++;
    if (inFlightBefore === 0) this.lastProgress = at; // idle until now: no stretch without progress began before
  }

  replied(serviceMs: number, at: number): void {
    this.service.recordValue(ns(serviceMs));
    const gap = at - this.lastProgress;
    if (gap >= this.pauseMs) this.pause({ atMs: this.lastProgress - this.start, ms: gap });
    this.lastProgress = at;
  }

  private pause(p: Pause): void {
    this.pauseCount++;
    this.pauses.push(p);
    if (this.pauses.length > MAX_PAUSES) {
      this.pauses.sort((a, b) => b.ms - a.ms);
      this.pauses.length = MAX_PAUSES;
    }
  }

  /** The median calls in flight at a send, in the first and the last third of the schedule. */
  backlog(): { first: number; last: number } {
    return { first: medianCount(this.thirds[0]!), last: medianCount(this.thirds[2]!) };
  }
}

/** The median of values given as counts (counts[v]: how often v was seen); 0 when none was. */
function medianCount(counts: Uint32Array): number {
  const n = counts.reduce((a, b) => a + b, 0);
  let seen = 0;
  for (let v = 0; v < counts.length; v++) if ((seen += counts[v]!) * 2 >= n && n > 0) return v;
  return 0;
}
