// rpcbench as a library: what another project imports from 'rpcbench'. bench() runs what `rpcbench bench` runs and
// returns the report instead of writing it (a test asserts on it, as on autocannon's result); compare() is the
// regression gate on reports; defineTransport() types a plugin's descriptor. The same option parsing, plan, runner
// and verdict as the command, so a figure from the API and one from the CLI are made the same way.

import { releaseLoaded } from '../../transports/registry.ts';
import type { Transport } from '../../transports/transport.ts';
import { UsageError } from '../cli/args.ts';
import { benchOptions, benchPlan, benchReport, benchThresholds } from '../cli/bench.ts';
import type { Comparison } from '../gate/compare.ts';
import { runGate } from '../gate/gate.ts';
import { runPlan } from '../harness/runner.ts';
import { loadReport as load } from '../report/read.ts';
import type { Report } from '../report/types.ts';
import { outcomeSchemas } from '../scenarios/index.ts';

export { CallTimeoutError, type MethodName, RemoteError, type Service, ServiceError } from '../../transports/contract.ts';
export type { ClientHandle, ClientOptions, ServerHandle, ServerOptions, Transport, TransportTraits } from '../../transports/transport.ts';
export type { Comparison, TransportComparison } from '../gate/compare.ts';
export type { CellResult, Report, ReportMeta, TrialResult, VerdictItem, VerdictSection } from '../report/types.ts';

/** A plugin's transport, typed: `export default defineTransport({ name, summary, schemes, defaultListen, connect, serve })`. */
export function defineTransport<T extends Transport>(transport: T): T {
  return transport;
}

/** What to run, as bench's options say it (`rpcbench bench --help`); `args` takes any other option as it is written there. */
export interface BenchOptions {
  transports?: string[];
  calls?: string[];
  scenarios?: string[];
  /** Modules that export transports of yours (paths, as --plugin). */
  plugins?: string[];
  quick?: boolean;
  concurrency?: number[];
  trials?: number;
  /** A duration as bench writes it: 0.5, "500ms", "2s". */
  duration?: number | string;
  warmup?: number | string;
  runs?: number;
  args?: string[];
}

function argvOf(o: BenchOptions): string[] {
  const list = (flag: string, v: readonly (string | number)[] | undefined) => (v?.length ? [flag, v.join(',')] : []);
  const one = (flag: string, v: string | number | undefined) => (v === undefined ? [] : [flag, String(v)]);
  return [
    ...list('--transports', o.transports),
    ...list('--calls', o.calls),
    ...list('--scenarios', o.scenarios),
    ...(o.plugins ?? []).flatMap((p) => ['--plugin', p]),
    ...(o.quick ? ['--quick'] : []),
    ...list('--concurrency', o.concurrency),
    ...one('--trials', o.trials),
    ...one('--duration', o.duration),
    ...one('--warmup', o.warmup),
    ...one('--runs', o.runs),
    ...(o.args ?? []),
  ];
}

/**
 * Runs the benchmark and returns its report: nothing written, nothing printed. Bad options reject with the error the
 * command would print; a transport that fails is in `report.skipped`, as in the command's report.
 */
export async function bench(options: BenchOptions = {}): Promise<Report> {
  const parsed = await benchOptions(argvOf(options));
  if (parsed.help || parsed.list || parsed.dryRun || parsed.baseline)
    throw new UsageError("bench(): --help, --list, --dry-run and --baseline are the command's; compare() gates reports");
  const thresholds = benchThresholds(parsed);
  const startedAt = new Date();
  try {
    const run = await runPlan(await benchPlan(parsed));
    return benchReport(parsed, run, startedAt, thresholds);
  } finally {
    await releaseLoaded();
  }
}

/** The regression gate on two sets of reports (objects, or latest.json paths), as `rpcbench compare` judges them. */
export function compare(baseline: Array<Report | string>, current: Array<Report | string>, options: { config?: string } = {}): Comparison {
  const read = (r: Report | string) => (typeof r === 'string' ? loadReport(r) : r);
  return runGate({ baseline: baseline.map(read), current: current.map(read), normalize: null, config: options.config ?? null });
}

/** A report file, checked and upgraded to today's schema, as every command reads one. */
export function loadReport(file: string): Report {
  return load(file, outcomeSchemas());
}
