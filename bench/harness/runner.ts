// Runs a plan: for each group, start (or reach) the server, start the load (connections open before any
// warm-up), then each cell: warm up until steady, run its trials, and return typed results.
// Reports progress through events; never formats.
import { type CallSpec, callSpec } from '../../transports/contract.ts';
import type { ClientOptions } from '../../transports/transport.ts';
import { foldCell } from '../cells/fold.ts';
import { addCell } from '../cells/pool.ts';
import type { RunOutput } from '../report/build.ts';
import { round3 } from '../report/trials.ts';
import type {
  BytesPerCall,
  CellKey,
  CellResult,
  ClientLoad,
  CodecUsPerCall,
  OpenLoopTrial,
  Segment,
  SkippedEntry,
  TrialResult,
  Window,
} from '../report/types.ts';
import { type CellRunner, scenarioOf } from '../scenarios/index.ts';
import type { Measurement, MeasureOptions } from '../scenarios/scenario.ts';
import { type BrokerFound, brokerNote, brokerOf } from './broker-cpu.ts';
import { measureBytesPerCall } from './byte-count.ts';
import { isClientBound } from './client-load.ts';
import { measureCodec } from './codec-cost.ts';
import { type LiveWindow, type LoadGenerator, type OpenResult, startLoad } from './load-generator.ts';
import { DEFAULT_PAUSE_MS, type Limits } from './loops.ts';
import { type Plan, type PlanGroup, type RunConfig, segmentShare } from './plan.ts';
import type { LoadWindow } from './recorder.ts';
import { makeSchedule, sleepUntil } from './schedule.ts';
import { type RunningServer, startServer, targetServer } from './server-processes.ts';
import { onShutdown, shuttingDown } from './shutdown.ts';
import { decodeHistogram, encodeHistogram, type Histogram, latencyUs } from './stats.ts';
import { warmUp } from './warmup.ts';

export interface RunEvents {
  cellStart?(cell: CellKey, index: number, total: number): void;
  cellDone?(result: CellResult): void;
  skipped?(entry: SkippedEntry): void;
  /** Each second of load as it ends, with the cell it belongs to (a capacity step: the cell at its rate). */
  window?(cell: CellKey, w: LiveWindow): void;
}

/**
 * With --runs N the whole plan runs N times, each run with its own server processes, and each trial keeps
 * its run number: runs of one build differ more than trials of one run, and the gate needs to see that.
 */
export async function runPlan(plan: Plan, events: RunEvents = {}): Promise<RunOutput> {
  const { config } = plan;
  const skipped = new Map(plan.skipped.map((s) => [JSON.stringify(s), s]));
  const cells = new Map<string, CellResult>();
  const brokers: Record<string, string> = {};
  const total = plan.groups.reduce((n, g) => n + g.cells.length, 0) * config.runs;
  const schedule = makeSchedule(plan);
  if (schedule) await sleepUntil(schedule.startMs);
  let index = 0;
  for (let run = 0; run < config.runs; run++) {
    for (const group of plan.groups) {
      const onSkip = (entry: SkippedEntry) => {
        if (!skipped.has(JSON.stringify(entry))) events.skipped?.(entry);
        skipped.set(JSON.stringify(entry), entry);
      };
      // a group that fails leaves its cells' slots unused: the next group's cells keep their places
      const first = index;
      index += group.cells.length;
      const onCell = (cell: CellKey, i: number) => {
        events.cellStart?.(cell, first + i, total);
        return schedule ? (trial: number) => schedule.trialStartMs(run, cell, trial) : null;
      };
      const onWindow = (cell: CellKey, w: LiveWindow) => events.window?.(cell, w);
      const onBroker = (note: string) => void (brokers[group.transport.name] = note);
      const results = await runGroup(group, config, config.runs > 1 ? run : null, { onCell, onSkip, onWindow, onBroker });
      for (const r of results) {
        events.cellDone?.(r);
        addCell(cells, r);
      }
    }
  }
  return { results: [...cells.values()], skipped: [...skipped.values()], brokers };
}

interface GroupEvents {
  onCell(c: CellKey, i: number): TrialClock;
  onSkip(e: SkippedEntry): void;
  onWindow(c: CellKey, w: LiveWindow): void;
  /** A brokered transport's broker, as found: whose CPU its cells' broker figures are. */
  onBroker(note: string): void;
}

/** What every cell of one call shares: its spec, bytes on the wire and codec cost are measured once per call. */
interface CallFacts {
  spec: CallSpec;
  bytesPerCall: BytesPerCall | null;
  codecUsPerCall: CodecUsPerCall | null;
}

