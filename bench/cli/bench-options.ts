// `npm run bench` options -> validated BenchOptions. Bad input is a UsageError (exit 2, one line).
import { parseArgs } from 'node:util';
import { MAX_FIB_N } from '../../transports/contract.ts';
import { defaultTransports, findTransport, groups, type Purpose, resolve, TransportNameError, transports } from '../../transports/registry.ts';
import { addressProblem, maskAddress } from '../../transports/support/address.ts';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../transports/transport.ts';
import { normalizeFlag } from '../gate/config.ts';
import { parseThreshold, type Threshold, ThresholdError } from '../gate/thresholds.ts';
import type { PlanRequest } from '../harness/plan.ts';
import { DEFAULT_OUTPUTS, ONLY, OUTPUT_NAMES, OUTPUTS, type OutputName } from '../publish/outputs.ts';
import { LATENCY_METRICS, METRIC_NAMES } from '../report/metrics.ts';
import { CALLS, type CallName, type ReportOptions, type ScenarioName, type TransportInfo } from '../report/types.ts';
import { type AnyScenario, SCENARIOS, scenarioNames, scenarioOf } from '../scenarios/index.ts';
import type { CommonSettings, ScenarioFlag } from '../scenarios/scenario.ts';
import { given, int, ints, names, outputsFlag, parseFlags, seconds, UsageError } from './args.ts';

/** Everything a bench run was asked to do; the plan and the report options are derived from it. */
export interface BenchOptions extends PlanRequest {
  quick: boolean;
  /** Plugin modules from --plugin, as given (bench registers them, with the config's, before parsing the rest). */
  plugins: string[];
  /** Report formats written to --out (json always). */
  outputs: OutputName[];
  /** --label: a name for the code under test. */
  label: string | null;
  /** --round: a gate's round (rpcbench gate sets it). */
  round: number | null;
  /** Exit 0 even when calls failed (errors are still reported). */
  allowErrors: boolean;
  outDir: string;
  baseline: string | null;
  /** Drift correction for --baseline: a reference transport, AUTO_REFERENCE, or null. */
  normalize: string | null;
  /** A config file (thresholds for the gate, absolute thresholds for the run), or null for the default places. */
  config: string | null;
  /** Absolute thresholds from --threshold, parsed (the config's are added by the command). */
  thresholds: Threshold[];
  /** Print the report as JSON on stdout (the human-readable summary goes to stderr). */
  json: boolean;
  /** Print the plan and its estimated duration, and run nothing. */
  dryRun: boolean;
  list: boolean;
  help: boolean;
}

/** The scenarios' own flags, each with its scenario: --help lists them, parseArgs accepts them, each scenario parses its own. */
function scenarioFlags(): Array<{ scenario: AnyScenario; flag: ScenarioFlag }> {
  return SCENARIOS.flatMap((scenario) => scenario.flags.map((flag) => ({ scenario, flag })));
}

/** Each chosen scenario's settings from its own flags; a scenario's flag given without its scenario is a mistake. */
function scenarioSettings(chosen: string[], str: (flag: string) => string | undefined, common: CommonSettings): Record<string, unknown> {
  for (const { scenario, flag } of scenarioFlags())
    if (str(flag.name) !== undefined && !chosen.includes(scenario.name))
      throw new UsageError(`--${flag.name} is the ${scenario.name} scenario's: add it to --scenarios (e.g. --scenarios ${scenario.name})`);
  return Object.fromEntries(chosen.map((name) => [name, scenarioOf(name).settings(str, common)]));
}

/** `--amqp-variants` and the like: one flag per group of transports, generated from the registry. */
function groupFlags(): Array<{ flag: string; group: string; members: string[]; defaults: string[] }> {
  return [...groups()].map(([group, members]) => ({
    flag: `${group}-variants`,
    group,
    members: members.map((t) => t.name),
    defaults: members.filter((t) => t.traits.inDefault).map((t) => t.name),
  }));
}

const short = (group: string, name: string) => name.slice(group.length + 1);

function outputHelp(): string {
  return OUTPUT_NAMES.map((n) => `                            ${n.padEnd(17)}${OUTPUTS[n].file}: ${OUTPUTS[n].summary}`).join('\n');
}

/** The scenarios' own flags in --help, each with its help under it, aligned as the others. */
function scenarioHelp(): string {
  return scenarioFlags()
    .map(({ flag }) => {
      const head = `  --${flag.name} ${flag.value}`;
      const [first, ...rest] = flag.help.split('\n');
      return [`${head.padEnd(26)}${first}`, ...rest.map((l) => `${' '.repeat(26)}${l}`)].join('\n');
    })
    .join('\n');
}

