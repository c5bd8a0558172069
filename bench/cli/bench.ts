// `npm run bench`: options -> plan -> run -> report -> outputs (and the regression gate with --baseline).
// Everything that can be refused is refused before the run starts (exit 2); a run stopped by Ctrl-C or SIGTERM
// still writes what it finished, marked as interrupted.
import path from 'node:path';
import { CALL_TRAITS } from '../../transports/contract.ts';
import { releaseLoaded, transports } from '../../transports/registry.ts';
import { addCell } from '../cells/pool.ts';
import { withVerdict } from '../cells/verdict.ts';
import { formatDuration } from '../formats/format.ts';
import { renderPlan } from '../formats/plan-text.ts';
import { configPlugins, configThresholds, loadConfig } from '../gate/config.ts';
import { runGate } from '../gate/gate.ts';
import { checkThresholds, type Threshold } from '../gate/thresholds.ts';
import { estimatePlan } from '../harness/estimate.ts';
import { makePlan, type Plan } from '../harness/plan.ts';
import { registerPlugins } from '../harness/plugins.ts';
import { type RunEvents, runPlan } from '../harness/runner.ts';
import { onShutdown, shuttingDown } from '../harness/shutdown.ts';
import { createProgress } from '../publish/progress.ts';
import { checkWritableDir, publishComparison, publishRun, type Terminal, terminal } from '../publish/publish.ts';
import { buildReport, type ReportInput, type RunOutput } from '../report/build.ts';
import { loadReport } from '../report/read.ts';
import { commitOf } from '../report/tool.ts';
import type { CellResult, Report } from '../report/types.ts';
import { outcomeSchemas, scenarioOf } from '../scenarios/index.ts';
import { UsageError } from './args.ts';
import { type BenchOptions, earlyFlags, help, parseOptions, parseThresholdFlag, reportOptions, transportInfo } from './bench-options.ts';
import { gateExit, isEntry, runCommand } from './command.ts';

/** bench's options from its arguments, plugins first: the transport names the other options give may be theirs. */
export async function benchOptions(argv: string[]): Promise<BenchOptions> {
  const early = earlyFlags(argv);
  await registerPlugins([...configPlugins(early.config), ...early.plugins]);
  return parseOptions(argv);
}

/** The run's thresholds, from the config and --threshold, each checked against the run's transports. */
export function benchThresholds(options: BenchOptions): Threshold[] {
  loadConfig(options.config);
  const thresholds = [...configThresholds(options.config).map((t) => parseThresholdFlag(t, 'config "bench.thresholds"')), ...options.thresholds];
  checkThresholdNames(thresholds, options.transports);
  return thresholds;
}

/** The plan of a run, refused when every transport it names was skipped. */
export async function benchPlan(options: BenchOptions): Promise<Plan> {
  const plan = await makePlan(options);
  if (plan.groups.length === 0) throw new UsageError('nothing to run: every chosen transport was skipped');
  return plan;
}

/** A run's report: its cells, the verdict, and its thresholds checked (interrupted: the cells that finished). */
export function benchReport(options: BenchOptions, run: RunOutput, startedAt: Date, thresholds: Threshold[], interrupted = false): Report {
  const built = withVerdict(
    buildReport({
      options: reportOptions(options),
      run,
      startedAt,
      transports: transportInfo(options),
      ...(interrupted ? { interrupted } : {}),
      ...subjectOf(options),
    }),
  );
  return thresholds.length ? { ...built, thresholds: checkThresholds(built, thresholds) } : built;
}

export async function main(argv: string[]): Promise<number> {
  const options = await benchOptions(argv);
  if (options.help || options.list) {
    process.stdout.write(options.help ? help() : listTransports());
    return 0;
  }
  // bad input fails now, not after the whole run
  if (!options.dryRun) checkWritableDir(options.outDir, '--out');
  const baselines =
    options.baseline
      ?.split(',')
      .filter(Boolean)
      .map((f) => loadReport(f, outcomeSchemas())) ?? [];
  const thresholds = benchThresholds(options);
  const term = terminal(options.json);
  const startedAt = new Date();
  onShutdown(releaseLoaded, 'brokers');
  const plan = await benchPlan(options);
  if (options.dryRun) return dryRun(plan, options);
  const run = await runWithPartialReport(plan, options, startedAt, term);
  // stopped by a signal: its handler writes the cells that finished, marked interrupted, and exits
  if (shuttingDown()) await new Promise(() => {});
  const report = benchReport(options, run, startedAt, thresholds);
  publishRun(report, { outDir: options.outDir, outputs: options.outputs, terminal: term });
  const failed = runFailed(report, options.allowErrors);
  if (!baselines.length) return failed ? 1 : 0;
  const comparison = runGate({ baseline: baselines, current: [report], normalize: options.normalize, config: options.config });
  publishComparison(comparison, [report], {
    markdownFile: path.join(options.outDir, 'compare.md'),
    markdownToStdout: false,
    benchmarkAction: [],
    terminal: terminal(false),
  });
  return gateExit(comparison, 'bench', failed);
}

