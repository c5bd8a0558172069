// What every way of running the plan shares (one group after another, runner.ts; in rounds, interleave.ts): a group's
// server and load brought up as one (connections open before any warm-up), a cell run through its scenario and
// folded, a measurement (warm-up until steady, then its trials), and a trial with the client's, server's and
// broker's CPU time around it. Reports through events; never formats.
import { type CallSpec, callSpec } from '../../transports/contract.ts';
import type { ClientOptions } from '../../transports/transport.ts';
import { foldCell } from '../cells/fold.ts';
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
import { type Measurement, type MeasureOptions, trialMsFor } from '../scenarios/scenario.ts';
import { type BrokerFound, brokerNote, brokerOf } from './broker-cpu.ts';
import { measureBytesPerCall } from './byte-count.ts';
import { isClientBound } from './client-load.ts';
import { measureCodec } from './codec-cost.ts';
import { type LiveWindow, type LoadGenerator, type OpenResult, startLoad } from './load-generator.ts';
import { DEFAULT_PAUSE_MS, type Limits } from './loops.ts';
import { type PlanGroup, type RunConfig, segmentShare } from './plan.ts';
import type { LoadWindow } from './recorder.ts';
import { sleepUntil } from './schedule.ts';
import { type RunningServer, startServer, targetServer } from './server-processes.ts';
import { onShutdown } from './shutdown.ts';
import { decodeHistogram, encodeHistogram, type Histogram, latencyUs } from './stats.ts';
import { warmUp } from './warmup.ts';

/** What a pass over the plan tells the run: a cell started, finished, skipped; a second of load; a broker found. */
export interface PassEvents {
  onStart(c: CellKey): void;
  onDone(r: CellResult): void;
  /** A turn of the cell's ended (in rounds only): progress counts the cell's part done by them. */
  onTurn(c: CellKey): void;
  onSkip(e: SkippedEntry): void;
  onWindow(c: CellKey, w: LiveWindow): void;
  /** A brokered transport's broker, as found: whose CPU its cells' broker figures are. */
  onBroker(transport: string, note: string): void;
}

/** What every cell of one call shares: its spec, bytes on the wire and codec cost are measured once per call. */
interface CallFacts {
  spec: CallSpec;
  bytesPerCall: BytesPerCall | null;
  codecUsPerCall: CodecUsPerCall | null;
}

/** A group's server and load, up: what its cells run on. */
export interface OpenGroup {
  group: PlanGroup;
  server: RunningServer;
  load: LoadGenerator;
  /** The broker of a brokered transport (or why it is not measured); undefined where there is none. */
  broker: BrokerFound | undefined;
  facts: Map<string, CallFacts>;
  /** No cell has warmed this server up yet: the first pays the warm-up minimum. */
  fresh: boolean;
  close(): Promise<void>;
}

/** Starts (or reaches) a group's server and connects its load; on failure, stops what it started and throws. */
export async function openGroup(group: PlanGroup, config: RunConfig, onBroker: PassEvents['onBroker']): Promise<OpenGroup> {
  const clientOptions: ClientOptions = { timeoutMs: config.timeoutMs, maxMessageBytes: config.maxMessageBytes };
  let server: RunningServer | undefined;
  try {
    server =
      group.server.kind === 'target'
        ? targetServer(group.server.address)
        : await startServer(group.transport, {
            listen: group.server.listen,
            service: group.server.service,
            server: { maxMessageBytes: config.maxMessageBytes },
          });
    const load = segmented(
      await startLoad({ transport: group.transport, address: server.address, client: clientOptions, fibN: config.fibN, workers: config.clientWorkers }),
      config.segment,
    );
    const unregister = onShutdown(() => load.close(), 'clients');
    // a brokered transport's broker is found once, by the port the server's address leads to
    const broker = group.transport.brokerEnv ? await brokerOf(server.address, group.transport.brokerHop) : undefined;
    if (broker) onBroker(group.transport.name, [brokerNote(broker), await brokerSettings(group.transport, server.address)].filter(Boolean).join('; '));
    const up = server;
    return {
      group,
      server,
      load,
      broker,
      facts: new Map(),
      fresh: true,
      async close() {
        unregister();
        await load.close().catch(() => {});
        await up.stop();
      },
    };
  } catch (error) {
    await server?.stop();
    throw error;
  }
}

/** The broker's version and settings, as the transport describes them; what kept it from saying so, never a failure. */
async function brokerSettings(transport: PlanGroup['transport'], address: string): Promise<string | null> {
  if (!transport.describeBroker) return null;
  return transport.describeBroker(address).catch((error: Error) => `its version and settings not read: ${error.message}`);
}

/** Why a group failed, for its cells left: a dead server explains it better than the client's error (its exit may lag the socket close). */
export async function failureOf(open: Pick<OpenGroup, 'server'> | undefined, error: unknown): Promise<string> {
  return (await open?.server.deathReason(1000)) ?? (error instanceof Error ? error.message : String(error));
}