export function help(): string {
  const variants = groupFlags().map(
    (g) =>
      `  --${g.flag} a,b${' '.repeat(Math.max(1, 21 - g.flag.length))}${g.group} variants: ${g.members.map((m) => short(g.group, m)).join(', ')}, or all\n` +
      `                          (default: ${g.defaults.map((m) => short(g.group, m)).join(',')})`,
  );
  return `Usage: rpcbench bench [options]      (in a clone: npm run bench -- [options])

Runs every transport x call x scenario and writes reports/latest.json and reports/latest.md.

  --transports a,b        transports to run (default: all available; see --list); a group name
                          (e.g. amqp) means its chosen variants, GROUP:* all of them; with --target,
                          a group means its members that target the foreign server
${variants.join('\n')}
  --calls a,b             ${CALLS.join(',')} (default: all; --quick getObj,fib)
  --scenarios a,b         ${scenarioNames().join(',')} (default: ${SCENARIOS.filter((x) => x.inDefault)
    .map((x) => x.name)
    .join(',')})
  --concurrency 1,16,64   calls in flight for throughput (default 1,16,64; --quick 16)
${scenarioHelp()}
  --duration D            per trial: 0.5 (seconds), 500ms, 2s, 1m, 1m30s (default 0.4; --quick 0.25)
  --warmup S              the most a cell spends looking for steady state (two windows in a row
                          within 5%), after a server's first 5,000 calls (default 2; --quick 1; 0: none)
  --count N               calls per trial instead of a duration
  --trials N              trials per cell; the median is reported, all are kept (default 3; --quick 2)
  --client-workers N      generate the client load from N threads, each with its own connection and
                          a share of the concurrency and rate (default 1; also with --target)
  --runs N                run the whole matrix N times, each run with fresh servers; the gate then
                          takes runs, not trials, as its samples (default 1)
  --label TEXT            a name for the code under test, kept in the report (compare, the gate and the
                          history show it, beside the commit of the plugins' repository)
  --order ORDER           interleaved (the default): every transport's servers up together, their trials
                          (capacity: steps) in rounds, each round in a fresh random order, so that a noisy
                          minute falls on every row alike; sequential: one transport after another
  --seed N                the seed of the rounds' order (default 1: the same plan runs in the same order)
  --payload-entries N,M   entries in the getObj/sendObj object (default 100)
  --server-work-us N      server busy-waits N microseconds per call (default 0); per transport:
                          zerorpc=40 or 0,zerorpc=40 (inject a slowdown into one transport)
  --fib-n N               n for fib calls, 0..${MAX_FIB_N} (default 20)
  --timeout-ms N          per-call timeout (default 10000)
  --max-message-bytes N   decoder size limit on both sides (default ${DEFAULT_MAX_MESSAGE_BYTES})
  --no-wire               skip the bytes-on-the-wire pass
  --target NAME=ADDRESS   benchmark a server the suite did not start (repeatable), e.g.
                          --target xmlrpc=http://127.0.0.1:4242; a group name targets every member
                          that is a client-side choice (a foreign server serves them alike); only
                          targets run, with transports named in --transports besides them
  --plugin PATH           add the transports a module of yours exports (repeatable; also "plugins" in
                          the config): benchmark your own RPC layer like any row (see examples/)
  --baseline FILE[,FILE]  compare the run with a baseline report (exit 1 on regression; the gate
                          wants 8+ runs per side, e.g. --quick --runs 8 --trials 1 for both)
  --threshold EXPR        an absolute threshold the run must meet, else exit 1 (repeatable; also
                          "bench": {"thresholds": [...]} in the config): [TRANSPORT:][CALL:]METRIC[@C] OP VALUE,
                          METRIC one of ${LATENCY_METRICS.join(' ')} (µs, or ms/s),
                          ${METRIC_NAMES.filter((m) => !LATENCY_METRICS.includes(m)).join(', ')}; OP < <= > >= ==.
                          Without @C latency comes from one call in flight, calls/s from every
                          concurrency. e.g. 'tcp:getObj:p99<2ms' 'calls/s@16>10000' 'errors==0'
  --config FILE           thresholds for the gate and for the run (default: rpcbench.config.json, or
                          "rpcbench" in package.json)
  --normalize             with --baseline: correct machine drift by the wire-floor transport's cells
  --reference TRANSPORT   with --baseline: normalize to this transport instead
  --out DIR               where reports go (default reports)
  --output a,b            report formats written to --out besides the default json,md,html; only:a,b for
                          those alone (json is always written):
${outputHelp()}
  --quick                 a short run for CI and smoke tests (about 1.5 min for the default matrix)
  --allow-errors          exit 0 even if calls failed (a run with errors exits 1; they are listed either way)
  --segment I/N           run generator I's share (0 <= I < N) of each cell's calls in flight and
                          rate, so that N generators on several hosts run the plan once against the
                          same --target servers; rpcbench merge adds their reports up
  --start-at TIME         start at TIME (2026-11-26T12:00:00Z, or @EPOCH_SECONDS) with every trial on a
                          schedule fixed by the plan, so that generators on several hosts run each
                          trial together (each cell then takes its warm-up cap in full)
  --json                  print the report (latest.json) on stdout; the summary goes to stderr
  --dry-run               print the plan (cells per transport, what was skipped) and how long it
                          should take, and run nothing (with --json: every cell, as JSON)
  --list                  list transports and exit
  --version               print the version
  --help                  this text
`;
}

