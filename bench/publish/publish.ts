// The one place that decides what is shown and written where: the terminal summary, the report files (by name, from
// the output map), the gate's summary and exports. Entry points call it; the harness and the gate only return typed
// results. Where human-readable text goes is the caller's Terminal, never a setting of this module.
import { closeSync, writeFileSync as fsWrite, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { poolReports } from '../cells/pool.ts';
import { renderComparisonTerminal } from '../formats/compare-terminal.ts';
import { renderHistoryHtml } from '../formats/history-html.ts';
import { renderHistoryMarkdown, renderHistoryTerminal } from '../formats/history-text.ts';
import { renderSummary } from '../formats/summary.ts';
import type { Comparison } from '../gate/compare.ts';
import { storeFileName } from '../history/store.ts';
import type { History, HistoryPoint } from '../history/types.ts';
import { BadInput } from '../report/errors.ts';
import type { Report } from '../report/types.ts';
import { DEFAULT_OUTPUTS, OUTPUTS, type OutputName } from './outputs.ts';

/**
 * A file this command writes, or a failure that names it: a disk that is full (ENOSPC on /dev/full), a directory
 * gone since it was checked. One line and exit 1 (the run happened; its output could not be kept), never a stack.
 */
export class WriteFailed extends Error {
  override name = 'WriteFailed';
}

function writeFileSync(file: string, text: string): void {
  try {
    fsWrite(file, text);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new WriteFailed(`cannot write ${file}: ${e.code ?? e.message}${e.code === 'ENOSPC' ? ' (no space left on the device)' : ''}`);
  }
}

/**
 * Where a command's text goes: human-readable lines to stdout, unless stdout carries a machine-readable result
 * (--json), so that `rpcbench bench --json | jq` gets JSON only.
 */
export interface Terminal {
  human(text: string): void;
  /** The machine-readable result, or null when stdout is the human's. */
  json: ((text: string) => void) | null;
}

export function terminal(json: boolean): Terminal {
  return json
    ? { human: (t) => void process.stderr.write(t), json: (t) => void process.stdout.write(t) }
    : { human: (t) => void process.stdout.write(t), json: null };
}

/** An output that cannot be written: found before any work starts, so nothing measured is lost to it (exit 2). */
export class OutputError extends BadInput {}

/** Makes sure reports can be written to `dir` (creating it), or throws OutputError naming `flag`. */
export function checkWritableDir(dir: string, flag: string): void {
  try {
    makeDirs(path.resolve(dir));
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('it is not a directory'), { code: 'ENOTDIR' });
    probe(path.join(dir, `.rpcbench-write-test-${process.pid}`));
  } catch (error) {
    throw new OutputError(`${flag}: cannot write reports to ${JSON.stringify(dir)}: ${reason(error)}`);
  }
}

/** Makes sure `file` can be written (it is created and removed again if it was not there), or throws OutputError. */
export function checkWritableFile(file: string, flag: string): void {
  try {
    if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) throw Object.assign(new Error('it is a directory'), { code: 'EISDIR' });
    probe(file);
  } catch (error) {
    throw new OutputError(`${flag}: cannot write ${JSON.stringify(file)}: ${reason(error)}`);
  }
}

/**
 * Creates the missing directories one level at a time, from the nearest that exists: Node's recursive mkdir loops
 * for ever under /proc (where every parent "exists" and no child can be made), so it is not used.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !statSync(d, { throwIfNoEntry: false }); d = path.dirname(d)) {
    if (path.dirname(d) === d) break;
    missing.unshift(d);
  }
  for (const d of missing) mkdirSync(d);
}

/** Opens the file for appending (as writing it will), and removes it again if this made it: access(2) says yes to root where a write fails. */
function probe(file: string): void {
  const existed = statSync(file, { throwIfNoEntry: false }) !== undefined;
  closeSync(openSync(file, 'a'));
  if (!existed) unlinkSync(file);
}

