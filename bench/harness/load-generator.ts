// Who makes a cell's calls: one client in this thread (the default, so runs are reproducible), or N worker
// threads (--client-workers N), each with its own connection and a share of the concurrency and of the
// open-loop rate, for servers that need more load than one event loop can give. Either way a window of load
// comes back as one Window: histograms merged exactly, calls and errors added up.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import * as hdr from 'hdr-histogram-js';
import { type CallSpec, callSpec } from '../../transports/contract.ts';
import { findTransport } from '../../transports/registry.ts';
import type { ClientHandle, ClientOptions, Transport } from '../../transports/transport.ts';
import type { CellKey } from '../report/types.ts';
import { closedLoop, type Limits, openLoop } from './loops.ts';
import { type LoadWindow, type Pause, Recorder, ScenarioAborted, windowHistogram } from './recorder.ts';
import { type Histogram, newHistogram } from './stats.ts';

/** What one stretch of load measured. */
export interface LoadResult {
  histogram: Histogram;
  calls: number;
  errors: number;
  timeouts: number;
  dropped: number;
  reasons: Map<string, number>;
  elapsedMs: number;
  /** Event-loop utilization of the busiest load thread over the stretch (0..1). */
  loopUtilization: number;
  /** What only an open loop measures (lateness, service time, pauses, backlog); null for a closed loop. */
  open: OpenResult | null;
  /** The busiest load thread's CPU time over the stretch's wall time (0..1); null where the kernel does not say. */
  threadBusy: number | null;
  /** The stretch in one-second windows (every thread's added up). */
  windows: LoadWindow[];
}

/** An open loop's own figures over a stretch, every thread's added up. */
export interface OpenResult {
  /** How late each call was sent after it was due, ns. */
  sendLag: Histogram;
  /** From each call's send to its reply, ns: the service time. */
  service: Histogram;
  /** The longest pauses (no call completing with calls in flight), and how many there were. */
  pauses: Pause[];
  pauseCount: number;
  /** Median calls in flight at a send, in the first and last third of the schedule (threads added). */
  backlog: { first: number; last: number };
}

/** A window of load as it ends, for a live view: calls/s and p99 so far this second. */
export interface LiveWindow {
  callsPerSec: number;
  p99Us: number;
}

export interface LoadGenerator {
  /** Runs the cell's scenario for `limits`; rejects with ScenarioAborted when calls keep failing. */
  run(cell: CellKey, limits: Limits, live?: (w: LiveWindow) => void): Promise<LoadResult>;
  close(): Promise<void>;
}

export interface LoadConfig {
  transport: Transport;
  address: string;
  client: ClientOptions;
  fibN: number;
  workers: number;
}

/** This generator's part of a whole: `total` split over `parts`, the first ones taking the remainder. */
export function shareOf(total: number, index: number, parts: number): number {
  return Math.floor(total / parts) + (index < total % parts ? 1 : 0);
}

export async function startLoad(config: LoadConfig): Promise<LoadGenerator> {
  // an in-process server lives in this thread, where only this thread's client can reach it
  if (config.workers <= 1 || config.transport.traits.inProcess) return inThread(await config.transport.connect(config.address, config.client), config.fibN);
  return startWorkers(config);
}

/** What a load thread is asked to do: the cell, its share of the load, and for how long. */
export interface Share {
  concurrency: number;
  ratePerSec: number | null;
}

