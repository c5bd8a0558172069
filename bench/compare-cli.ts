// `npm run compare -- BASELINE.json CURRENT.json`: the regression gate.
// Exit 0 no regression, 1 regression, 2 bad input. Several files per side, comma-separated, are pooled.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runGate, GATE_USAGE } from './compare/gate.ts';
import { InputError } from './compare/load.ts';
import { ConfigError, normalizeFlag } from './compare/config.ts';

/** Accepts `--export benchmark-action FILE` (two words, as github-action-benchmark users write it) as well as `=FILE`. */
function joinExportArgs(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--export' && argv[i + 1] === 'benchmark-action' && argv[i + 2] !== undefined) {
      out.push('--export', `benchmark-action=${argv[i + 2]}`);
      i += 2;
    } else out.push(argv[i]!);
  }
  return out;
}

function main(argv: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: joinExportArgs(argv),
      allowPositionals: true,
      options: { markdown: { type: 'string' }, export: { type: 'string', multiple: true }, normalize: { type: 'boolean' }, reference: { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw new InputError(`${(error as Error).message} (see --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) return void process.stdout.write(GATE_USAGE), 0;
  if (positionals.length !== 2) throw new InputError(`expected BASELINE and CURRENT report files, got ${positionals.length} argument(s) (see --help)`);
  const split = (s: string) => s.split(',').filter(Boolean);
  const result = runGate({ baseline: split(positionals[0]!), current: split(positionals[1]!), normalize: normalizeFlag(values.reference, values.normalize), config: values.config ?? null, exports: values.export ?? [] });
  if (values.markdown) writeFileSync(values.markdown, result.markdown);
  else process.stdout.write(result.markdown);
  process.stderr.write(`${result.comparison.regressions ? `rpcbench compare: ${result.comparison.regressions} regression(s)` : 'rpcbench compare: no regression'}\n`);
  return result.comparison.regressions ? 1 : 0;
}

try {
  process.exit(main(process.argv.slice(2)));
} catch (error) {
  if (error instanceof InputError || error instanceof ConfigError) {
    process.stderr.write(`rpcbench compare: error: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
