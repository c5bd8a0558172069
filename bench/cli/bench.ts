// `npm run bench`: options -> plan -> run -> report -> outputs (and the regression gate with --baseline).
// Everything that can be refused is refused before the run starts (exit 2); a run stopped by Ctrl-C or SIGTERM
// still writes what it finished, marked as interrupted.
import path from 'node:path';
import { TRANSPORTS } from '../../transports/registry.ts';
import { ConfigError, loadConfig } from '../gate/config.ts';
import { runGate } from '../gate/gate.ts';
import { makePlan, PlanError } from '../harness/plan.ts';
import { type RunEvents, runPlan } from '../harness/runner.ts';
import { onShutdown, runShutdownHooks, shuttingDown } from '../harness/shutdown.ts';
import { createProgress } from '../output/progress.ts';
import { checkWritableDir, OutputError, publishComparison, publishRun } from '../output/publish.ts';
import { buildReport, type RunOutput } from '../report/build.ts';
import { addCell } from '../report/cells.ts';
import { InputError, loadReport } from '../report/load.ts';
import type { CellResult } from '../report/types.ts';
import { UsageError } from './args.ts';
import { type BenchOptions, help, parseOptions, reportOptions } from './bench-options.ts';

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (options.help || options.list) {
    process.stdout.write(options.help ? help() : listTransports());
    return 0;
  }
  // bad input fails now, not after the whole run
  checkWritableDir(options.outDir, '--out');
  const baselines = options.baseline?.split(',').filter(Boolean).map(loadReport) ?? [];
  if (baselines.length) loadConfig(null);
  const startedAt = new Date();
  onShutdown(() => Promise.all(TRANSPORTS.map((t) => t.release?.())).then(() => {}), 'brokers');
  const plan = await makePlan(options);
  if (plan.groups.length === 0) throw new UsageError('nothing to run: every chosen transport was skipped');
  const run = await runWithPartialReport(plan, options, startedAt);
  // stopped by a signal: its handler writes the cells that finished, marked interrupted, and exits
  if (shuttingDown()) await new Promise(() => {});
  const report = buildReport(reportOptions(options), run, startedAt);
  publishRun(report, options.outDir);
  const errors = report.results.reduce((n, c) => n + c.errors, 0);
  if (errors && !options.allowErrors)
    process.stderr.write(`rpcbench: ${errors.toLocaleString('en-US')} call(s) failed (listed above): exit 1; --allow-errors accepts them\n`);
  const failed = run.skipped.some((s) => s.kind === 'failed') || (errors > 0 && !options.allowErrors);
  if (!baselines.length) return failed ? 1 : 0;
  const comparison = runGate({ baseline: baselines, current: [report], normalize: options.normalize, config: null });
  publishComparison(comparison, [report], { markdownFile: path.join(options.outDir, 'compare.md'), alsoPrint: true, benchmarkAction: [] });
  return failed || comparison.regressions ? 1 : 0;
}

/** Runs the plan; if the process is stopped first, the cells finished so far are published as an interrupted report. */
async function runWithPartialReport(plan: Awaited<ReturnType<typeof makePlan>>, options: BenchOptions, startedAt: Date): Promise<RunOutput> {
  const done = new Map<string, CellResult>();
  const skipped = [...plan.skipped];
  const unregisterPartial = onShutdown(() => {
    if (!done.size && !skipped.length) return;
    const partial = buildReport(reportOptions(options), { results: [...done.values()], skipped }, startedAt, true);
    const files = publishRun(partial, options.outDir);
    process.stderr.write(`rpcbench: interrupted: the ${done.size} finished cell(s) written to ${files.join(', ')}\n`);
  });
  const progress = createProgress();
  const events: RunEvents = {
    ...progress,
    cellDone: (r) => addCell(done, r),
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

function listTransports(): string {
  const width = Math.max(...TRANSPORTS.map((t) => t.name.length));
  return `${TRANSPORTS.map((t) => `${t.name.padEnd(width)}  ${t.summary}`).join('\n')}\n`;
}

main(process.argv.slice(2)).then(
  async (code) => {
    await runShutdownHooks();
    process.exit(code);
  },
  async (error: unknown) => {
    await runShutdownHooks();
    if (
      error instanceof UsageError ||
      error instanceof PlanError ||
      error instanceof InputError ||
      error instanceof ConfigError ||
      error instanceof OutputError
    ) {
      process.stderr.write(`rpcbench: error: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`rpcbench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