/** One client in this thread, running windows of a cell's scenario. Also what each worker thread runs. */
export function inThread(
  client: ClientHandle,
  fibN: number,
): LoadGenerator & { runShare(cell: CellKey, share: Share, limits: Limits, onWindow?: (w: LoadWindow) => void): Promise<LoadResult> } {
  const specs = new Map<string, CallSpec>();
  const specOf = (cell: CellKey) => {
    const key = `${cell.call}/${cell.payloadEntries}`;
    if (!specs.has(key)) specs.set(key, callSpec(cell.call, { payloadEntries: cell.payloadEntries, fibN }));
    return specs.get(key)!;
  };
  const runShare = async (cell: CellKey, share: Share, limits: Limits, onWindow?: (w: LoadWindow) => void): Promise<LoadResult> => {
    const spec = specOf(cell);
    const rec = new Recorder(onWindow);
    const call = () => client.call(spec.method, spec.args);
    const elu0 = performance.eventLoopUtilization();
    const cpu0 = threadCpuNs();
    const elapsedMs =
      share.ratePerSec !== null
        ? await openLoop(call, spec.check, share.ratePerSec, share.concurrency, limits, rec)
        : await closedLoop(call, spec.check, share.concurrency, limits, rec);
    const loopUtilization = performance.eventLoopUtilization(elu0).utilization;
    const cpu1 = threadCpuNs();
    const threadBusy = cpu0 === null || cpu1 === null ? null : Math.min(1, (cpu1 - cpu0) / 1e6 / Math.max(elapsedMs, 0.001));
    return {
      histogram: rec.histogram,
      calls: rec.calls,
      errors: rec.errors,
      timeouts: rec.timeouts,
      dropped: rec.dropped,
      reasons: rec.reasons,
      elapsedMs,
      loopUtilization,
      open: rec.open && {
        sendLag: rec.open.sendLag,
        service: rec.open.service,
        pauses: rec.open.pauses,
        pauseCount: rec.open.pauseCount,
        backlog: rec.open.backlog(),
      },
      threadBusy,
      windows: rec.windows(elapsedMs),
    };
  };
  return {
    runShare,
    run: (cell, limits, live) => runShare(cell, { concurrency: cell.concurrency, ratePerSec: cell.ratePerSec }, limits, live && ((w) => live(liveOf(w)))),
    close: () => client.close(),
  };
}

/**
 * The time the calling thread wanted a CPU so far, ns: on one (the first field of Linux's /proc/thread-self/schedstat)
 * or waiting in a run queue for one (the second: on 2 shared cores a busy client waits as much as it runs); null where
 * the kernel does not say. The thread's own: the open loop's naps do not count, nor do other threads.
 */
function threadCpuNs(): number | null {
  try {
    const [running, waiting] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return running! + waiting!;
  } catch {
    return null;
  }
}

const percentileUs = (h: Histogram, p: number) => Math.round(h.getValueAtPercentile(p) / 100) / 10;

export function liveOf(w: LoadWindow): LiveWindow {
  return { callsPerSec: w.durationSec > 0 ? w.calls / w.durationSec : 0, p99Us: w.histogram.totalCount ? percentileUs(w.histogram, 99) : 0 };
}

/** A LoadResult as it crosses a thread boundary: the histograms encoded as the report stores them. */
export interface WireResult extends Omit<LoadResult, 'histogram' | 'reasons' | 'windows' | 'open'> {
  histogram: string;
  open: (Omit<OpenResult, 'sendLag' | 'service'> & { sendLag: string; service: string }) | null;
  reasons: Array<[string, number]>;
  windows: Array<Omit<LoadWindow, 'histogram'> & { histogram: string }>;
}

export type WorkerRequest =
  | { type: 'connect'; id: number; transport: string; plugin?: string; address: string; client: ClientOptions; fibN: number }
  | { type: 'run'; id: number; cell: CellKey; share: Share; limits: Limits }
  | { type: 'close'; id: number };

/** A request before its id is given. */
type Unsent = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export type WorkerReply =
  | { id: number; ok: true; window?: WireResult }
  | { id: number; ok: false; error: string; aborted: boolean }
  /** A window of a run still going: for the live view. */
  | { id: number; live: LiveWindow };

/** Beyond a window's own length, how long a load thread may take to answer before it is declared hung. */
const WORKER_SLACK_MS = 5000;
const entry = new URL('./client-worker-boot.mjs', import.meta.url);

