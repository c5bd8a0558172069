// `npm run bench`: options -> plan -> run -> report -> reporters (and the regression gate with --baseline).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TRANSPORTS, transportCatalog } from '../transports/registry.ts';
import { HELP, parseOptions, UsageError, type BenchOptions } from './options.ts';
import { makePlan } from './plan.ts';
import { createProgress } from './progress.ts';
import { buildReport } from './report.ts';
import { renderJson } from './reporters/json.ts';
import { renderMarkdown } from './reporters/markdown.ts';
import { renderSummary } from './reporters/summary.ts';
import { runPlan } from './runner.ts';
import { ConfigError, loadConfig } from './compare/config.ts';
import { runGate } from './compare/gate.ts';
import { InputError, loadReport } from './compare/load.ts';
import { onShutdown, runShutdownHooks } from './shutdown.ts';
import type { Report } from './types.ts';

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv, transportCatalog());
  if (options.help) return void process.stdout.write(HELP), 0;
  if (options.list) return void process.stdout.write(listTransports()), 0;
  const baselines = options.baseline?.split(',').filter(Boolean) ?? [];
  // bad gate input fails now, not after the whole run
  const baselineReports = baselines.map(loadReport);
  if (baselines.length) loadConfig(null);
  const startedAt = new Date();
  onShutdown(() => Promise.all(TRANSPORTS.map((t) => t.release?.())).then(() => {}));
  const plan = await makePlan(options);
  if (plan.groups.length === 0) throw new UsageError('nothing to run: every chosen transport was skipped');
  const progress = createProgress();
  const run = await runPlan(plan, options, progress).finally(() => progress.stop());
  const report = buildReport(options, run, startedAt);
  const files = writeReports(report, options.outDir);
  process.stdout.write(`${renderSummary(report)}\nreports: ${files.join(', ')}\n`);
  const failed = run.skipped.some((s) => s.reason.startsWith('failed'));
  if (!baselines.length) return failed ? 1 : 0;
  const gate = runGate({ baseline: baselineReports, current: [report], normalize: options.normalize, config: null, exports: [] });
  writeFileSync(path.join(options.outDir, 'compare.md'), gate.markdown);
  process.stdout.write(`\n${gate.markdown}`);
  return failed || gate.comparison.regressions ? 1 : 0;
}

function writeReports(report: Report, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const files: Array<[string, string]> = [
    [path.join(outDir, 'latest.json'), renderJson(report)],
    [path.join(outDir, 'latest.md'), renderMarkdown(report)],
  ];
  for (const [file, text] of files) writeFileSync(file, text);
  return files.map(([f]) => f);
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
    if (error instanceof UsageError || error instanceof InputError || error instanceof ConfigError) {
      process.stderr.write(`rpcbench: error: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`rpcbench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

export type { BenchOptions };
