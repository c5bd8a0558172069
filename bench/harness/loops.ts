// Scenarios drive calls and record what happened; they know nothing of transports or formatting.
//   closedLoop: C workers, each sends its next call when the last one returns (latency = C of 1).
//   openLoop:   calls start on a fixed schedule whatever the replies do; latency counts from the
//               scheduled start, so a stalled server is not hidden (coordinated omission, as in wrk2 and k6).
import { type Check, type Recorder, ScenarioAborted } from './recorder.ts';

export type Call = () => Promise<unknown>;

export interface Limits {
  durationMs: number;
  /** Stop after this many calls instead (null: run for durationMs). */
  maxCalls: number | null;
}

/**
 * A call that settles in a microtask (the in-process transport) never gives the event loop a turn: timers
 * (the progress bar, deadlines) would wait for the whole trial. A ticker notes when the loop last turned; a
 * worker that sees it stale yields once, outside its timed interval. Calls over a socket turn the loop anyway.
 */
const STALE_LOOP_MS = 50;

function loopTicker(): { stale(now: number): boolean; stop(): void } {
  let last = performance.now();
  const timer = setInterval(() => (last = performance.now()), STALE_LOOP_MS / 2);
  return { stale: (now) => now - last > STALE_LOOP_MS, stop: () => clearInterval(timer) };
}

const loopTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function closedLoop(call: Call, check: Check, concurrency: number, limits: Limits, rec: Recorder): Promise<number> {
  const start = performance.now();
  const endAt = start + limits.durationMs;
  let budget = limits.maxCalls ?? Infinity;
  let aborted: unknown = null;
  const ticker = loopTicker();
  const worker = async () => {
    while (budget-- > 0 && aborted === null) {
      const t0 = performance.now();
      if (t0 >= endAt) return;
      try {
        const reply = await call();
        const t1 = performance.now();
        rec.settle(reply, check, t1 - t0);
        if (ticker.stale(t1)) await loopTurn();
      } catch (error) {
        try {
          if (error instanceof ScenarioAborted) throw error;
          rec.fail(error);
        } catch (abort) {
          aborted = abort; // stops the other workers too
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    ticker.stop();
  }
  if (aborted) throw aborted;
  return performance.now() - start;
}

/**
 * The open loop's pacing. A due time more than 2 ms away is slept to with a timer; a nearer one by short naps of
 * the thread (Atomics.wait, at most NAP_MS), each followed by a turn of the event loop that takes the replies in.
 * Polling with setImmediate alone kept a whole core busy at any rate above 500 calls/s (1,000 µs of client CPU per
 * call at 1,000 calls/s, measured): on these 2-core machines that core is the server's or the broker's. A reply that
 * arrives during a nap waits for it, so a nap adds at most NAP_MS to a call's latency.
 */
const NAP_MS = 0.05;
/** With no call in flight there is no reply to keep waiting: a longer nap, fewer turns. */
const IDLE_NAP_MS = 0.5;
const napCell = new Int32Array(new SharedArrayBuffer(4));
const nap = (ms: number) => void Atomics.wait(napCell, 0, 0, ms);

async function pace(dueAt: number, idle: boolean): Promise<void> {
  const wait = dueAt - performance.now();
  if (wait > 2) return void (await sleep(wait - 1.5));
  if (wait > 0) nap(Math.min(wait, idle ? IDLE_NAP_MS : NAP_MS));
  await loopTurn();
}

export async function openLoop(call: Call, check: Check, ratePerSec: number, maxInFlight: number, limits: Limits, rec: Recorder): Promise<number> {
  const intervalMs = 1000 / ratePerSec;
  const total = Math.min(limits.maxCalls ?? Infinity, Math.floor((limits.durationMs / 1000) * ratePerSec));
  const start = performance.now();
  let sent = 0;
  let inFlight = 0;
  let aborted: unknown = null;
  const inFlightDone: Array<Promise<void>> = [];
  while (sent < total && aborted === null) {
    await pace(start + sent * intervalMs, inFlight === 0);
    while (sent < total && start + sent * intervalMs <= performance.now()) {
      const due = start + sent++ * intervalMs;
      if (inFlight >= maxInFlight) {
        rec.drop(); // the server is behind: a measured result, not a failure
        continue;
      }
      // how late the client sends it: a busy client sends late (its latency still counts from when it was due)
      rec.lag(performance.now() - due);
      inFlight++;
      const done = call()
        .then(
          (reply) => rec.settle(reply, check, performance.now() - due),
          (error) => rec.fail(error),
        )
        .catch((error) => void (aborted ??= error))
        .finally(() => inFlight--);
      inFlightDone.push(done);
    }
  }
  await Promise.all(inFlightDone);
  if (aborted) throw aborted;
  return performance.now() - start;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