async function startWorkers(config: LoadConfig): Promise<LoadGenerator> {
  const threads = Array.from({ length: config.workers }, () => new LoadThread());
  const plugin = findTransport(config.transport.name)?.plugin;
  const connect = { transport: config.transport.name, plugin, address: config.address, client: config.client, fibN: config.fibN };
  try {
    await Promise.all(threads.map((t) => t.ask({ type: 'connect', ...connect }, config.client.timeoutMs + WORKER_SLACK_MS)));
  } catch (error) {
    await Promise.all(threads.map((t) => t.terminate()));
    throw error;
  }
  return {
    async run(cell, limits, live) {
      const n = threads.length;
      // the live view: each thread's latest window, their calls/s added, the worst p99
      const latest = new Map<number, LiveWindow>();
      const onLive = (i: number) => (w: LiveWindow) => {
        latest.set(i, w);
        const all = [...latest.values()];
        live?.({ callsPerSec: all.reduce((s, x) => s + x.callsPerSec, 0), p99Us: Math.max(...all.map((x) => x.p99Us)) });
      };
      const asks = threads.map((t, i) => {
        const share: Share = { concurrency: shareOf(cell.concurrency, i, n), ratePerSec: cell.ratePerSec === null ? null : cell.ratePerSec / n };
        if (share.concurrency === 0) return null;
        const windowMs = Number.isFinite(limits.durationMs) ? limits.durationMs : (limits.maxCalls ?? 1) * config.client.timeoutMs;
        return t.ask(
          { type: 'run', cell, share, limits: { ...limits, maxCalls: limits.maxCalls === null ? null : shareOf(limits.maxCalls, i, n) } },
          windowMs + config.client.timeoutMs + WORKER_SLACK_MS,
          live && onLive(i),
        );
      });
      const results = await Promise.all(asks.filter((a) => a !== null));
      return mergeResults(results.map((w) => fromWire(w!)));
    },
    close: async () => void (await Promise.all(threads.map((t) => t.close()))),
  };
}

class LoadThread {
  private readonly worker = new Worker(entry);
  private readonly pending = new Map<number, { resolve(w: WireResult | undefined): void; reject(e: Error): void; live?: (w: LiveWindow) => void }>();
  private nextId = 0;
  private dead: Error | null = null;

  constructor() {
    this.worker.on('message', (reply: WorkerReply) => {
      const p = this.pending.get(reply.id);
      if ('live' in reply) return void p?.live?.(reply.live);
      this.pending.delete(reply.id);
      if (!p) return;
      if (reply.ok) p.resolve(reply.window);
      else p.reject(reply.aborted ? new ScenarioAborted(reply.error) : new Error(reply.error));
    });
    const fail = (error: Error) => {
      this.dead ??= error;
      for (const p of this.pending.values()) p.reject(this.dead);
      this.pending.clear();
    };
    this.worker.on('error', (e) => fail(new Error(`a client worker failed: ${e.message}`)));
    this.worker.on('exit', (code) => fail(new Error(`a client worker exited (code ${code})`)));
  }

