// `npm run compare -- BASELINE.json CURRENT.json`: the regression gate.
// Exit 0 no regression, 1 regression, 2 bad input. Several files per side, comma-separated, are pooled.
import { normalizeFlag } from '../gate/config.ts';
import { runGate } from '../gate/gate.ts';
import { checkWritableFile, publishComparison, terminal } from '../publish/publish.ts';
import { loadSide } from '../report/read.ts';
import { outcomeSchemas } from '../scenarios/index.ts';
import { given, parseFlags, UsageError } from './args.ts';
import { gateExit, isEntry, runCommand } from './command.ts';

const USAGE = `Usage: rpcbench compare BASELINE.json[,MORE.json] CURRENT.json[,MORE.json] [options]
       (in a clone: npm run compare -- ...)

Compares two rpcbench reports cell by cell and transport by transport. Several files per side
(comma-separated) are pooled, each run one sample; with one file per side its trials are the samples.
The gate decides when a cell's test can reach its level after Holm's correction: 8 runs per side for
the --quick matrix (bench --runs 8), more for bigger matrices; with fewer it prints the comparison
marked undecided and says how many this matrix needs.
Exit code: 0 no regression, 1 regression, 2 undecided or bad input.

  --normalize              correct machine drift: scale every cell by how much the reference transport
                           changed between the two runs (default reference: the wire floor, tcp)
  --reference TRANSPORT    the reference for --normalize (implies it)
  --config FILE            thresholds (default: rpcbench.config.json, or "rpcbench" in package.json)
  --markdown FILE          also write the full comparison (every cell) as markdown, e.g. to
                           $GITHUB_STEP_SUMMARY; "-" prints it instead of the terminal view
  --json                   print the comparison as JSON on stdout (the terminal view goes to stderr)
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
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseExport(spec: string): string {
  const m = /^benchmark-action=(.+)$/.exec(spec);
  if (!m) throw new UsageError(`--export: expected benchmark-action=FILE, got ${JSON.stringify(spec)}`);
  return m[1]!;
}

export function main(argv: string[]): number {
  const { values, positionals } = parseFlags(joinExportArgs(argv), spec, true);
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError(`expected BASELINE and CURRENT report files, got ${positionals.length} argument(s) (see --help)`);
  const exports = (values.export ?? []).map(parseExport);
  // the outputs are checked first: a comparison is never computed only to be lost (exit 2, not 1)
  if (values.markdown !== undefined && values.markdown !== '-') checkWritableFile(given('--markdown', values.markdown)!, '--markdown');
  if (values.json && values.markdown === '-') throw new UsageError('--json and --markdown - both want stdout: write the markdown to a file');
  for (const file of exports) checkWritableFile(file, '--export');
  const split = (s: string) => s.split(',').filter(Boolean);
  const [baseline, current] = [loadSide(split(positionals[0]!), outcomeSchemas()), loadSide(split(positionals[1]!), outcomeSchemas())];
  const comparison = runGate({ baseline, current, normalize: normalizeFlag(values.reference, values.normalize), config: values.config ?? null });
  const markdown = given('--markdown', values.markdown) ?? null;
  publishComparison(comparison, current, {
    markdownFile: markdown === '-' ? null : markdown,
    markdownToStdout: markdown === '-',
    benchmarkAction: exports,
    terminal: terminal(values.json ?? false),
  });
  return gateExit(comparison, 'compare');
}

if (isEntry(import.meta.url)) runCommand('compare', main);