async function callFacts(group: PlanGroup, cell: CellKey, address: string, clientOptions: ClientOptions, config: RunConfig): Promise<CallFacts> {
  const spec = callSpec(cell.call, { payloadEntries: cell.payloadEntries, fibN: config.fibN });
  const bytesPerCall = config.countBytes ? await measureBytesPerCall(group.transport, address, spec, clientOptions) : null;
  return { spec, bytesPerCall, codecUsPerCall: await measureCodec(group.transport.codec, spec, config.codecTimeMs) };
}

/** How a cell's scenario gets its measurements: at once (one group after another), or in its turn (rounds). */
export type MeasureWith = (cell: CellKey, how: MeasureOptions | undefined) => Promise<Measurement>;

/** The load as generator `segment` makes it: its share of each cell's calls in flight and rate (plan.ts). */
function segmented(load: LoadGenerator, segment: Segment | null): LoadGenerator {
  if (!segment) return load;
  return { run: (cell, limits, live) => load.run({ ...cell, ...segmentShare(cell, segment) }, limits, live), close: () => load.close() };
}

const PROBE_CONCURRENCY = 16;
const PROBE_MS = 300;

/** Runs `job` when the cell's turn comes (rounds), or at once (one group after another). */
export type InTurn = <T>(job: () => Promise<T>) => Promise<T>;
const atOnce: InTurn = (job) => job();

/**
 * Runs a cell through its scenario (warm-up and trials, or a search over many) and folds what it measured. Its
 * call's bytes on the wire and codec cost, measured once per call of a group, and the probe are load too: each in a turn.
 */
export async function runCell(cell: CellKey, open: OpenGroup, config: RunConfig, measureWith: MeasureWith, inTurn: InTurn = atOnce): Promise<CellResult> {
  const clientOptions: ClientOptions = { timeoutMs: config.timeoutMs, maxMessageBytes: config.maxMessageBytes };
  if (!open.facts.has(cell.call)) {
    const facts = await inTurn(() => callFacts(open.group, cell, open.server.address, clientOptions, config));
    if (!open.facts.has(cell.call)) open.facts.set(cell.call, facts);
  }
  const facts = open.facts.get(cell.call)!;
  const runner: CellRunner = { probe: (c) => inTurn(() => probe(c, open)), measure: measureWith };
  const run = await scenarioOf(cell.scenario).run(cell, runner, config.scenarioSettings[cell.scenario]);
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

/** A short closed loop at 16 in flight (a null rate is a closed loop): where an open-loop search can start. */
export async function probe(c: CellKey, open: OpenGroup): Promise<number> {
  const w = await open.load.run({ ...c, concurrency: PROBE_CONCURRENCY, ratePerSec: null }, { durationMs: PROBE_MS, maxCalls: null });
  return w.calls / (w.elapsedMs / 1000);
}

/** A cell's load warmed up until steady (the server's first cell pays the minimum), then its trials. */
export async function measure(
  cell: CellKey,
  open: OpenGroup,
  config: RunConfig,
  run: number | null,
  ev: Pick<PassEvents, 'onWindow'>,
  how: MeasureOptions = {},
  clock: ((trial: number) => number) | null = null,
): Promise<Measurement> {
  const warmup = how.warmup === false ? { sec: 0, steady: true } : await warmUp(open.load, cell, config.warmup, open.fresh);
  open.fresh = false;
  const trials: TrialResult[] = [];
  const reasons = new Map<string, number>();
  // the run's trials, then more while a scenario needs more calls (a capacity step at a low rate), within its cap
  const more = () => how.minCalls !== undefined && trials.length < (how.maxTrials ?? 0) && trials.reduce((n, t) => n + t.calls, 0) < how.minCalls;
  for (let i = 0; i < (how.trials ?? config.trials) || more(); i++) {
    if (clock) await sleepUntil(clock(i));
    trials.push(await trial(cell, open, config, run, ev, reasons, how));
  }
  return { warmup, trials, errorReasons: errorReasons(reasons) };
}

/** A trial's length: the run's, a scenario's own, or long enough for `minTrialCalls` at the cell's rate. */
function trialMs(cell: CellKey, config: RunConfig, how: MeasureOptions): number {
  const base = how.durationMs ?? config.durationMs;
  if (how.minTrialCalls === undefined || cell.ratePerSec === null || !Number.isFinite(base)) return base;
  return Math.max(base, trialMsFor(how.minTrialCalls, cell.ratePerSec));
}

export const errorReasons = (reasons: Map<string, number>) => [...reasons].map(([message, count]) => ({ message, count }));

/** One trial: the load for the trial's length, with the client's and server's CPU time around it. */
export async function trial(
  cell: CellKey,
  { load, server, broker }: OpenGroup,
  config: RunConfig,
  run: number | null,
  ev: Pick<PassEvents, 'onWindow'>,
  reasons: Map<string, number>,
  how: MeasureOptions,
): Promise<TrialResult> {
  const live = (w: LiveWindow) => ev.onWindow(cell, w);
  const serverCpu0 = await server.cpuUsageUs();
  const brokerCpu = broker && 'pid' in broker ? broker : null;
  const brokerCpu0 = brokerCpu?.cpuUs() ?? null;
  const clientCpu0 = process.cpuUsage();
  const startedAtMs = Date.now();
  const limits: Limits = {
    durationMs: trialMs(cell, config, how),
    maxCalls: how.durationMs === undefined && how.minTrialCalls === undefined ? config.count : null,
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