function spec() {
  const variants = Object.fromEntries(groupFlags().map((g) => [g.flag, { type: 'string' as const }]));
  return {
    transports: { type: 'string' },
    ...variants,
    calls: { type: 'string' },
    scenarios: { type: 'string' },
    concurrency: { type: 'string' },
    ...Object.fromEntries(scenarioFlags().map(({ flag }) => [flag.name, { type: 'string' as const }])),
    duration: { type: 'string' },
    warmup: { type: 'string' },
    'client-workers': { type: 'string' },
    count: { type: 'string' },
    trials: { type: 'string' },
    runs: { type: 'string' },
    order: { type: 'string' },
    seed: { type: 'string' },
    label: { type: 'string' },
    round: { type: 'string' },
    'payload-entries': { type: 'string' },
    'server-work-us': { type: 'string' },
    'fib-n': { type: 'string' },
    'timeout-ms': { type: 'string' },
    'max-message-bytes': { type: 'string' },
    'no-wire': { type: 'boolean' },
    target: { type: 'string', multiple: true },
    plugin: { type: 'string', multiple: true },
    baseline: { type: 'string' },
    threshold: { type: 'string', multiple: true },
    config: { type: 'string' },
    json: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    segment: { type: 'string' },
    'start-at': { type: 'string' },
    normalize: { type: 'boolean' },
    reference: { type: 'string' },
    out: { type: 'string' },
    output: { type: 'string' },
    quick: { type: 'boolean' },
    'allow-errors': { type: 'boolean' },
    list: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  } as const;
}

