// Runs a plan: for each group, start (or reach) the server, connect one client, run every cell's
// warm-up and trials, and return typed results. Reports progress through events; never formats.
import { type CallSpec, callSpec } from '../../transports/contract.ts';
import type { ClientHandle, ClientOptions } from '../../transports/transport.ts';
import type { RunOutput } from '../report/build.ts';
import { addCell } from '../report/cells.ts';
import { medianOfTrials, round3 } from '../report/trials.ts';
import type { BytesPerCall, CellKey, CellResult, SkippedEntry, TrialResult } from '../report/types.ts';
import { measureBytesPerCall } from './byte-count.ts';
import type { Plan, PlanGroup, RunConfig } from './plan.ts';
import { closedLoop, type Limits, openLoop, Recorder } from './scenarios.ts';
import { type RunningServer, startServer, targetServer } from './server-processes.ts';
import { latencyUs } from './stats.ts';

export interface RunEvents {
  cellStart?(cell: CellKey, index: number, total: number): void;
  cellDone?(result: CellResult): void;
  skipped?(entry: SkippedEntry): void;
}

/**
 * With --runs N the whole plan runs N times, each run with its own server processes, and each trial keeps
 * its run number: runs of one build differ more than trials of one run, and the gate needs to see that.
 */
export async function runPlan(plan: Plan, events: RunEvents = {}): Promise<RunOutput> {
  const { config } = plan;
  const skipped = new Map(plan.skipped.map((s) => [JSON.stringify(s), s]));
  const cells = new Map<string, CellResult>();
  const total = plan.groups.reduce((n, g) => n + g.cells.length, 0) * config.runs;
  let index = 0;
  for (let run = 0; run < config.runs; run++) {
    for (const group of plan.groups) {
      const results = await runGroup(
        group,
        config,
        config.runs > 1 ? run : null,
        (cell) => events.cellStart?.(cell, index++, total),
        (entry) => {
          if (!skipped.has(JSON.stringify(entry))) events.skipped?.(entry);
          skipped.set(JSON.stringify(entry), entry);
        },
      );
      for (const r of results) {
        events.cellDone?.(r);
        addCell(cells, r);
      }
    }
  }
  return { results: [...cells.values()], skipped: [...skipped.values()] };
}

async function runGroup(
  group: PlanGroup,
  config: RunConfig,
  run: number | null,
  onCell: (c: CellKey) => void,
  onSkip: (e: SkippedEntry) => void,
): Promise<CellResult[]> {
  const clientOptions: ClientOptions = { timeoutMs: config.timeoutMs, maxMessageBytes: config.maxMessageBytes };
  const results: CellResult[] = [];
  let server: RunningServer | undefined;
  let client: ClientHandle | undefined;
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
    client = await group.transport.connect(server.address, clientOptions);
    const bytes = new Map<string, BytesPerCall | null>();
    while (remaining.length) {
      const cell = remaining[0]!;
      onCell(cell);
      const spec = callSpec(cell.call, { payloadEntries: cell.payloadEntries, fibN: config.fibN });
      if (!bytes.has(cell.call))
        bytes.set(cell.call, config.countBytes ? await measureBytesPerCall(group.transport, server.address, spec, clientOptions) : null);
      results.push(await runCell(cell, spec, client, server, config, run, bytes.get(cell.call)!));
      remaining.shift();
    }
  } catch (error) {
    // a dead server explains the failure better than the client's error; its exit may lag the socket close
    const reason = (await server?.deathReason(1000)) ?? (error instanceof Error ? error.message : String(error));
    const calls = [...new Set(remaining.map((c) => c.call))];
    for (const call of calls) onSkip({ kind: 'failed', transport: group.transport.name, call, reason });
  } finally {
    await client?.close().catch(() => {});
    await server?.stop();
  }
  return results;
}

async function runCell(
  cell: CellKey,
  spec: CallSpec,
  client: ClientHandle,
  server: RunningServer,
  config: RunConfig,
  run: number | null,
  bytesPerCall: BytesPerCall | null,
): Promise<CellResult> {
  const call = () => client.call(spec.method, spec.args);
  await runScenario(cell, call, spec, { durationMs: config.warmupMs, maxCalls: null }, new Recorder());
  const limits: Limits = { durationMs: config.durationMs, maxCalls: config.count };
  const trials: TrialResult[] = [];
  const errorMessages = new Set<string>();
  for (let i = 0; i < config.trials; i++) {
    const rec = new Recorder();
    const serverCpu0 = await server.cpuUsageUs();
    const clientCpu0 = process.cpuUsage();
    const elapsedMs = await runScenario(cell, call, spec, limits, rec);
    const clientCpu = process.cpuUsage(clientCpu0);
    const serverCpu1 = await server.cpuUsageUs();
    const perCall = (us: number) => round3(us / Math.max(1, rec.calls + rec.errors));
    trials.push({
      ...(run === null ? {} : { run }),
      calls: rec.calls,
      errors: rec.errors,
      timeouts: rec.timeouts,
      durationSec: round3(elapsedMs / 1000),
      callsPerSec: round3(rec.calls / (elapsedMs / 1000)),
      latencyUs: latencyUs(rec.histogram),
      cpuUsPerCall: {
        client: perCall(clientCpu.user + clientCpu.system),
        server: serverCpu0 === null || serverCpu1 === null ? null : perCall(serverCpu1 - serverCpu0),
      },
    });
    for (const m of rec.errorMessages) if (errorMessages.size < 5) errorMessages.add(m);
  }
  const sum = (f: (t: TrialResult) => number) => trials.reduce((n, t) => n + f(t), 0);
  return {
    ...cell,
    ...medianOfTrials(trials),
    bytesPerCall,
    payloadBytes: spec.payloadBytes,
    calls: sum((t) => t.calls),
    errors: sum((t) => t.errors),
    timeouts: sum((t) => t.timeouts),
    errorMessages: [...errorMessages],
    trials,
  };
}

function runScenario(cell: CellKey, call: () => Promise<unknown>, spec: CallSpec, limits: Limits, rec: Recorder): Promise<number> {
  if (cell.scenario === 'rate') return openLoop(call, spec.check, cell.ratePerSec!, cell.concurrency, limits, rec);
  return closedLoop(call, spec.check, cell.concurrency, limits, rec);
}
