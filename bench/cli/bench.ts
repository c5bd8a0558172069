// `npm run bench`: options -> plan -> run -> report -> outputs (and the regression gate with --baseline).
import path from 'node:path';
import { TRANSPORTS } from '../../transports/registry.ts';
import { ConfigError, loadConfig } from '../gate/config.ts';
import { runGate } from '../gate/gate.ts';
import { makePlan, PlanError } from '../harness/plan.ts';
import { runPlan } from '../harness/runner.ts';
import { onShutdown, runShutdownHooks } from '../harness/shutdown.ts';
import { createProgress } from '../output/progress.ts';
import { publishComparison, publishRun } from '../output/publish.ts';
import { buildReport } from '../report/build.ts';
import { InputError, loadReport } from '../report/load.ts';
import { UsageError } from './args.ts';
import { help, parseOptions, reportOptions } from './bench-options.ts';

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (options.help || options.list) {
    process.stdout.write(options.help ? help() : listTransports());
    return 0;
  }
  // bad gate input fails now, not after the whole run
  const baselines = options.baseline?.split(',').filter(Boolean).map(loadReport) ?? [];
  if (baselines.length) loadConfig(null);
  const startedAt = new Date();
  onShutdown(() => Promise.all(TRANSPORTS.map((t) => t.release?.())).then(() => {}));
  const plan = await makePlan(options);
  if (plan.groups.length === 0) throw new UsageError('nothing to run: every chosen transport was skipped');
  const progress = createProgress();
  const run = await runPlan(plan, progress).finally(() => progress.stop());
  const report = buildReport(reportOptions(options), run, startedAt);
  publishRun(report, options.outDir);
  const failed = run.skipped.some((s) => s.kind === 'failed');
  if (!baselines.length) return failed ? 1 : 0;
  const comparison = runGate({ baseline: baselines, current: [report], normalize: options.normalize, config: null });
  publishComparison(comparison, [report], { markdownFile: path.join(options.outDir, 'compare.md'), alsoPrint: true, benchmarkAction: [] });
  return failed || comparison.regressions ? 1 : 0;
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
    if (error instanceof UsageError || error instanceof PlanError || error instanceof InputError || error instanceof ConfigError) {
      process.stderr.write(`rpcbench: error: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`rpcbench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
