// CLI options -> validated BenchOptions. Bad input is a UsageError: one line naming what is allowed, exit 2.
import { parseArgs } from 'node:util';
import { MAX_FIB_N } from '../transports/contract.ts';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../transports/transport.ts';
import { ALIASES, type TransportCatalog } from '../transports/registry.ts';
import { normalizeFlag } from './compare/config.ts';
import { CALLS, SCENARIOS, type CallName, type ReportOptions, type ScenarioName } from './types.ts';

export class UsageError extends Error {}

/** What the report records (ReportOptions, with targets unmasked), plus what only steers this process. */
export interface BenchOptions extends Omit<ReportOptions, 'runs' | 'serverWorkUsByTransport'> {
  /** The transports to run, groups (amqp) expanded. */
  transports: string[];
  transportsExplicit: boolean;
  /** Calls per trial instead of a duration, when set. */
  count: number | null;
  /** Whole-plan repetitions, each with fresh server processes. */
  runs: number;
  /** Per-transport server work, over serverWorkUs: how a slowdown is injected into one transport on purpose. */
  serverWorkUsByTransport: Record<string, number>;
  maxMessageBytes: number;
  wire: boolean;
  outDir: string;
  baseline: string | null;
  /** Drift correction for --baseline: a reference transport, AUTO_REFERENCE, or null. */
  normalize: string | null;
  list: boolean;
  help: boolean;
}

export const HELP = `Usage: npm run bench -- [options]

Runs every transport x call x scenario and writes reports/latest.json and reports/latest.md.

  --transports a,b        transports to run (default: all available; see --list);
                          \`amqp\` means the chosen --amqp-variants
  --amqp-variants a,b     amqp variants (e.g. direct-reply,persistent-confirms, or all;
                          default: direct-reply,exclusive-queue,persistent-confirms)
  --calls a,b             ${CALLS.join(',')} (default: all)
  --scenarios a,b         ${SCENARIOS.join(',')} (default: latency,throughput)
  --concurrency 1,16,64   calls in flight for throughput (default 1,16,64; --quick 16)
  --rate N                calls/s for the open-loop rate scenario (default 1000)
  --duration S            seconds per trial, e.g. 0.5 or 500ms (default 0.4; --quick 0.1)
  --warmup S              seconds of warm-up per cell, not measured (default 0.15; --quick 0.05)
  --count N               calls per trial instead of a duration
  --trials N              trials per cell; the median is reported, all are kept (default 3)
  --runs N                run the whole matrix N times, each run with fresh servers; the gate then
                          takes runs, not trials, as its samples (default 1)
  --payload-entries N,M   entries in the getObj/sendObj object (default 100)
  --server-work-us N      server busy-waits N microseconds per call (default 0); per transport:
                          zerorpc=40 or 0,zerorpc=40 (inject a slowdown into one transport)
  --fib-n N               n for fib calls, 0..${MAX_FIB_N} (default 20)
  --timeout-ms N          per-call timeout (default 10000)
  --max-message-bytes N   decoder size limit on both sides (default ${DEFAULT_MAX_MESSAGE_BYTES})
  --no-wire               skip the bytes-on-the-wire pass
  --target NAME=ADDRESS   benchmark a server the suite did not start (repeatable),
                          e.g. --target xmlrpc=http://127.0.0.1:4242
  --baseline FILE[,FILE]  compare the run with a baseline report (exit 1 on regression; the gate
                          wants 8+ runs per side, e.g. --quick --runs 8 --trials 1 for both)
  --normalize             with --baseline: correct machine drift by the tcp (else inproc) cells
  --reference TRANSPORT   with --baseline: normalize to this transport instead
  --out DIR               where reports go (default reports)
  --quick                 a short run for CI and smoke tests (under 30 s)
  --list                  list transports and exit
  --help                  this text
`;

