// What to run -> the plan: cells grouped by server (one server per transport and payload size), each group
// carrying its own choices (our server and how it is set up, or a foreign one), and the run configuration.
// Transports that cannot run here become `skipped` entries, or a PlanError when the user named them.
import { CALL_TRAITS, type ServiceOptions } from '../../transports/contract.ts';
import { loadTransport } from '../../transports/registry.ts';
import type { Transport } from '../../transports/transport.ts';
import { BadInput } from '../report/errors.ts';
import type { CallName, CellKey, ReportOptions, Segment, SkippedEntry } from '../report/types.ts';
import { scenarioOf } from '../scenarios/index.ts';
import { shareOf } from './load-generator.ts';
import type { WarmupPolicy } from './warmup.ts';

/** A transport the user asked for by name cannot run: exit 2, before anything starts. */
export class PlanError extends BadInput {}

/** What a plan is made from (the bench command's options satisfy it): what the report records, and more. */
export interface PlanRequest extends Omit<ReportOptions, 'runs' | 'serverWorkUsByTransport' | 'quick' | 'startAt' | 'settings' | 'plugins'> {
  /** When the trials start (epoch ms), on a schedule shared by the generators of a segmented run; null: now, at their own pace. */
  startAtMs: number | null;
  /** The user named these transports (or targets): one that cannot run is then an error, not a skip. */
  transportsExplicit: boolean;
  /** Calls per trial instead of a duration, when set. */
  count: number | null;
  /** Whole-plan repetitions, each with fresh server processes. */
  runs: number;
  /** Per-transport server work over serverWorkUs: how a slowdown is injected into one transport on purpose. */
  serverWorkUsByTransport: Record<string, number>;
  maxMessageBytes: number;
  /** Run the untimed bytes-on-the-wire pass. */
  countBytes: boolean;
  /** Threads generating the client load. */
  clientWorkers: number;
  quick: boolean;
  /** Each scenario's settings, parsed from its own flags, by its name. */
  scenarioSettings: Record<string, unknown>;
  /** Cells in rounds of every transport in a seeded random order (the default), or one transport after another. */
  order: 'interleaved' | 'sequential';
  seed: number;
}

/** Our own server, and how it is set up; or a server somebody else runs. */
export type ServerChoice = { kind: 'own'; listen: string; service: ServiceOptions } | { kind: 'target'; address: string };

export interface PlanGroup {
  transport: Transport;
  server: ServerChoice;
  payloadEntries: number;
  /** The cells this generator runs: all of them, or those it has a share of (--segment). */
  cells: CellKey[];
  /** The whole plan's cells of the group, which every generator's shared schedule (--start-at) is made of. */
  planCells: CellKey[];
}

/** How every cell runs: the same for all groups. */
export interface RunConfig {
  runs: number;
  trials: number;
  /** Each trial lasts this long, or `count` calls when that is set. */
  durationMs: number;
  count: number | null;
  warmup: WarmupPolicy;
  /** How long tinybench runs each of a codec's four steps. */
  codecTimeMs: number;
  clientWorkers: number;
  fibN: number;
  timeoutMs: number;
  maxMessageBytes: number;
  countBytes: boolean;
  /** This generator's share of each cell (--segment I/N), or null for the whole. */
  segment: Segment | null;
  /** Start of the shared schedule (epoch ms; --start-at), or null. */
  startAtMs: number | null;
  /** Each scenario's settings, by its name. */
  scenarioSettings: Record<string, unknown>;
  order: 'interleaved' | 'sequential';
  /** Seeds each run's shuffles (interleaved). */
  seed: number;
}

export interface Plan {
  groups: PlanGroup[];
  skipped: SkippedEntry[];
  config: RunConfig;
}

