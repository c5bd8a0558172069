// The one place that decides what is shown and written where: the terminal summary, the report files, the gate's
// summary and exports. Entry points call it; the harness and the gate only return typed results.
import { accessSync, constants, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Comparison } from '../gate/compare.ts';
import { mergeReports } from '../report/load.ts';
import type { Report } from '../report/types.ts';
import { benchmarkActionEntries, biggerFileName } from '../reporters/benchmark-action.ts';
import { renderComparison } from '../reporters/compare-markdown.ts';
import { renderJson } from '../reporters/json.ts';
import { renderMarkdown } from '../reporters/markdown.ts';
import { renderSummary } from '../reporters/summary.ts';

const out = (text: string) => void process.stdout.write(text);

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

/** A finished run: latest.json and latest.md in `outDir`, the summary on stdout. Returns the files written. */
export function publishRun(report: Report, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const files: Array<[string, string]> = [
    [path.join(outDir, 'latest.json'), renderJson(report)],
    [path.join(outDir, 'latest.md'), renderMarkdown(report)],
  ];
  for (const [file, text] of files) writeFileSync(file, text);
  out(`${renderSummary(report)}\nreports: ${files.map(([f]) => f).join(', ')}\n`);
  return files.map(([f]) => f);
}

export interface ComparisonOutputs {
  /** Write the markdown summary here; null prints it on stdout. */
  markdownFile: string | null;
  /** Print the summary on stdout as well as writing it (bench --baseline). */
  alsoPrint: boolean;
  /** github-action-benchmark files: FILE (smaller is better) and FILE.bigger.json (bigger is better). */
  benchmarkAction: string[];
}

/** The gate's verdict: its markdown summary and exports of the current side, where asked. */
export function publishComparison(cmp: Comparison, current: Report[], to: ComparisonOutputs): void {
  const markdown = renderComparison(cmp);
  if (to.markdownFile) writeFileSync(to.markdownFile, markdown);
  if (!to.markdownFile || to.alsoPrint) out(to.markdownFile ? `\n${markdown}` : markdown);
  for (const file of to.benchmarkAction) {
    const { smaller, bigger } = benchmarkActionEntries(mergeReports(current));
    writeFileSync(file, `${JSON.stringify(smaller, null, 2)}\n`);
    writeFileSync(biggerFileName(file), `${JSON.stringify(bigger, null, 2)}\n`);
  }
}