async function runGroup(group: PlanGroup, config: RunConfig, run: number | null, { onCell, onSkip, onWindow, onBroker }: GroupEvents): Promise<CellResult[]> {
  const clientOptions: ClientOptions = { timeoutMs: config.timeoutMs, maxMessageBytes: config.maxMessageBytes };
  const results: CellResult[] = [];
  let server: RunningServer | undefined;
  let load: LoadGenerator | undefined;
  let unregisterLoad = () => {};
  const remaining = [...group.cells];
  try {
    server =
      group.server.kind === 'target'
        ? targetServer(group.server.address)
        : await startServer(group.transport, {
            listen: group.server.listen,
            service: group.server.service,
            server: { maxMessageBytes: config.maxMessageBytes },
          });
    load = segmented(
      await startLoad({ transport: group.transport, address: server.address, client: clientOptions, fibN: config.fibN, workers: config.clientWorkers }),
      config.segment,
    );
    const started = load;
    unregisterLoad = onShutdown(() => started.close(), 'clients');
    // a brokered transport's broker is found once, by the port the server's address leads to
    const broker = group.transport.brokerEnv ? brokerOf(server.address) : undefined;
    if (broker) onBroker(brokerNote(broker));
    const facts = new Map<string, CallFacts>();
    while (remaining.length) {
      const cell = remaining[0]!;
      const clock = onCell(cell, group.cells.length - remaining.length);
      if (!facts.has(cell.call)) facts.set(cell.call, await callFacts(group, cell, server.address, clientOptions, config));
      // the server's first cell pays the warm-up minimum; the others share that warm-up (same server, same client)
      const fresh = remaining.length === group.cells.length;
      results.push(await runCell(cell, { facts: facts.get(cell.call)!, load, server, broker, config, run, fresh, clock, onWindow }));
      remaining.shift();
    }
  } catch (error) {
    if (shuttingDown()) return results; // its load was stopped by Ctrl-C or SIGTERM: not a failure of the transport
    // a dead server explains the failure better than the client's error; its exit may lag the socket close
    const reason = (await server?.deathReason(1000)) ?? (error instanceof Error ? error.message : String(error));
    const calls = [...new Set(remaining.map((c) => c.call))];
    for (const call of calls) onSkip({ kind: 'failed', transport: group.transport.name, call, reason });
  } finally {
    unregisterLoad();
    await load?.close().catch(() => {});
    await server?.stop();
  }
  return results;
}

async function callFacts(group: PlanGroup, cell: CellKey, address: string, clientOptions: ClientOptions, config: RunConfig): Promise<CallFacts> {
  const spec = callSpec(cell.call, { payloadEntries: cell.payloadEntries, fibN: config.fibN });
  const bytesPerCall = config.countBytes ? await measureBytesPerCall(group.transport, address, spec, clientOptions) : null;
  return { spec, bytesPerCall, codecUsPerCall: await measureCodec(group.transport.codec, spec, config.codecTimeMs) };
}

/** Where a cell runs: its call's facts, the load, the server, the run configuration; `fresh`: the server's first cell. */
interface CellContext {
  facts: CallFacts;
  load: LoadGenerator;
  server: RunningServer;
  /** The broker of a brokered transport (or why it is not measured); undefined where there is none. */
  broker: BrokerFound | undefined;
  config: RunConfig;
  run: number | null;
  fresh: boolean;
  /** When each trial starts on a shared schedule (--start-at), or null: at once. */
  clock: TrialClock;
  onWindow(c: CellKey, w: LiveWindow): void;
}

type TrialClock = ((trial: number) => number) | null;

/** The load as generator `segment` makes it: its share of each cell's calls in flight and rate (plan.ts). */
function segmented(load: LoadGenerator, segment: Segment | null): LoadGenerator {
  if (!segment) return load;
  return { run: (cell, limits, live) => load.run({ ...cell, ...segmentShare(cell, segment) }, limits, live), close: () => load.close() };
}

const PROBE_CONCURRENCY = 16;
const PROBE_MS = 300;

/** Runs a cell through its scenario (warm-up and trials, or a search over many) and folds what it measured. */
async function runCell(cell: CellKey, ctx: CellContext): Promise<CellResult> {
  let fresh = ctx.fresh;
  const runner: CellRunner = {
    // a short closed loop at 16 in flight (a null rate is a closed loop): where an open-loop search can start
    probe: async (c) => {
      const w = await ctx.load.run({ ...c, concurrency: PROBE_CONCURRENCY, ratePerSec: null }, { durationMs: PROBE_MS, maxCalls: null });
      return w.calls / (w.elapsedMs / 1000);
    },
    async measure(c, how) {
      // only the first measurement on a fresh server pays the warm-up minimum
      const m = await measure(c, { ...ctx, fresh }, how);
      fresh = false;
      return m;
    },
  };
  const run = await scenarioOf(cell.scenario).run(cell, runner, ctx.config.scenarioSettings[cell.scenario]);
  const { facts } = ctx;
  return foldCell({
    key: cell,
    bytesPerCall: facts.bytesPerCall,
    payloadBytes: facts.spec.payloadBytes,
    codecUsPerCall: facts.codecUsPerCall,
    warmup: run.warmup,
    errorReasons: run.errorReasons,
    trials: run.trials,
    records: run.record === undefined ? [] : [run.record],
  });
}