export function parseOptions(argv: string[]): BenchOptions {
  const raw = parseFlags(argv, spec()).values as Record<string, string | string[] | boolean | undefined>;
  const str = (flag: string) => given(`--${flag}`, raw[flag] as string | undefined);
  const flag = (name: string) => (raw[name] as boolean | undefined) ?? false;
  const quick = flag('quick');
  if ((flag('normalize') || str('reference')) && !str('baseline')) throw new UsageError('--normalize and --reference only apply with --baseline FILE');
  const targets = parseTargets((raw.target as string[] | undefined) ?? []);
  const opt = <T>(name: string, parse: (v: string) => T, fallback: T): T => {
    const v = str(name);
    return v === undefined ? fallback : parse(v);
  };
  const transports = chooseTransports(str('transports'), targets, str);
  checkBrokerUrls(transports.filter((t) => !(t in targets)));
  // the closed loops unless told otherwise: one call in flight, and many
  const scenarios = opt(
    'scenarios',
    (v) => names('--scenarios', v, scenarioNames()) as ScenarioName[],
    SCENARIOS.filter((x) => x.inDefault).map((x) => x.name),
  );
  const concurrency = opt('concurrency', (v) => ints('--concurrency', v, 1, 10_000), quick ? [16] : [1, 16, 64]);
  const options: BenchOptions = {
    transports,
    transportsExplicit: str('transports') !== undefined || Object.keys(targets).length > 0,
    // --quick leaves sendObj out (the same payload as getObj, the other way): 18 rows in under a minute, warm
    calls: opt('calls', (v) => names('--calls', v, CALLS) as CallName[], quick ? ['getObj', 'fib'] : [...CALLS]),
    scenarios,
    concurrency,
    scenarioSettings: scenarioSettings(scenarios, str, { concurrency, quick }),
    // --quick trials of 0.1 s put 6 of 17 transports' calls/s @16 25-37% under a 3 s run's; with 0.25 s (and
    // its 100 ms warm-up windows) all 17 came within 0.83-1.12 of it (README, "What the numbers measure")
    durationSec: opt('duration', (v) => seconds('--duration', v), quick ? 0.25 : 0.4),
    warmupSec: opt('warmup', (v) => seconds('--warmup', v, 0), quick ? 1 : 2),
    clientWorkers: opt('client-workers', (v) => int('--client-workers', v, 1, 64), 1),
    count: opt('count', (v) => int('--count', v, 1, 1e9), null),
    trials: opt('trials', (v) => int('--trials', v, 1, 1000), quick ? 2 : 3),
    runs: opt('runs', (v) => int('--runs', v, 1, 1000), 1),
    order: opt('order', (v) => names('--order', v, ['interleaved', 'sequential'])[0] as 'interleaved' | 'sequential', 'interleaved'),
    seed: opt('seed', (v) => int('--seed', v, 0, 2 ** 31 - 1), 1),
    label: opt('label', (v) => v, null),
    // set by rpcbench gate: the round of its interleaved runs this run belongs to
    round: opt('round', (v) => int('--round', v, 0, 100_000), null),
    payloadEntries: opt('payload-entries', (v) => ints('--payload-entries', v, 0, 1_000_000), [100]),
    ...serverWork(str('server-work-us')),
    fibN: opt('fib-n', (v) => int('--fib-n', v, 0, MAX_FIB_N), 20),
    timeoutMs: opt('timeout-ms', (v) => int('--timeout-ms', v, 1, 3_600_000), 10_000),
    maxMessageBytes: opt('max-message-bytes', (v) => int('--max-message-bytes', v, 1024, 1 << 30), DEFAULT_MAX_MESSAGE_BYTES),
    countBytes: !flag('no-wire'),
    targets,
    plugins: ((raw.plugin as string[] | undefined) ?? []).map((p) => given('--plugin', p)!),
    quick,
    ...segmentOptions(str('segment'), str('start-at'), targets, str('count') !== undefined),
    allowErrors: flag('allow-errors'),
    outDir: opt('out', (v) => v, 'reports'),
    outputs: opt('output', (v) => outputsFlag(v, OUTPUT_NAMES, DEFAULT_OUTPUTS, ONLY) as OutputName[], DEFAULT_OUTPUTS),
    baseline: str('baseline') ?? null,
    normalize: normalizeFlag(str('reference'), flag('normalize')),
    config: str('config') ?? null,
    thresholds: ((raw.threshold as string[] | undefined) ?? []).map((t) => parseThresholdFlag(given('--threshold', t)!, '--threshold')),
    json: flag('json'),
    dryRun: flag('dry-run'),
    list: flag('list'),
    help: flag('help'),
  };
  checkCapacity(options);
  return options;
}

/** A scenario that chooses its next load from what it measured cannot follow a schedule fixed in advance. */
function checkCapacity(o: BenchOptions): void {
  const adaptive = o.scenarios.filter((name) => (scenarioOf(name).measurementsPerCell ?? 1) > 1);
  if (adaptive.length && (o.segment || o.startAtMs !== null))
    throw new UsageError(
      `--scenarios ${adaptive.join(',')} measures one step at a time, each chosen from the last: it runs from one generator, not with --segment or --start-at (use --client-workers)`,
    );
}

/** --segment I/N and --start-at TIME: one generator's share of a plan that several run against the same servers. */
function segmentOptions(
  segment: string | undefined,
  startAt: string | undefined,
  targets: Record<string, string>,
  byCount: boolean,
): Pick<BenchOptions, 'segment' | 'startAtMs'> {
  const m = segment === undefined ? null : /^(\d+)\/(\d+)$/.exec(segment.trim());
  if (segment !== undefined && !(m && Number(m[2]) >= 1 && Number(m[2]) <= 1000 && Number(m[1]) < Number(m[2])))
    throw new UsageError(`--segment: ${JSON.stringify(segment)} is not I/N with 0 <= I < N <= 1000, e.g. 0/2 (the first of two generators)`);
  if (m && !Object.keys(targets).length)
    throw new UsageError(
      '--segment splits the load on servers every generator shares: give each transport a --target (run `rpcbench serve` on the server host)',
    );
  return { segment: m ? { index: Number(m[1]), count: Number(m[2]) } : undefined, startAtMs: startAt === undefined ? null : startTime(startAt, byCount) };
}

