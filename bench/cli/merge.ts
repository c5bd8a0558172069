// `rpcbench merge A.json B.json ... [--out DIR]`: the reports of the segments of one run (bench --segment I/N on
// several hosts) merged into the report of the whole run, written as bench writes its own.

import { mergeSegments } from '../cells/segments.ts';
import { DEFAULT_OUTPUTS, ONLY, OUTPUT_NAMES, type OutputName } from '../publish/outputs.ts';
import { checkWritableDir, publishRun, terminal } from '../publish/publish.ts';
import { loadReport } from '../report/read.ts';
import { outcomeSchemas } from '../scenarios/index.ts';
import { given, outputsFlag, parseFlags, UsageError } from './args.ts';
import { isEntry, runCommand } from './command.ts';

const USAGE = `Usage: rpcbench merge SEGMENT.json SEGMENT.json ... [--out DIR] [--json]
       (in a clone: npm run merge -- ...)

Merges the reports of the generators of one run (bench --segment I/N --start-at TIME, one report per
generator) cell by cell: histograms add exactly, calls, errors and calls/s add, CPU per call is recomputed.
Refuses reports of other plans or builds, a segment given twice or missing, and trials that did not run
at the same time. Exit code: 0 merged, 2 bad input.

  --out DIR      where the merged latest.json, latest.md and latest.html go (default reports)
  --output a,b   formats written besides json,md,html, as bench writes them (${OUTPUT_NAMES.filter((n) => !DEFAULT_OUTPUTS.includes(n)).join(', ')}); only:a,b for those alone
  --json         print the merged report on stdout (the summary goes to stderr)
`;

const spec = { out: { type: 'string' }, output: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

export function main(argv: string[]): number {
  const { values, positionals } = parseFlags(argv, spec, true);
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length < 2) throw new UsageError(`expected the reports of two or more segments, got ${positionals.length} (see --help)`);
  const outDir = given('--out', values.out) ?? 'reports';
  const output = given('--output', values.output);
  const outputs = output === undefined ? DEFAULT_OUTPUTS : (outputsFlag(output, OUTPUT_NAMES, DEFAULT_OUTPUTS, ONLY) as OutputName[]);
  checkWritableDir(outDir, '--out');
  const merged = mergeSegments(positionals.map((f) => loadReport(f, outcomeSchemas())));
  publishRun(merged, { outDir, outputs, terminal: terminal(values.json ?? false) });
  return 0;
}

if (isEntry(import.meta.url)) runCommand('merge', main);