/** A cell's load warmed up until steady, then its trials. */
async function measure(cell: CellKey, ctx: CellContext, how: MeasureOptions = {}): Promise<Measurement> {
  const warmup = how.warmup === false ? { sec: 0, steady: true } : await warmUp(ctx.load, cell, ctx.config.warmup, ctx.fresh);
  const trials: TrialResult[] = [];
  const reasons = new Map<string, number>();
  // the run's trials, then more while a scenario needs more calls (a capacity step at a low rate), within its cap
  const more = () => how.minCalls !== undefined && trials.length < (how.maxTrials ?? 0) && trials.reduce((n, t) => n + t.calls, 0) < how.minCalls;
  for (let i = 0; i < (how.trials ?? ctx.config.trials) || more(); i++) {
    if (ctx.clock) await sleepUntil(ctx.clock(i));
    trials.push(await trial(cell, ctx, reasons, how));
  }
  return { warmup, trials, errorReasons: [...reasons].map(([message, count]) => ({ message, count })) };
}

/** One trial: the load for the trial's length, with the client's and server's CPU time around it. */
async function trial(
  cell: CellKey,
  { load, server, broker, config, run, onWindow }: CellContext,
  reasons: Map<string, number>,
  how: MeasureOptions,
): Promise<TrialResult> {
  const live = (w: LiveWindow) => onWindow(cell, w);
  const serverCpu0 = await server.cpuUsageUs();
  const brokerCpu = broker && 'pid' in broker ? broker : null;
  const brokerCpu0 = brokerCpu?.cpuUs() ?? null;
  const clientCpu0 = process.cpuUsage();
  const startedAtMs = Date.now();
  const limits: Limits = {
    durationMs: how.durationMs ?? config.durationMs,
    maxCalls: how.durationMs === undefined ? config.count : null,
    ...(how.pauseMs === undefined ? {} : { pauseMs: how.pauseMs }),
  };
  const w = await load.run(cell, limits, live);
  const clientCpu = process.cpuUsage(clientCpu0);
  // also the health check after every trial, the last one included: a server that died or hung fails the cell
  const serverCpu1 = await server.cpuUsageUs();
  const brokerCpu1 = brokerCpu?.cpuUs() ?? null;
  const perCall = (us: number) => round3(us / Math.max(1, w.calls + w.errors));
  const elapsedMs = Math.max(w.elapsedMs, 0.001);
  // percentiles from the histogram as saved, so that anyone reading it back gets the report's figures exactly
  const histogram = encodeHistogram(w.histogram);
  const client: ClientLoad = {
    cpuCores: round3((clientCpu.user + clientCpu.system) / 1000 / elapsedMs),
    loopUtilization: round3(w.loopUtilization),
    ...(w.open ? { sendLagUs: { p50: percentileUs(w.open.sendLag, 50), p99: percentileUs(w.open.sendLag, 99) } } : {}),
    ...(w.threadBusy === null ? {} : { threadBusy: round3(w.threadBusy) }),
  };
  for (const [m, n] of w.reasons) reasons.set(m, (reasons.get(m) ?? 0) + n);
  return {
    ...(run === null ? {} : { run }),
    startedAtMs,
    calls: w.calls,
    errors: w.errors,
    timeouts: w.timeouts,
    dropped: w.dropped,
    durationSec: round3(elapsedMs / 1000),
    callsPerSec: round3(w.calls / (elapsedMs / 1000)),
    latencyUs: latencyUs(decodeHistogram(histogram)),
    cpuUsPerCall: {
      client: perCall(clientCpu.user + clientCpu.system),
      server: serverCpu0 === null || serverCpu1 === null ? null : perCall(serverCpu1 - serverCpu0),
      // a brokered transport's broker: null when it is not measured (remote, a container), never 0
      ...(broker === undefined
        ? {}
        : { broker: brokerCpu0 === null || brokerCpu1 === null || brokerCpu1 < brokerCpu0 ? null : perCall(brokerCpu1 - brokerCpu0) }),
    },
    client,
    clientBound: isClientBound(client),
    histogram,
    windows: w.windows.map(reportWindow),
    ...(w.open ? { open: openTrial(w.open, limits.pauseMs ?? DEFAULT_PAUSE_MS) } : {}),
  };
}

const percentileUs = (h: Histogram, p: number) => round3(h.getValueAtPercentile(p) / 1000);

function openTrial(o: OpenResult, pauseMs: number): OpenLoopTrial {
  return {
    serviceLatencyUs: latencyUs(o.service),
    pauses: o.pauses.map((p) => ({ atSec: round3(p.atMs / 1000), ms: round3(p.ms) })).sort((a, b) => a.atSec - b.atSec),
    pauseCount: o.pauseCount,
    pauseMs,
    backlog: o.backlog,
  };
}

/** A second of load as the report keeps it: its percentiles, not its histogram. */
function reportWindow(w: LoadWindow): Window {
  const us = (p: number) => (w.histogram.totalCount ? round3(w.histogram.getValueAtPercentile(p) / 1000) : 0);
  const callsPerSec = w.durationSec > 0 ? round3(w.calls / w.durationSec) : 0;
  return { atSec: w.atSec, durationSec: round3(w.durationSec), calls: w.calls, errors: w.errors, callsPerSec, p50Us: us(50), p99Us: us(99) };
}
