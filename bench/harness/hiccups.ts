// The machine's hiccups through a run (jHiccup's idea, Gil Tene): a thread of ours that does nothing but sleep 2 ms
// at a time, and notes how late each wake-up is. What delays it delays every process of the run alike: the
// hypervisor, another tenant, the scheduler with more runnable threads than cores (our own load included). Runs
// differ more than trials, and on a shared machine this is much of why: a run whose machine hiccuped more says so
// beside its figures. The thread has its own event loop and heap, so neither the load's work nor its garbage
// collection in the main thread delays it.
import { Worker } from 'node:worker_threads';
import { HICCUP_SLEEP_MS, type MachineHiccups, STALL_MS } from '../report/types.ts';

/** Wake-ups later than this are kept one by one; the rest only counted (a Node timer wakes up to 1 ms late anyway). */
const KEEP_LATE_MS = 1;
/** At most this many late wake-ups kept (800 KB); past it they are counted, and the p99 reads the ones kept. */
const MAX_KEPT = 100_000;
/** The meter's reply to stop, at most: a worker that cannot answer in this time is the machine's answer too. */
const STOP_DEADLINE_MS = 5_000;

// plain CommonJS with nothing but Node's own modules: an eval'd worker loads no file of ours (nor tsx)
const METER = `
const { parentPort } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const started = performance.now();
let due = started + ${HICCUP_SLEEP_MS}, wakeups = 0, counted = 0, timer;
const late = [];
const tick = () => {
  const now = performance.now();
  const ms = now - due;
  wakeups++;
  if (ms >= ${KEEP_LATE_MS}) late.length < ${MAX_KEPT} ? late.push(ms) : counted++;
  due = now + ${HICCUP_SLEEP_MS};
  timer = setTimeout(tick, ${HICCUP_SLEEP_MS});
};
timer = setTimeout(tick, ${HICCUP_SLEEP_MS});
parentPort.once('message', () => {
  clearTimeout(timer);
  parentPort.postMessage({ seconds: (performance.now() - started) / 1000, wakeups, late, counted });
  parentPort.close();
});
`;

interface MeterReply {
  seconds: number;
  wakeups: number;
  late: number[];
  counted: number;
}

export interface HiccupMeter {
  /** What it saw since it started; null if it could not tell (its thread failed or did not answer in time). */
  stop(): Promise<MachineHiccups | null>;
}

export function startHiccupMeter(): HiccupMeter {
  const worker = new Worker(METER, { eval: true });
  worker.unref(); // it never keeps a run (or an interrupted one) alive
  let failed = false;
  worker.once('error', () => void (failed = true));
  return {
    async stop() {
      if (failed) return null;
      const reply = new Promise<MeterReply | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), STOP_DEADLINE_MS);
        worker.once('message', (m: MeterReply) => {
          clearTimeout(timer);
          resolve(m);
        });
        worker.once('error', () => resolve(null));
      });
      worker.postMessage('stop');
      const m = await reply;
      await worker.terminate();
      return m && summarize(m);
    },
  };
}

/** The figures a report keeps: how late the slowest 1% of wake-ups were, the longest, and the stalls that matter. */
export function summarize({ seconds, wakeups, late, counted }: MeterReply): MachineHiccups {
  const sorted = [...late].sort((a, b) => b - a);
  const rank = Math.floor(wakeups / 100);
  const round = (ms: number) => Math.round(ms * 100) / 100;
  const stalls = sorted.filter((ms) => ms >= STALL_MS);
  return {
    seconds: Math.round(seconds * 10) / 10,
    wakeups,
    // the p99 is the (1% of wake-ups)-th latest; fewer late wake-ups than that: under the kept threshold
    p99Ms: rank < sorted.length ? round(sorted[rank]!) : null,
    maxMs: round(sorted[0] ?? 0),
    stalls: stalls.length,
    stalledMs: Math.round(stalls.reduce((s, ms) => s + ms, 0)),
    ...(counted ? { notKept: counted } : {}),
  };
}
