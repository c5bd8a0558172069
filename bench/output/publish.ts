// The one place that decides what is shown and written where: the terminal summary, the report files, the gate's
// summary and exports. Entry points call it; the harness and the gate only return typed results.
import { accessSync, constants, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Comparison } from '../gate/compare.ts';
import { mergeReports } from '../report/load.ts';
import type { Report } from '../report/types.ts';
import { benchmarkActionEntries, biggerFileName } from '../reporters/benchmark-action.ts';
import { renderComparison } from '../reporters/compare-markdown.ts';
import { renderComparisonTerminal } from '../reporters/compare-terminal.ts';
import { renderHtml } from '../reporters/html.ts';
import { renderJson } from '../reporters/json.ts';
import { renderMarkdown } from '../reporters/markdown.ts';
import { renderSummary } from '../reporters/summary.ts';

/**
 * Where the human-readable text goes: stdout, unless stdout carries a machine-readable result (--json), so that
 * `rpcbench bench --json | jq` gets JSON only.
 */
let jsonOnStdout = false;
const human = (text: string) => void (jsonOnStdout ? process.stderr : process.stdout).write(text);

/** Puts the run's JSON (the report, or the comparison) on stdout and every human-readable line on stderr. */
export function jsonToStdout(): void {
  jsonOnStdout = true;
}

/** An output that cannot be written: found before any work starts, so nothing measured is lost to it (exit 2). */
export class OutputError extends Error {}

/** Makes sure reports can be written to `dir` (creating it), or throws OutputError naming `flag`. */
export function checkWritableDir(dir: string, flag: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new Error('it is not a directory');
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new OutputError(`${flag}: cannot write reports to ${JSON.stringify(dir)}: ${reason(error)}`);
  }
}

/** Makes sure `file` can be written (its directory exists and is writable; the file, if there, is a writable file). */
export function checkWritableFile(file: string, flag: string): void {
  try {
    let exists = true;
    try {
      if (!statSync(file).isFile()) throw new Error('it is not a regular file');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      exists = false;
    }
    accessSync(exists ? file : path.dirname(path.resolve(file)), constants.W_OK);
  } catch (error) {
    throw new OutputError(`${flag}: cannot write ${JSON.stringify(file)}: ${reason(error)}`);
  }
}

function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOENT: 'no such directory',
    EACCES: 'permission denied',
    ENOTDIR: 'a part of the path is a file',
    EEXIST: 'a file is in the way',
  };
  return (e.code && why[e.code]) ?? e.message;
}

/** A finished run: latest.json, latest.md and latest.html in `outDir`, the summary on stdout. Returns the files written. */
export function publishRun(report: Report, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  // the JSON first, and each view on its own: a view that fails to render must not cost the measurements
  const views: Array<[string, (r: Report) => string]> = [
    ['latest.json', renderJson],
    ['latest.md', renderMarkdown],
    ['latest.html', renderHtml],
  ];
  const written: string[] = [];
  for (const [name, render] of views) {
    const file = path.join(outDir, name);
    try {
      writeFileSync(file, render(report));
      written.push(file);
    } catch (error) {
      process.stderr.write(`rpcbench: could not write ${file}: ${(error as Error).message}\n`);
    }
  }
  let summary: string;
  try {
    summary = renderSummary(report);
  } catch (error) {
    summary = `(no summary: ${(error as Error).message})`;
  }
  human(`${summary}\nreports: ${written.join(', ')}\n`);
  if (jsonOnStdout) process.stdout.write(renderJson(report));
  return written;
}

export interface ComparisonOutputs {
  /** Write the markdown summary (every cell) here, e.g. reports/compare.md or $GITHUB_STEP_SUMMARY. */
  markdownFile: string | null;
  /** Print the markdown instead of the compact terminal view (`--markdown -`). */
  markdownToStdout: boolean;
  /** github-action-benchmark files: FILE (smaller is better) and FILE.bigger.json (bigger is better). */
  benchmarkAction: string[];
  /** The comparison as JSON on stdout (`compare --json`); the human-readable view then goes to stderr. */
  json: boolean;
}

/** The gate's verdict: the terminal view (or the markdown), the markdown file and exports, where asked. */
export function publishComparison(cmp: Comparison, current: Report[], to: ComparisonOutputs): void {
  const markdown = renderComparison(cmp);
  if (to.markdownFile) writeFileSync(to.markdownFile, markdown);
  human(to.markdownToStdout ? markdown : `\n${renderComparisonTerminal(cmp, to.markdownFile)}`);
  if (to.json) process.stdout.write(`${JSON.stringify(cmp, null, 2)}\n`);
  for (const file of to.benchmarkAction) {
    const { smaller, bigger } = benchmarkActionEntries(mergeReports(current));
    writeFileSync(file, `${JSON.stringify(smaller, null, 2)}\n`);
    writeFileSync(biggerFileName(file), `${JSON.stringify(bigger, null, 2)}\n`);
  }
}