export async function makePlan(request: PlanRequest): Promise<Plan> {
  const skipped: SkippedEntry[] = [];
  const groups: PlanGroup[] = [];
  for (const name of request.transports) {
    // the transports of this run are loaded here, each the first time it is needed; the others never are
    const transport = await loadTransport(name);
    const target = request.targets[name] ?? null;
    const reason = target
      ? null
      : transport.serve
        ? await transport.prepare?.()
        : `${name} has no server of its own (a client-only plugin): give it --target ${name}=ADDRESS`;
    if (reason) {
      if (request.transportsExplicit) throw new PlanError(`${transport.name}: ${reason}`);
      skipped.push({ kind: 'unavailable', transport: transport.name, call: null, reason });
      continue;
    }
    if (target && transport.traits.inProcess) throw new PlanError(`--target: ${transport.name} runs in-process and cannot target a server`);
    request.payloadEntries.forEach((payloadEntries, i) => {
      // a call without a payload (fib) ignores its size, so it runs once, with the first size
      const calls = i === 0 ? request.calls : request.calls.filter((c) => CALL_TRAITS[c].payload);
      if (!calls.length) return;
      const server = serverChoice(transport, target, payloadEntries, request);
      const planCells = cellsFor(transport.name, calls, payloadEntries, request);
      // a segment runs only the cells it has a share of (one call in flight is one generator's)
      const cells = planCells.filter((c) => segmentShare(c, request.segment ?? null).concurrency > 0);
      if (cells.length) groups.push({ transport, server, payloadEntries, cells, planCells });
    });
  }
  return { groups, skipped, config: runConfig(request) };
}

function serverChoice(transport: Transport, target: string | null, payloadEntries: number, request: PlanRequest): ServerChoice {
  if (target) return { kind: 'target', address: target };
  const serverWorkUs = request.serverWorkUsByTransport[transport.name] ?? request.serverWorkUs;
  return { kind: 'own', listen: transport.benchListen?.() ?? transport.defaultListen, service: { payloadEntries, serverWorkUs } };
}

function runConfig(r: PlanRequest): RunConfig {
  return {
    runs: r.runs,
    trials: r.trials,
    durationMs: r.count ? Number.POSITIVE_INFINITY : r.durationSec * 1000,
    count: r.count,
    warmup: warmupPolicy(r),
    // each of a codec's four steps: 40 ms, 5 ms for short trials (--quick), enough for thousands of samples of a µs step
    codecTimeMs: r.durationSec * 1000 >= 300 ? 40 : 5,
    clientWorkers: r.clientWorkers,
    fibN: r.fibN,
    timeoutMs: r.timeoutMs,
    maxMessageBytes: r.maxMessageBytes,
    countBytes: r.countBytes,
    segment: r.segment ?? null,
    startAtMs: r.startAtMs,
    scenarioSettings: r.scenarioSettings,
    order: r.order,
    seed: r.seed,
  };
}

/**
 * What generator `segment` runs of a cell: its share of the calls in flight (the first generators take the
 * remainder) and of the open-loop rate. A share of 0 calls in flight means it does not run the cell at all.
 */
export function segmentShare(cell: CellKey, segment: Segment | null): { concurrency: number; ratePerSec: number | null } {
  if (!segment) return { concurrency: cell.concurrency, ratePerSec: cell.ratePerSec };
  return {
    concurrency: shareOf(cell.concurrency, segment.index, segment.count),
    ratePerSec: cell.ratePerSec === null ? null : cell.ratePerSec / segment.count,
  };
}

/**
 * Windows half a trial long (50 to 100 ms), steady when two in a row agree within 5%, for up to --warmup seconds;
 * a server's first cell first runs 5,000 calls, 16 at a time (at most 2 s). See warmup.ts for why: cold HTTP/1.1
 * and AMQP clients sat on a plateau for 0.3 s, then ramped up for another 0.3; a slow XML-RPC client for 2 s.
 */
function warmupPolicy(r: PlanRequest): WarmupPolicy {
  const windowMs = Math.min(100, Math.max(50, (r.durationSec * 1000) / 2));
  return { windowMs, tolerance: 0.05, minCalls: 5000, minCapMs: 2000, maxMs: r.warmupSec * 1000 };
}

/** Each scenario's cells for each call, in the order asked for. */
function cellsFor(transport: string, calls: CallName[], payloadEntries: number, r: PlanRequest): CellKey[] {
  const common = { concurrency: r.concurrency, quick: r.quick };
  return calls.flatMap((call) => r.scenarios.flatMap((name) => scenarioOf(name).cells({ transport, call, payloadEntries }, r.scenarioSettings[name], common)));
}
