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
  /** Open loop: a stretch of at least this many ms with calls in flight and none completing is a pause (default DEFAULT_PAUSE_MS). */
  pauseMs?: number;
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
 * The open loop: call i is due at start + i / rate, whatever the replies do; calls due while `maxInFlight` are out
 * are dropped (the server is behind: a result, not a failure). Calls go out when a timer fires or a reply comes in,
 * whichever is first after they are due, and the thread waits in its event loop in between. Every wake-up costs:
 * on these Firecracker VMs a timer wake-up alone is 22 µs of CPU (nanosleep in C, measured with schedstat), and a
 * pacer thread waking this one at each due time cost 245-288 µs of client CPU per getObj over raw TCP at 2,000/s against
 * 131-147 µs in a closed loop; before it, polling naps kept a core busy (issue 30). Node's timers wake to the
 * millisecond, so a call can leave up to about a millisecond late when no reply comes first: that lateness is
 * recorded for every call and shown, and the latency still counts from the due time (coordinated omission). Near a
 * server's capacity replies come every few tens of µs, and calls leave on them, close to their due time.
 */
export function openLoop(call: Call, check: Check, ratePerSec: number, maxInFlight: number, limits: Limits, rec: Recorder): Promise<number> {
  const intervalMs = 1000 / ratePerSec;
  const total = Math.min(limits.maxCalls ?? Infinity, Math.floor((limits.durationMs / 1000) * ratePerSec));
  const open = rec.openLoop(total, maxInFlight, limits.pauseMs ?? DEFAULT_PAUSE_MS);
  const start = performance.now();
  let sent = 0;
  let inFlight = 0;
  let aborted: unknown = null;
  let timer: NodeJS.Timeout | null = null;
  return new Promise((resolve, reject) => {
    const settled = () => {
      if ((sent < total && aborted === null) || inFlight > 0) return;
      if (aborted === null) resolve(performance.now() - start);
      else reject(aborted);
    };
    const sendOne = (index: number, now: number) => {
      open.sent(index, now - (start + index * intervalMs), inFlight++, now);
      const due = start + index * intervalMs;
      call()
        .then(
          (reply) => {
            const at = performance.now();
            open.replied(at - now, at);
            rec.settle(reply, check, at - due);
          },
          (error) => rec.fail(error),
        )
        .catch((error) => void (aborted ??= error))
        .finally(() => {
          inFlight--;
          sendDue();
        });
    };
    const sendDue = () => {
      const now = performance.now();
      while (sent < total && aborted === null && start + sent * intervalMs <= now) {
        const index = sent++;
        if (inFlight >= maxInFlight) rec.drop();
        else sendOne(index, now);
      }
      if (sent < total && aborted === null && timer === null) {
        timer = setTimeout(
          () => {
            timer = null;
            sendDue();
          },
          Math.max(0, start + sent * intervalMs - performance.now()),
        );
      }
      settled();
    };
    sendDue();
  });
}

/** A pause, unless a stretch says otherwise: no call completed for this long while calls were in flight. */
export const DEFAULT_PAUSE_MS = 5;