/** A transport failed, calls failed (unless allowed) or a threshold was crossed: each said on stderr, exit 1. */
function runFailed(report: Report, allowErrors: boolean): boolean {
  const say = (line: string) => process.stderr.write(`rpcbench bench: ${line}\n`);
  const errors = report.results.reduce((n, c) => n + c.errors, 0);
  if (errors && !allowErrors) say(`${errors.toLocaleString('en-US')} call(s) failed (listed above): exit 1; --allow-errors accepts them`);
  const crossed = (report.thresholds ?? []).filter((t) => !t.ok);
  if (crossed.length) say(`${crossed.length} threshold(s) crossed (listed above): ${crossed.map((t) => t.threshold).join(', ')}`);
  return report.skipped.some((s) => s.kind === 'failed') || (errors > 0 && !allowErrors) || crossed.length > 0;
}

/** A threshold on a transport this run does not include could never pass: bad input, said now. */
function checkThresholdNames(thresholds: Threshold[], transports: string[]): void {
  for (const t of thresholds) {
    if (t.transports && !t.transports.some((name) => transports.includes(name)))
      throw new UsageError(`threshold ${JSON.stringify(t.text)} is about ${t.transports.join(', ')}, which this run does not include`);
  }
}

/** --dry-run: the plan and its estimate, human-readable (or every cell as JSON with --json); nothing runs. */
function dryRun(plan: Plan, options: BenchOptions): number {
  const estimate = estimatePlan(plan);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ estimatedSec: Math.round(estimate.totalSec), cells: estimate.cells, skipped: plan.skipped }, null, 2)}\n`);
    return 0;
  }
  const byTransport = new Map<string, { cells: number; sec: number }>();
  for (const { cell, sec } of estimate.cells) {
    const t = byTransport.get(cell.transport) ?? { cells: 0, sec: 0 };
    byTransport.set(cell.transport, { cells: t.cells + 1, sec: t.sec + sec });
  }
  const { config } = plan;
  const payloads = options.payloadEntries.join('/');
  process.stdout.write(
    renderPlan({
      cells: estimate.cells.length,
      servers: plan.groups.length * config.runs,
      runs: config.runs,
      totalSec: estimate.totalSec,
      trials: `${config.trials} trial(s) × ${config.count === null ? formatDuration(config.durationMs / 1000) : `${config.count.toLocaleString('en-US')} calls`}`,
      warmupSec: options.warmupSec,
      calls: options.calls.map((c) => (CALL_TRAITS[c].payload ? `${c}(${payloads})` : `${c}(${options.fibN})`)).join(', '),
      scenarios: options.scenarios
        .map((s) => scenarioOf(s).plan(options.scenarioSettings[s], { concurrency: options.concurrency, quick: options.quick }))
        .join(', '),
      transports: [...byTransport].map(([name, t]) => ({ name, target: name in options.targets, ...t })),
      skipped: plan.skipped,
    }),
  );
  return 0;
}

/** Runs the plan; if the process is stopped first, the cells finished so far are published as an interrupted report. */
async function runWithPartialReport(plan: Plan, options: BenchOptions, startedAt: Date, term: Terminal): Promise<RunOutput> {
  const done = new Map<string, CellResult>();
  const skipped = [...plan.skipped];
  const unregisterPartial = onShutdown(() => {
    if (!done.size) {
      // the reports already in --out are an earlier run's: say so, and leave them as they are
      process.stderr.write(`rpcbench bench: interrupted before any cell finished: nothing written (what is in ${options.outDir} is from an earlier run)\n`);
      return;
    }
    // thresholds are judged on a whole run: a partial one would cross every threshold of the cells it never reached
    const partial = benchReport(options, { results: [...done.values()], skipped }, startedAt, [], true);
    const files = publishRun(partial, { outDir: options.outDir, outputs: options.outputs, terminal: term });
    process.stderr.write(`rpcbench bench: interrupted: the ${done.size} finished cell(s) written to ${files.join(', ')}\n`);
  }, 'report');
  const progress = createProgress(estimatePlan(plan));
  const events: RunEvents = {
    ...progress,
    cellDone: (r) => {
      addCell(done, r);
      progress.cellDone?.(r);
    },
    skipped: (e) => {
      skipped.push(e);
      progress.skipped?.(e);
    },
  };
  try {
    const run = await runPlan(plan, events);
    if (!shuttingDown()) unregisterPartial();
    return run;
  } finally {
    progress.stop();
  }
}

/**
 * The code under test where it is not rpcbench's own: --label, and the commit of the first plugin's git checkout (the
 * user's repository), with whether it had uncommitted changes; and a gate's round.
 */
function subjectOf(o: BenchOptions): Pick<ReportInput, 'subject' | 'round'> {
  const plugin = o.plugins[0];
  const found = plugin ? commitOf(path.dirname(path.resolve(plugin))) : null;
  const subject = {
    ...(o.label === null ? {} : { label: o.label }),
    ...(plugin ? { commit: found?.commit ?? null, ...(found?.dirty ? { dirty: true } : {}) } : {}),
  };
  return { ...(Object.keys(subject).length ? { subject } : {}), ...(o.round === null ? {} : { round: o.round }) };
}

function listTransports(): string {
  const width = Math.max(...transports().map((t) => t.name.length));
  return `${transports()
    .map((t) => `${t.name.padEnd(width)}  ${t.summary}`)
    .join('\n')}\n`;
}

if (isEntry(import.meta.url)) runCommand('bench', main);
