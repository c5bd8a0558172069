// The gate as one call, shared by `npm run compare` and `npm run bench -- --baseline`.
import { writeFileSync } from 'node:fs';
import { benchmarkActionEntries, biggerFileName } from '../reporters/benchmark-action.ts';
import { renderComparison } from '../reporters/compare-markdown.ts';
import type { Report } from '../types.ts';
import { compareReports, type Comparison } from './compare.ts';
import { loadConfig } from './config.ts';
import { InputError, loadSide, mergeReports } from './load.ts';

export const GATE_USAGE = `Usage: npm run compare -- BASELINE.json[,MORE.json] CURRENT.json[,MORE.json] [options]

Compares two rpcbench reports cell by cell and transport by transport. Several files per side
(comma-separated) are pooled, each run one sample; with one file per side its trials are the samples.
Exit code: 0 no regression, 1 regression, 2 bad input.

  --normalize              correct machine drift: scale every cell by how much the reference transport
                           changed between the two runs (default reference: tcp, else inproc)
  --reference TRANSPORT    the reference for --normalize (implies it)
  --config FILE            thresholds (default: rpcbench.config.json, or "rpcbench" in package.json)
  --markdown FILE          write the summary there instead of stdout (e.g. $GITHUB_STEP_SUMMARY)
  --export benchmark-action FILE
                           write the current run as github-action-benchmark JSON: FILE (customSmallerIsBetter)
                           and FILE with .bigger.json (customBiggerIsBetter)
`;

export interface GateRequest {
  /** Report files, or reports already loaded. */
  baseline: string[] | Report[];
  current: string[] | Report[];
  /** From the command line: a reference name, AUTO_REFERENCE, or null to keep the config's choice. */
  normalize: string | null;
  config: string | null;
  exports: string[];
}

export function runGate(req: GateRequest): { comparison: Comparison; markdown: string } {
  const config = loadConfig(req.config);
  if (req.normalize !== null) config.normalize = req.normalize;
  const exports = req.exports.map(parseExport);
  const current = sideOf(req.current);
  const comparison = compareReports(sideOf(req.baseline), current, config);
  for (const file of exports) {
    const { smaller, bigger } = benchmarkActionEntries(mergeReports(current));
    writeFileSync(file, `${JSON.stringify(smaller, null, 2)}\n`);
    writeFileSync(biggerFileName(file), `${JSON.stringify(bigger, null, 2)}\n`);
  }
  return { comparison, markdown: renderComparison(comparison) };
}

const sideOf = (side: string[] | Report[]): Report[] => (side.every((x) => typeof x === 'string') ? loadSide(side) : side);

function parseExport(spec: string): string {
  const m = /^benchmark-action=(.+)$/.exec(spec);
  if (!m) throw new InputError(`--export: expected benchmark-action=FILE, got ${JSON.stringify(spec)}`);
  return m[1]!;
}