/** An absolute time (ISO 8601 with its zone, or @EPOCH_SECONDS) from now to a day ahead. */
function startTime(value: string, byCount: boolean): number {
  if (byCount) throw new UsageError('--start-at puts trials on a shared schedule of --duration: it does not work with --count');
  const text = value.trim();
  const ms = /^@\d+(\.\d+)?$/.test(text) ? Number(text.slice(1)) * 1000 : /(Z|[+-]\d\d:?\d\d)$/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw new UsageError(`--start-at: ${JSON.stringify(value)} is not a time like 2026-11-26T12:00:00Z (with its zone) or @1795651200`);
  const ahead = ms - Date.now();
  if (ahead < 0) throw new UsageError(`--start-at: ${text} is ${Math.round(-ahead / 1000)} s past: give every generator a time still to come`);
  if (ahead > 86_400_000) throw new UsageError(`--start-at: ${text} is more than a day ahead`);
  return ms;
}

/** An absolute threshold, its transport or group name resolved; bad input names `source` (a flag, or the config). */
export function parseThresholdFlag(text: string, source: string): Threshold {
  try {
    return parseThreshold(text, (name) => transportNames(source, name, 'every'), CALLS);
  } catch (error) {
    if (error instanceof ThresholdError) throw new UsageError(`${source}: ${error.message}`);
    throw error;
  }
}

/** Names of the transports `name` means for `purpose`, or a UsageError naming `flag`. */
function transportNames(flag: string, name: string, purpose: Purpose): string[] {
  try {
    return resolve(name, purpose).map((t) => t.name);
  } catch (error) {
    // in a list flag, as every list flag says it; in NAME=VALUE flags, which kind of name is wrong
    if (error instanceof TransportNameError && flag === '--transports')
      throw new UsageError(`${flag}: ${error.message.replace('unknown transport', 'unknown')}`);
    if (error instanceof TransportNameError) throw new UsageError(`${flag}: ${error.message}`);
    throw error;
  }
}

/** `N`, `NAME=N` or a mix (`0,zerorpc=40`): a default and per-transport overrides. */
function serverWork(value: string | undefined): Pick<BenchOptions, 'serverWorkUs' | 'serverWorkUsByTransport'> {
  const out = { serverWorkUs: 0, serverWorkUsByTransport: {} as Record<string, number> };
  for (const item of (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = item.indexOf('=');
    const us = int('--server-work-us', eq < 0 ? item : item.slice(eq + 1), 0, 10_000_000);
    if (eq < 0) out.serverWorkUs = us;
    else for (const name of transportNames('--server-work-us', item.slice(0, eq), 'every')) out.serverWorkUsByTransport[name] = us;
  }
  return out;
}

/** A *_URL variable a chosen transport reads that is no address of its scheme: a user's mistake, exit 2. */
function checkBrokerUrls(chosen: string[]): void {
  for (const name of chosen) {
    const t = findTransport(name);
    const value = t?.brokerEnv ? process.env[t.brokerEnv] : undefined;
    const problem = value ? addressProblem(value, t!.schemes) : null;
    if (problem) throw new UsageError(`${t!.brokerEnv}: ${problem}`);
  }
}

function parseTargets(list: string[]): Record<string, string> {
  const targets: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0 || eq === item.length - 1) throw new UsageError(`--target: ${JSON.stringify(item)} should be NAME=ADDRESS, e.g. xmlrpc=http://127.0.0.1:4242`);
    const address = item.slice(eq + 1);
    for (const name of transportNames('--target', item.slice(0, eq), 'target')) {
      const transport = findTransport(name)!;
      if (transport.traits.inProcess) throw new UsageError(`--target: ${name} runs in-process and cannot target a server`);
      const problem = addressProblem(address, transport.schemes);
      if (problem) throw new UsageError(`--target: ${name}: ${problem}`);
      targets[name] = address;
    }
  }
  return targets;
}

