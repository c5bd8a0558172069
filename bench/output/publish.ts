// The one place that decides what is shown and written where: the terminal summary, the report files, the gate's
// summary and exports. Entry points call it; the harness and the gate only return typed results.
import { accessSync, constants, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Comparison } from '../gate/compare.ts';
import { mergeReports } from '../report/load.ts';
import type { Report } from '../report/types.ts';
import { benchmarkActionEntries, biggerFileName } from '../reporters/benchmark-action.ts';
import { renderComparison } from '../reporters/compare-markdown.ts';
import { renderHtml } from '../reporters/html.ts';
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
  out(`${summary}\nreports: ${written.join(', ')}\n`);
  return written;
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