function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOENT: 'no such directory',
    EACCES: 'permission denied',
    EPERM: 'not permitted',
    EROFS: 'a read-only file system',
    ENOTDIR: 'a part of the path is a file',
    EEXIST: 'a file is in the way',
    EISDIR: 'it is a directory',
  };
  return (e.code && why[e.code]) ?? e.message;
}

export interface RunOutputs {
  outDir: string;
  /** Formats to write besides json (which is always written): the default json, md and html. */
  outputs?: readonly OutputName[];
  terminal: Terminal;
}

/** A finished run: each output's files in `outDir`, the summary on the terminal. Returns the files written. */
export function publishRun(report: Report, { outDir, outputs = DEFAULT_OUTPUTS, terminal: term }: RunOutputs): string[] {
  // the JSON first, and each format on its own: a format that fails to render must not cost the measurements
  const names: OutputName[] = ['json', ...outputs.filter((o) => o !== 'json')];
  const written: string[] = [];
  for (const name of names) {
    const format = OUTPUTS[name];
    try {
      for (const [file, text] of format.report(report, path.join(outDir, format.file))) {
        writeFileSync(file, text);
        written.push(file);
      }
    } catch (error) {
      process.stderr.write(`rpcbench: could not write the ${name} output in ${outDir}: ${(error as Error).message}\n`);
    }
  }
  let summary: string;
  try {
    summary = renderSummary(report);
  } catch (error) {
    summary = `(no summary: ${(error as Error).message})`;
  }
  term.human(`${summary}\nreports: ${written.join(', ')}\n`);
  term.json?.(OUTPUTS.json.report(report, '')[0]![1]);
  return written;
}

export interface ComparisonOutputs {
  /** Write the markdown summary (every cell) here, e.g. reports/compare.md or $GITHUB_STEP_SUMMARY. */
  markdownFile: string | null;
  /** Print the markdown instead of the compact terminal view (`--markdown -`). */
  markdownToStdout: boolean;
  /** github-action-benchmark files: FILE (smaller is better) and FILE.bigger.json (bigger is better). */
  benchmarkAction: string[];
  terminal: Terminal;
}

/** The gate's verdict: the terminal view (or the markdown), the markdown file and exports, where asked. */
export function publishComparison(cmp: Comparison, current: Report[], to: ComparisonOutputs): void {
  const markdown = OUTPUTS.md.comparison(cmp);
  if (to.markdownFile) writeFileSync(to.markdownFile, markdown);
  to.terminal.human(to.markdownToStdout ? markdown : `\n${renderComparisonTerminal(cmp, to.markdownFile)}`);
  to.terminal.json?.(OUTPUTS.json.comparison(cmp));
  for (const file of to.benchmarkAction) for (const [name, text] of OUTPUTS['benchmark-action'].report(poolReports(current), file)) writeFileSync(name, text);
}

/** Reports into the history's store, one file each (a report added again replaces its file). Returns the files. */
export function publishHistoryPoints(store: string, points: readonly HistoryPoint[]): string[] {
  return points.map((p) => {
    const file = path.join(store, storeFileName(p));
    writeFileSync(file, `${JSON.stringify(p)}\n`);
    return file;
  });
}

/** `rpcbench history`: history.md and history.html in `outDir`, the change points on the terminal (or the JSON). */
export function publishHistory(h: History, outDir: string, term: Terminal): string[] {
  const written: string[] = [];
  for (const [name, render] of [
    ['history.md', renderHistoryMarkdown],
    ['history.html', renderHistoryHtml],
  ] as const) {
    const file = path.join(outDir, name);
    writeFileSync(file, render(h));
    written.push(file);
  }
  term.human(`${renderHistoryTerminal(h)}history: ${written.join(', ')}\n`);
  term.json?.(`${JSON.stringify(h, null, 2)}\n`);
  return written;
}