/** --transports (groups expanded) or the default matrix; a group's members follow its --GROUP-variants flag. */
function chooseTransports(list: string | undefined, targets: Record<string, string>, str: (flag: string) => string | undefined): string[] {
  const chosen = new Map(groupFlags().map((g) => [g.group, variantsOf(g, str(g.flag))]));
  // with --target, a group means its members that target the foreign server: our own servers run only for
  // transports asked for by their own name
  const targeted = (members: string[]) => members.filter((m) => m in targets);
  const expand = (name: string) => {
    const members = chosen.get(name) ?? transportNames('--transports', name, 'run');
    const group = findTransport(name) ? [] : transportNames('--transports', name, 'every');
    return targeted(group).length ? targeted(group) : members;
  };
  if (list === undefined) {
    if (Object.keys(targets).length) return Object.keys(targets);
    const grouped = new Set([...chosen.values()].flat());
    const inGroup = (name: string) => groupFlags().some((g) => g.members.includes(name));
    return [
      ...defaultTransports()
        .map((t) => t.name)
        .filter((n) => !inGroup(n)),
      ...[...grouped],
    ];
  }
  const requested = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!requested.length) throw new UsageError('--transports: needs at least one transport (see --list)');
  // a target is always run: it is what the user pointed the suite at
  return [...new Set([...requested.flatMap(expand), ...Object.keys(targets)])];
}

function variantsOf(g: ReturnType<typeof groupFlags>[number], value: string | undefined): string[] {
  if (value === undefined) return g.defaults;
  if (value.trim() === 'all') return g.members;
  return names(
    `--${g.flag}`,
    value,
    g.members.map((m) => short(g.group, m)),
  ).map((n) => `${g.group}:${n}`);
}

/**
 * --plugin and --config, read before the other options: a plugin's transport names must be known before the
 * options that name transports are checked. The full parse (parseOptions) checks everything, these included.
 */
export function earlyFlags(argv: string[]): { plugins: string[]; config: string | null } {
  const { values } = parseArgs({
    args: argv,
    options: { plugin: { type: 'string', multiple: true }, config: { type: 'string' } },
    strict: false,
    allowPositionals: true,
  });
  const strings = (v: unknown) => (Array.isArray(v) ? v : []).filter((p): p is string => typeof p === 'string' && p.trim() !== '');
  return { plugins: strings(values.plugin), config: typeof values.config === 'string' ? values.config : null };
}

/** What the report's readers need to know of each transport of the run, from its registry line. */
export function transportInfo(r: BenchOptions): Record<string, TransportInfo> {
  return Object.fromEntries(
    r.transports.map((name) => {
      const t = findTransport(name)!;
      const colour = transports().findIndex((x) => x.name === name);
      // --target: the server is whoever the user pointed at, not the row's own
      const reference = t.traits.referenceServer && !(name in r.targets) ? { referenceServer: t.traits.referenceServer } : {};
      return [
        name,
        { summary: t.summary, group: t.traits.group ?? null, role: t.traits.role, charted: t.traits.charted, target: name in r.targets, colour, ...reference },
      ];
    }),
  );
}

/** The options as the report records them: enough to reproduce the run, addresses masked, defaults left out. */
export function reportOptions(r: BenchOptions): ReportOptions {
  return {
    transports: r.transports,
    calls: r.calls,
    scenarios: r.scenarios,
    concurrency: r.concurrency,
    durationSec: r.durationSec,
    warmupSec: r.warmupSec,
    trials: r.trials,
    clientWorkers: r.clientWorkers,
    ...(r.runs > 1 ? { runs: r.runs } : {}),
    // a shared schedule (--start-at) runs one transport after another whatever --order says
    order: r.startAtMs === null ? r.order : 'sequential',
    ...(r.order === 'interleaved' && r.startAtMs === null ? { seed: r.seed } : {}),
    payloadEntries: r.payloadEntries,
    serverWorkUs: r.serverWorkUs,
    ...(Object.keys(r.serverWorkUsByTransport).length ? { serverWorkUsByTransport: r.serverWorkUsByTransport } : {}),
    fibN: r.fibN,
    timeoutMs: r.timeoutMs,
    quick: r.quick,
    targets: Object.fromEntries(Object.entries(r.targets).map(([name, address]) => [name, maskAddress(address)])),
    ...(r.segment ? { segment: r.segment } : {}),
    ...(r.startAtMs !== null ? { startAt: new Date(r.startAtMs).toISOString() } : {}),
    // each scenario's own settings, as it records them (those with none are left out)
    settings: Object.fromEntries(
      r.scenarios.map((name) => [name, scenarioOf(name).record(r.scenarioSettings[name])] as const).filter(([, rec]) => Object.keys(rec).length),
    ),
    ...(r.plugins.length ? { plugins: r.plugins } : {}),
  };
}
