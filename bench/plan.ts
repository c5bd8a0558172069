// Options -> the list of cells to run, grouped by server (one server per transport and payload size).
// Transports that cannot run here become `skipped` entries, or a UsageError when the user named them.
import { TRANSPORTS } from '../transports/registry.ts';
import type { Transport } from '../transports/transport.ts';
import { UsageError, type BenchOptions } from './options.ts';
import type { CellKey, SkippedEntry } from './types.ts';

export interface PlanGroup {
  transport: Transport;
  /** Address of a server we did not start (--target), or null to start our own. */
  target: string | null;
  payloadEntries: number;
  cells: CellKey[];
}

export interface Plan {
  groups: PlanGroup[];
  skipped: SkippedEntry[];
}

export async function makePlan(options: BenchOptions, registry: readonly Transport[] = TRANSPORTS): Promise<Plan> {
  const chosen = options.transports.map((name) => registry.find((t) => t.name === name)!);
  const skipped: SkippedEntry[] = [];
  const groups: PlanGroup[] = [];
  for (const transport of chosen) {
    const target = options.targets[transport.name] ?? null;
    const reason = target ? null : await transport.prepare?.();
    if (reason) {
      if (options.transportsExplicit) throw new UsageError(`${transport.name}: ${reason}`);
      skipped.push({ transport: transport.name, call: null, reason });
      continue;
    }
    if (target && !transport.wire) throw new UsageError(`--target: ${transport.name} runs in-process and cannot target a server`);
    options.payloadEntries.forEach((payloadEntries, i) => {
      // fib ignores the payload size, so it runs once, with the first size
      const calls = i === 0 ? options.calls : options.calls.filter((c) => c !== 'fib');
      if (calls.length) groups.push({ transport, target, payloadEntries, cells: cellsFor(transport.name, calls, payloadEntries, options) });
    });
  }
  return { groups, skipped };
}

function cellsFor(transport: string, calls: BenchOptions['calls'], payloadEntries: number, options: BenchOptions): CellKey[] {
  const cells: CellKey[] = [];
  for (const call of calls) {
    for (const scenario of options.scenarios) {
      const base = { transport, call, scenario, payloadEntries, ratePerSec: null };
      if (scenario === 'latency') cells.push({ ...base, concurrency: 1 });
      if (scenario === 'throughput') for (const concurrency of options.concurrency) cells.push({ ...base, concurrency });
      // the open loop caps calls in flight at the highest concurrency asked for
      if (scenario === 'rate') cells.push({ ...base, concurrency: Math.max(...options.concurrency), ratePerSec: options.ratePerSec });
    }
  }
  return cells;
}