  /** Sends a request and waits for its answer, at most `deadlineMs`: a worker that misses it is hung and terminated. */
  ask(request: Unsent, deadlineMs: number, live?: (w: LiveWindow) => void): Promise<WireResult | undefined> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`a client worker did not answer within ${deadlineMs} ms: declared hung and stopped`));
        void this.terminate();
      }, deadlineMs);
      const settle =
        <T>(f: (x: T) => void) =>
        (x: T) => {
          clearTimeout(timer);
          f(x);
        };
      this.pending.set(id, { resolve: settle(resolve), reject: settle(reject), live });
      this.worker.postMessage({ ...request, id } as WorkerRequest);
    });
  }

  async close(): Promise<void> {
    await this.ask({ type: 'close' }, 5000).catch(() => {});
    await this.terminate();
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

export function toWire(w: LoadResult): WireResult {
  const windows = w.windows.map((x) => ({ ...x, histogram: hdr.encodeIntoCompressedBase64(x.histogram) }));
  const open = w.open && { ...w.open, sendLag: hdr.encodeIntoCompressedBase64(w.open.sendLag), service: hdr.encodeIntoCompressedBase64(w.open.service) };
  return { ...w, histogram: hdr.encodeIntoCompressedBase64(w.histogram), reasons: [...w.reasons], windows, open };
}

function fromWire(w: WireResult): LoadResult {
  const windows = w.windows.map((x) => ({ ...x, histogram: hdr.decodeFromCompressedBase64(x.histogram) }));
  const open = w.open && { ...w.open, sendLag: hdr.decodeFromCompressedBase64(w.open.sendLag), service: hdr.decodeFromCompressedBase64(w.open.service) };
  return { ...w, histogram: hdr.decodeFromCompressedBase64(w.histogram), reasons: new Map(w.reasons), windows, open };
}

/** Stretches that ran side by side as one: histograms added exactly, counts summed, the longest elapsed time. */
export function mergeResults(results: LoadResult[]): LoadResult {
  const histogram = newHistogram();
  const reasons = new Map<string, number>();
  for (const w of results) {
    histogram.add(w.histogram);
    for (const [m, n] of w.reasons) reasons.set(m, (reasons.get(m) ?? 0) + n);
  }
  const sum = (f: (w: LoadResult) => number) => results.reduce((n, w) => n + f(w), 0);
  return {
    histogram,
    reasons,
    calls: sum((w) => w.calls),
    errors: sum((w) => w.errors),
    timeouts: sum((w) => w.timeouts),
    dropped: sum((w) => w.dropped),
    elapsedMs: Math.max(...results.map((w) => w.elapsedMs)),
    loopUtilization: Math.max(...results.map((w) => w.loopUtilization)),
    open: mergeOpen(results.map((w) => w.open).filter((o) => o !== null)),
    threadBusy: results.some((w) => w.threadBusy === null) ? null : Math.max(...results.map((w) => w.threadBusy!)),
    windows: mergeLoadWindows(results.flatMap((w) => w.windows)),
  };
}

/** Open loops of several threads as one: histograms added exactly, the longest pauses of all, backlogs summed. */
function mergeOpen(opens: OpenResult[]): OpenResult | null {
  if (!opens.length) return null;
  const sendLag = windowHistogram();
  const service = newHistogram();
  for (const o of opens) {
    sendLag.add(o.sendLag);
    service.add(o.service);
  }
  const pauses = opens.flatMap((o) => o.pauses).sort((a, b) => b.ms - a.ms);
  return {
    sendLag,
    service,
    pauses: pauses.slice(0, Math.max(...opens.map((o) => o.pauses.length))),
    pauseCount: opens.reduce((n, o) => n + o.pauseCount, 0),
    backlog: { first: opens.reduce((n, o) => n + o.backlog.first, 0), last: opens.reduce((n, o) => n + o.backlog.last, 0) },
  };
}

/** Windows of several threads, the same second added up: calls and errors, histograms exactly. */
function mergeLoadWindows(windows: LoadWindow[]): LoadWindow[] {
  const by = new Map<number, LoadWindow>();
  for (const w of windows) {
    const seen = by.get(w.atSec);
    if (!seen) {
      by.set(w.atSec, { ...w, histogram: windowHistogramOf(w.histogram) });
      continue;
    }
    seen.calls += w.calls;
    seen.errors += w.errors;
    seen.durationSec = Math.max(seen.durationSec, w.durationSec);
    seen.histogram.add(w.histogram);
  }
  return [...by.values()].sort((a, b) => a.atSec - b.atSec);
}

/** A copy to add into, so that merging never changes a thread's own window. */
function windowHistogramOf(h: Histogram): Histogram {
  const copy = windowHistogram();
  copy.add(h);
  return copy;
}
