// `npm run compare -- BASELINE.json CURRENT.json`: the regression gate.
// Exit 0 no regression, 1 regression, 2 bad input. Several files per side, comma-separated, are pooled.
import { ConfigError, normalizeFlag } from '../gate/config.ts';
import { runGate } from '../gate/gate.ts';
import { checkWritableFile, OutputError, publishComparison } from '../output/publish.ts';
import { InputError, loadSide } from '../report/load.ts';
import { given, parseFlags, UsageError } from './args.ts';

const USAGE = `Usage: npm run compare -- BASELINE.json[,MORE.json] CURRENT.json[,MORE.json] [options]

Compares two rpcbench reports cell by cell and transport by transport. Several files per side
(comma-separated) are pooled, each run one sample; with one file per side its trials are the samples.
Exit code: 0 no regression, 1 regression, 2 bad input.

  --normalize              correct machine drift: scale every cell by how much the reference transport
                           changed between the two runs (default reference: the wire floor, tcp)
  --reference TRANSPORT    the reference for --normalize (implies it)
  --config FILE            thresholds (default: rpcbench.config.json, or "rpcbench" in package.json)
  --markdown FILE          write the summary there instead of stdout (e.g. $GITHUB_STEP_SUMMARY)
  --export benchmark-action FILE
                           write the current run as github-action-benchmark JSON: FILE (customSmallerIsBetter)
                           and FILE with .bigger.json (customBiggerIsBetter)
`;

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

const spec = {
  markdown: { type: 'string' },
  export: { type: 'string', multiple: true },
  normalize: { type: 'boolean' },
  reference: { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseExport(spec: string): string {
  const m = /^benchmark-action=(.+)$/.exec(spec);
  if (!m) throw new UsageError(`--export: expected benchmark-action=FILE, got ${JSON.stringify(spec)}`);
  return m[1]!;
}

function main(argv: string[]): number {
  const { values, positionals } = parseFlags(joinExportArgs(argv), spec, true);
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError(`expected BASELINE and CURRENT report files, got ${positionals.length} argument(s) (see --help)`);
  const exports = (values.export ?? []).map(parseExport);
  // the outputs are checked first: a comparison is never computed only to be lost (exit 2, not 1)
  if (values.markdown !== undefined) checkWritableFile(given('--markdown', values.markdown)!, '--markdown');
  for (const file of exports) checkWritableFile(file, '--export');
  const split = (s: string) => s.split(',').filter(Boolean);
  const [baseline, current] = [loadSide(split(positionals[0]!)), loadSide(split(positionals[1]!))];
  const comparison = runGate({ baseline, current, normalize: normalizeFlag(values.reference, values.normalize), config: values.config ?? null });
  publishComparison(comparison, current, { markdownFile: values.markdown ?? null, alsoPrint: false, benchmarkAction: exports });
  process.stderr.write(`${comparison.regressions ? `rpcbench compare: ${comparison.regressions} regression(s)` : 'rpcbench compare: no regression'}\n`);
  return comparison.regressions ? 1 : 0;
}

try {
  process.exit(main(process.argv.slice(2)));
} catch (error) {
  if (error instanceof InputError || error instanceof ConfigError || error instanceof UsageError || error instanceof OutputError) {
    process.stderr.write(`rpcbench compare: error: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
