// `rpcbench history add REPORT... [--store DIR]` and `rpcbench history [--store DIR] [--out DIR] [filters]`: every
// transport's numbers over commits, and the change points found in them, per machine.

import { contradictions, contradictionText } from '../history/contradictions.ts';
import { pointOf } from '../history/point.ts';
import { buildHistory, HISTORY_DEFAULTS } from '../history/series.ts';
import { DEFAULT_STORE, readStore } from '../history/store.ts';
import type { HistoryOptions, HistoryPoint } from '../history/types.ts';
import { checkWritableDir, publishHistory, publishHistoryPoints, terminal } from '../publish/publish.ts';
import { loadReport } from '../report/read.ts';
import { outcomeSchemas } from '../scenarios/index.ts';
import { given, int, names, parseFlags, UsageError } from './args.ts';
import { isEntry, runCommand } from './command.ts';

const USAGE = `Usage: rpcbench history add REPORT.json... [--store DIR]
       rpcbench history [--store DIR] [--out DIR] [--since DATE|COMMIT] [--last N]
                        [--transports a,b] [--calls a,b] [--alpha A] [--json]
       (in a clone: npm run history -- ...)

add: puts reports (latest.json of bench or merge) into the store, one small file each: commit, time, machine,
and each cell's numbers with the spread of its runs (no histograms). Adding a report again replaces it.

Without add: writes history.md and history.html (a trend per transport × call × scenario, every axis from 0)
and prints the change points: E-divisive means with a permutation test at --alpha, each with its commit,
direction and size (95% bootstrap interval). Series are per machine (CPU model and core count).
Exit code: 0 (change points are findings, not failures), 2 bad input.

  --store DIR        the store (default ${DEFAULT_STORE}); CI keeps this directory between runs
  --out DIR          where history.md and history.html go (default reports)
  --since X          reports from this date (2026-11-01, or ISO 8601) or this commit's first report on
  --last N           only each machine's newest N reports (a job summary of the last 20 commits: --last 20)
  --transports a,b   only these transports; --calls a,b only these calls
  --alpha A          significance level of each change point's test (default ${HISTORY_DEFAULTS.alpha})
  --json             print the history (every series and change point) on stdout; the summary goes to stderr
`;

const spec = {
  store: { type: 'string' },
  out: { type: 'string' },
  since: { type: 'string' },
  last: { type: 'string' },
  transports: { type: 'string' },
  calls: { type: 'string' },
  alpha: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function main(argv: string[]): number {
  const { values, positionals } = parseFlags(argv, spec, true);
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const store = given('--store', values.store) ?? DEFAULT_STORE;
  const [verb, ...files] = positionals;
  if (verb === 'add') return add(store, files, values);
  if (verb !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(verb)}: the only sub-command is "add" (see --help)`);
  return draw(store, values);
}

function add(store: string, files: string[], values: Record<string, unknown>): number {
  const drawOnly = ['out', 'since', 'last', 'transports', 'calls', 'alpha', 'json'].filter((k) => values[k] !== undefined);
  if (drawOnly.length) throw new UsageError(`--${drawOnly[0]}: not an option of "history add" (see --help)`);
  if (!files.length) throw new UsageError('history add: expected one or more reports (latest.json)');
  const points = files.map((f) => pointOf(loadReport(f, outcomeSchemas())));
  checkWritableDir(store, '--store');
  readStore(store); // a store holding a file that is not a point is said now, before anything is added to it
  const written = publishHistoryPoints(store, points);
  const all = readStore(store);
  process.stdout.write(`history: added ${written.length} report(s) to ${store} (${all.length} in the store)\n`);
  // the leads of the reports just added that an earlier report of the machine had the other way
  const added = new Set(points.map((p) => `${p.date}${p.commit ? ` (${p.commit.slice(0, 7)})` : ''}`));
  for (const c of contradictions(all).filter((x) => added.has(x.now))) process.stdout.write(`history: flipped: ${contradictionText(c)}\n`);
  return 0;
}

function draw(store: string, values: { [K in keyof typeof spec]?: unknown }): number {
  const points = readStore(store);
  if (!points.length) throw new UsageError(`the store ${JSON.stringify(store)} holds no reports: add some with "rpcbench history add REPORT.json"`);
  const options = historyOptions(points, values);
  const outDir = given('--out', values.out as string | undefined) ?? 'reports';
  checkWritableDir(outDir, '--out');
  const last = values.last === undefined ? null : int('--last', values.last as string, 2, 100_000);
  publishHistory(buildHistory(last ? newest(points, last) : points, options), outDir, terminal(Boolean(values.json)));
  return 0;
}

/** Each machine's newest N points. */
function newest(points: HistoryPoint[], n: number): HistoryPoint[] {
  const sorted = [...points].sort((a, b) => b.date.localeCompare(a.date));
  const seen = new Map<string, number>();
  return sorted.filter((p) => {
    const k = (seen.get(p.machine.key) ?? 0) + 1;
    seen.set(p.machine.key, k);
    return k <= n;
  });
}

function historyOptions(points: HistoryPoint[], v: { [K in keyof typeof spec]?: unknown }): HistoryOptions {
  const inStore = (pick: (c: HistoryPoint['cells'][number]) => string) => [...new Set(points.flatMap((p) => p.cells.map(pick)))].sort();
  const since = given('--since', v.since as string | undefined) ?? null;
  if (since !== null && !points.some((p) => p.commit?.startsWith(since)) && Number.isNaN(Date.parse(since))) {
    throw new UsageError(`--since: ${JSON.stringify(since)} is neither a date (2026-11-01, ISO 8601) nor a commit of a report in the store`);
  }
  const alphaText = given('--alpha', v.alpha as string | undefined);
  const alpha = alphaText === undefined ? HISTORY_DEFAULTS.alpha : Number(alphaText);
  if (!(alpha > 0 && alpha < 0.5)) throw new UsageError(`--alpha: ${JSON.stringify(alphaText)} is not a level between 0 and 0.5 (e.g. 0.01)`);
  const list = (flag: string, value: unknown, allowed: string[]) => (value === undefined ? null : names(flag, given(flag, value as string)!, allowed));
  return {
    alpha,
    since,
    transports: list(
      '--transports',
      v.transports,
      inStore((c) => c.transport),
    ),
    calls: list(
      '--calls',
      v.calls,
      inStore((c) => c.call),
    ),
  };
}

if (isEntry(import.meta.url)) runCommand('history', main);