const spec = {
  transports: { type: 'string' },
  'amqp-variants': { type: 'string' },
  calls: { type: 'string' },
  scenarios: { type: 'string' },
  concurrency: { type: 'string' },
  rate: { type: 'string' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  count: { type: 'string' },
  trials: { type: 'string' },
  runs: { type: 'string' },
  'payload-entries': { type: 'string' },
  'server-work-us': { type: 'string' },
  'fib-n': { type: 'string' },
  'timeout-ms': { type: 'string' },
  'max-message-bytes': { type: 'string' },
  'no-wire': { type: 'boolean' },
  target: { type: 'string', multiple: true },
  baseline: { type: 'string' },
  normalize: { type: 'boolean' },
  reference: { type: 'string' },
  out: { type: 'string' },
  quick: { type: 'boolean' },
  list: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseOptions(argv: string[], catalog: TransportCatalog): BenchOptions {
  const knownTransports = catalog.names;
  let values: ReturnType<typeof parseArgs<{ options: typeof spec; args: string[]; allowPositionals: false }>>['values'];
  try {
    ({ values } = parseArgs({ args: argv, options: spec, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see --help)`);
  }
  const quick = values.quick ?? false;
  if ((values.normalize || values.reference) && !values.baseline) throw new UsageError('--normalize and --reference only apply with --baseline FILE');
  const targets = parseTargets(values.target ?? [], knownTransports);
  const explicit = values.transports !== undefined || Object.keys(targets).length > 0;
  return {
    transports: chooseTransports(values.transports, values['amqp-variants'], targets, catalog),
    transportsExplicit: explicit,
    calls: values.calls ? (names('--calls', values.calls, CALLS) as CallName[]) : [...CALLS],
    scenarios: values.scenarios ? (names('--scenarios', values.scenarios, SCENARIOS) as ScenarioName[]) : ['latency', 'throughput'],
    concurrency: values.concurrency ? ints('--concurrency', values.concurrency, 1, 10_000) : quick ? [16] : [1, 16, 64],
    ratePerSec: values.rate ? int('--rate', values.rate, 1, 1_000_000) : 1000,
    durationSec: values.duration ? seconds('--duration', values.duration) : quick ? 0.1 : 0.4,
    warmupSec: values.warmup ? seconds('--warmup', values.warmup, 0) : quick ? 0.05 : 0.15,
    count: values.count ? int('--count', values.count, 1, 1e9) : null,
    trials: values.trials ? int('--trials', values.trials, 1, 1000) : 3,
    runs: values.runs ? int('--runs', values.runs, 1, 1000) : 1,
    payloadEntries: values['payload-entries'] ? ints('--payload-entries', values['payload-entries'], 0, 1_000_000) : [100],
    ...serverWork(values['server-work-us'], catalog.names),
    fibN: values['fib-n'] ? int('--fib-n', values['fib-n'], 0, MAX_FIB_N) : 20,
    timeoutMs: values['timeout-ms'] ? int('--timeout-ms', values['timeout-ms'], 1, 3_600_000) : 10_000,
    maxMessageBytes: values['max-message-bytes'] ? int('--max-message-bytes', values['max-message-bytes'], 1024, 1 << 30) : DEFAULT_MAX_MESSAGE_BYTES,
    wire: !(values['no-wire'] ?? false),
    targets,
    outDir: values.out ?? 'reports',
    quick,
    baseline: values.baseline ?? null,
    normalize: normalizeFlag(values.reference, values.normalize),
    list: values.list ?? false,
    help: values.help ?? false,
  };
}

/** `N`, `NAME=N` or a mix (`0,zerorpc=40`): a default and per-transport overrides. */
function serverWork(value: string | undefined, known: readonly string[]): Pick<BenchOptions, 'serverWorkUs' | 'serverWorkUsByTransport'> {
  const out = { serverWorkUs: 0, serverWorkUsByTransport: {} as Record<string, number> };
  for (const item of (value ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, us] = item.includes('=') ? item.split('=', 2) as [string, string] : [null, item];
    const n = int('--server-work-us', us, 0, 10_000_000);
    if (name === null) out.serverWorkUs = n;
    else if (!known.includes(ALIASES[name] ?? name)) throw new UsageError(`--server-work-us: unknown transport ${JSON.stringify(name)}; allowed: ${known.join(', ')}`);
    else out.serverWorkUsByTransport[ALIASES[name] ?? name] = n;
  }
  return out;
}

function names(flag: string, value: string, allowed: readonly string[]): string[] {
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = list.filter((n) => !allowed.includes(n));
  if (unknown.length) throw new UsageError(`${flag}: unknown ${unknown.map((u) => JSON.stringify(u)).join(', ')}; allowed: ${allowed.join(', ')}`);
  if (!list.length) throw new UsageError(`${flag}: needs at least one of: ${allowed.join(', ')}`);
  return [...new Set(list)];
}

function int(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) throw new UsageError(`${flag}: ${JSON.stringify(value)} is not a whole number from ${min} to ${max}`);
  return n;
}

function ints(flag: string, value: string, min: number, max: number): number[] {
  return [...new Set(value.split(',').map((v) => int(flag, v, min, max)))];
}

function seconds(flag: string, value: string, min = 0.001): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(value.trim());
  const s = m ? Number(m[1]) / (m[2] === 'ms' ? 1000 : 1) : NaN;
  if (!(s >= min && s <= 3600)) throw new UsageError(`${flag}: ${JSON.stringify(value)} is not a duration like 0.5, 2s or 500ms (at least ${min} s, at most 3600 s)`);
  return s;
}

function parseTargets(list: string[], known: readonly string[]): Record<string, string> {
  const targets: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0 || eq === item.length - 1) throw new UsageError(`--target: ${JSON.stringify(item)} should be NAME=ADDRESS, e.g. xmlrpc=http://127.0.0.1:4242`);
    const name = ALIASES[item.slice(0, eq)] ?? item.slice(0, eq);
    if (!known.includes(name)) throw new UsageError(`--target: unknown transport ${JSON.stringify(name)}; allowed: ${known.join(', ')}`);
    targets[name] = item.slice(eq + 1);
  }
  return targets;
}

/** --transports (groups expanded) or the default matrix; a group's members follow --amqp-variants. */
function chooseTransports(list: string | undefined, amqpVariants: string | undefined, targets: Record<string, string>, catalog: TransportCatalog): string[] {
  const amqp = catalog.groups.amqp!;
  const short = amqp.all.map((n) => n.slice('amqp:'.length));
  const chosenAmqp = amqpVariants === undefined ? amqp.defaults : amqpVariants.trim() === 'all' ? amqp.all : names('--amqp-variants', amqpVariants, short).map((n) => `amqp:${n}`);
  if (list === undefined) {
    if (Object.keys(targets).length) return Object.keys(targets);
    return [...catalog.defaults.filter((n) => !amqp.all.includes(n)), ...chosenAmqp];
  }
  const requested = names('--transports', list, [...catalog.names, ...Object.keys(catalog.groups)]);
  return [...new Set(requested.flatMap((n) => (n === 'amqp' ? chosenAmqp : [n])))];
}
