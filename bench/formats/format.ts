// Number and line formatting shared by the text reporters, and the notes every view of a report shows under its
// tables: client-bound marks, trials that disagree, cells that never got steady, errors with their reasons.

import { sectionTitle, serverWorkLabel } from '../cells/label.ts';
import { cpuTotal, METRICS, type MetricSpec } from '../report/metrics.ts';
import { NOISY_CV } from '../report/trials.ts';
import {
  type CellResult,
  type CodecUsPerCall,
  type CpuUsPerCall,
  HICCUP_SLEEP_MS,
  type MachineHiccups,
  type Report,
  type SkippedEntry,
  STALL_MS,
  type ThresholdResult,
  type VerdictItem,
  type VerdictOther,
} from '../report/types.ts';
import { SCENARIOS } from '../scenarios/index.ts';
import type { Figure, ViewTable } from '../scenarios/view.ts';
import { cellName, cpuCell, rowCells, type Section, tabled } from './view.ts';

export { transportLabel } from './view.ts';

/** 3 significant digits, never scientific: 0.412, 41.2, 4120. */
export function num(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1000) return Math.round(x).toLocaleString('en-US');
  return Number(x.toPrecision(3)).toString();
}

/** "0.4s", "45s", "1m05s", "2h03m": never "1m60s". */
export function formatDuration(sec: number): string {
  if (sec < 9.95) return `${Math.max(0, Math.round(sec * 10) / 10)}s`;
  const s = Math.round(sec);
  if (s < 60) return `${s}s`;
  const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const two = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}h${two(m)}m` : `${m}m${two(r)}s`;
}

export const pct = (share: number) => `${Number((share * 100).toPrecision(2))}%`;

export function table(header: string[], rows: string[][]): string {
  // a cell is one line, and a pipe in it (a plugin's error, a reason) does not end it
  const cell = (c: string) => c.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|');
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

/** Plain-text table with aligned columns, for the terminal. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

/** A measured value, marked * when the client, not the server, was the limit of its cell, ~ when its trials disagree. */
export function marked(value: number | null | undefined, cell: Pick<CellResult, 'clientBound' | 'noisy'> | undefined): string {
  return `${num(value)}${cell?.clientBound ? '*' : ''}${cell?.noisy ? '~' : ''}`;
}

/** A scenario's figure as text: "1,234", "≥ 8,000 (client-bound)", "561*~", or its own words; '-' for none. */
export function figureText(f: Figure): string {
  if (f === null) return '-';
  if (typeof f === 'string') return f;
  if (f.value === null) return '-';
  return `${f.atLeast ? '≥ ' : ''}${num(f.value)}${f.clientBound ? '*' : ''}${f.noisy ? '~' : ''}${f.note ? ` (${f.note})` : ''}`;
}

/** "client / server" codec µs per call, or '-' where nothing is encoded. */
export function codecPair(codec: CodecUsPerCall | null, sep = ' / '): string {
  return codec ? `${num(codec.client)}${sep}${num(codec.server)}` : '-';
}

/** "skipped NAME CALL: failed: WHY" (it started, then failed) or "skipped NAME: WHY" (it could not run here). */
export function skippedLine(s: SkippedEntry): string {
  return `skipped ${s.transport}${s.call ? ` ${s.call}` : ''}: ${s.kind === 'failed' ? 'failed: ' : ''}${s.reason}`;
}

const listed = (report: Report, cells: CellResult[], most = 5) =>
  `${cells
    .slice(0, most)
    .map((c) => cellName(report, c))
    .join(', ')}${cells.length > most ? ` and ${cells.length - most} more` : ''}`;

/** The notes under the tables, one line each, in the words every view uses. */
export function notes(report: Report): string[] {
  const out: string[] = [];
  if (report.results.some((c) => c.clientBound)) {
    out.push(
      '* client-bound: the client was the limit (its busiest load thread busy ≥ 90% of the time): the figure is a lower bound on what the server can do',
    );
  }
  const noisy = report.results.filter((c) => c.noisy);
  if (noisy.length) {
    out.push(
      `~ trials disagree (coefficient of variation above ${pct(NOISY_CV)}) in ${noisy.length} cell(s): ${listed(report, noisy)}; more --trials or a longer --duration would tell more`,
    );
  }
  const unsteady = report.results.filter((c) => !c.warmup.steady);
  if (unsteady.length)
    out.push(
      `warning: ${unsteady.length} cell(s) did not reach a steady state within the warm-up cap of ${report.meta.options.warmupSec} s: ${listed(report, unsteady)}`,
    );
  for (const scenario of SCENARIOS) {
    const cells = report.results.filter((c) => c.scenario === scenario.name);
    if (cells.length) out.push(...(scenario.view?.notes?.(cells) ?? []));
  }
  if (report.meta.brokers) out.push(brokerNote(report.meta.brokers));
  if (report.meta.hiccups?.length) out.push(hiccupNote(report.meta.hiccups));
  const reference = Object.entries(report.meta.transports).filter(([, t]) => t.referenceServer);
  if (reference.length)
    out.push(
      `servers not ours: ${reference.map(([name, t]) => `${name}: ${t.referenceServer}`).join('; ')} (the reference implementation, started by the run; every client is ours)`,
    );
  if (report.meta.interrupted) out.push('warning: the run was interrupted: this report holds the cells that finished');
  return out;
}

/** Whose CPU the broker column is, per brokered transport; "n/m" in a CPU cell is one not measured. */
function brokerNote(brokers: Record<string, string>): string {
  const byNote = new Map<string, string[]>();
  for (const [transport, note] of Object.entries(brokers)) byNote.set(note, [...(byNote.get(note) ?? []), transport]);
  const parts = [...byNote].map(([note, names]) => `${names.join(', ')}: ${note}`);
  return `broker CPU (the third CPU figure; n/m = not measured, never 0): the broker's threads (/proc/PID/task/*/schedstat) over each trial, per call of ours; other clients of the same broker would count too. ${parts.join('; ')}`;
}

/** How much the machine stalled through each run: runs whose machine hiccuped more can differ for that alone. */
function hiccupNote(runs: readonly MachineHiccups[]): string {
  const one = (h: MachineHiccups) =>
    `${h.p99Ms === null ? 'p99 under 1 ms' : `p99 ${num(h.p99Ms)} ms`}, longest ${num(h.maxMs)} ms, ${num(h.stalls)} of ${STALL_MS} ms or more (${num(h.stalledMs)} ms in all) in ${num(h.seconds)} s`;
  const each = runs.length === 1 ? one(runs[0]!) : runs.map((h, i) => `run ${i + 1}: ${one(h)}`).join('; ');
  return `machine hiccups (a thread of ours that sleeps ${HICCUP_SLEEP_MS} ms at a time: how late it woke): ${each}; runs whose machine stalled more can differ for that alone`;
}

/** Each cell with errors, with its distinct reasons and their counts (as ghz lists them). */
export function errorLines(report: Report): string[] {
  return report.results
    .filter((c) => c.errors > 0)
    .map(
      (c) =>
        `${cellName(report, c)}: ${c.errors.toLocaleString('en-US')} error(s): ${c.errorReasons.map((r) => `${r.count.toLocaleString('en-US')} × ${r.message}`).join('; ')}`,
    );
}

/** "561 µs", "25,449 calls/s", "0.5%": a threshold's value in its unit. */
function thresholdValue(value: number | null, unit: ThresholdResult['unit']): string {
  if (value === null) return 'not measured';
  if (unit === 'share') return pct(value);
  return `${num(value)} ${unit}`;
}

/** "met: getObj:p99<2ms (2 cells)" / "CROSSED: calls/s@16>10000: NAME getObj(100) throughput c=16 8,012 calls/s, ...". */
export function thresholdLines(report: Report): string[] {
  return (report.thresholds ?? []).map((t) => {
    if (t.ok) return `met: ${t.threshold} (${t.cells.length} cell${t.cells.length > 1 ? 's' : ''})`;
    if (t.reason) return `CROSSED: ${t.threshold}: ${t.reason}`;
    const crossed = t.cells.filter((c) => !c.ok);
    const shown = crossed.slice(0, 3).map((c) => `${cellName(report, c.cell)} ${thresholdValue(c.value, t.unit)}`);
    const more = crossed.length > 3 ? ` and ${crossed.length - 3} more` : '';
    return `CROSSED: ${t.threshold}: ${shown.join(', ')}${more} (${crossed.length} of ${t.cells.length} cells)`;
  });
}

/** The scenarios' own tables (open-loop cells, search steps, ...), as text rows: each with its title, header and note. */
export function scenarioTables(report: Report): Array<ViewTable & { text: string[][] }> {
  return SCENARIOS.flatMap((scenario) => {
    const cells = report.results.filter((c) => c.scenario === scenario.name);
    if (!cells.length || !scenario.view?.tables) return [];
    return scenario.view.tables(cells, (c) => cellName(report, c)).map((t) => ({ ...t, text: t.rows.map((r) => r.map(figureText)) }));
  });
}

interface Column {
  header: string;
  value(r: Section['rows'][number]): string;
  /** Shown in the terminal too (the markdown and the HTML show every column). */
  compact?: boolean;
}

/** The section's columns: each scenario's own (in the registry's order), then codec, bytes, payload, CPU and errors. */
function columns(s: Section): Column[] {
  const own = SCENARIOS.flatMap((scenario) =>
    (scenario.view?.columns?.(rowCells(s.rows, scenario)) ?? []).map(
      (c): Column => ({ header: c.header, value: (r) => figureText(c.figure(r.cells.filter((x) => x.scenario === scenario.name))), compact: c.compact }),
    ),
  );
  return [
    ...own,
    { header: 'codec µs/call', value: (r) => codecPair(r.first.codecUsPerCall), compact: true },
    {
      header: 'bytes/call',
      value: (r) => (r.first.bytesPerCall ? `${num(r.first.bytesPerCall.request)} / ${num(r.first.bytesPerCall.response)}` : '-'),
      compact: true,
    },
    { header: 'payload bytes', value: (r) => `${num(r.first.payloadBytes.request)} / ${num(r.first.payloadBytes.response)}` },
    { header: 'CPU µs/call (client / server / broker)', value: (r) => cpuText(cpuCell(r).cpuUsPerCall), compact: true },
    { header: 'errors', value: (r) => String(r.errors), compact: true },
  ];
}

/** "total (client / server / broker)": what a call costs in CPU on every side that was measured. */
export function cpuText(cpu: CpuUsPerCall): string {
  const parts = [num(cpu.client), num(cpu.server), ...(cpu.broker === undefined ? [] : [cpu.broker === null ? 'n/m' : num(cpu.broker)])];
  return `${num(cpuTotal(cpu))} (${parts.join(' / ')})`;
}

/** A section's table: its title, the header, one row per transport; `compact`, the columns the terminal shows. */
export function sectionTable(s: Section, compact = false): { title: string; header: string[]; rows: string[][] } {
  const cols = columns(s).filter((c) => !compact || c.compact);
  const rows = s.rows.filter(tabled).map((r) => [r.label, ...cols.map((c) => c.value(r))]);
  return { title: sectionTitle(s.call, s.payloadEntries), header: ['transport', ...cols.map((c) => c.header)], rows };
}

/** The machine and build a report comes from: every view heads its figures with it. */
export function machineLine({ meta: m }: Report): string {
  const commit = m.gitCommit?.slice(0, 10) ?? 'unknown';
  return `${m.date} · node ${m.node} · ${m.os.platform} ${m.os.arch} · ${m.cpu.model} × ${m.cpu.count} · commit ${commit} · ${m.durationSec} s`;
}

/** How the run was made: trials, warm-up, server work, threads. */
export function optionsLine({ meta: { options: o } }: Report): string {
  const runs = (o.runs ?? 1) > 1 ? `${o.runs} runs × ` : '';
  const timing = `${runs}${o.trials} trials × ${o.durationSec} s (median shown), warm-up until steady (at most ${o.warmupSec} s)`;
  const workers = o.clientWorkers > 1 ? `, ${o.clientWorkers} client threads` : '';
  // the servers somebody else runs, as the report keeps them (passwords masked when the run wrote it)
  const targets = Object.entries(o.targets ?? {})
    .map(([t, address]) => `${t} → ${address}`)
    .join(', ');
  return `Options: ${timing}, fib(${o.fibN}), server work ${serverWorkLabel(o)}${workers}${o.quick ? ', quick' : ''}${targets ? `; targets: ${targets}` : ''}.`;
}

// ---- the verdict (bench/report/verdict.ts): who leads, and by how much, in words every view uses ----

/** "1.32× (1.25–1.40)": a ratio to the leader, above 1 worse, with its interval (none where it is exact), and where both are our client's limit, so. */
export const ratioText = (o: VerdictOther) =>
  `${o.ratio.toFixed(2)}×${o.low === o.high ? '' : ` (${o.low.toFixed(2)}–${o.high.toFixed(2)})`}${o.bothClientBound ? " (both client-bound: our client's cost, not the servers')" : o.lowerBound ? ' (a lower bound: our client was its limit)' : ''}`;

export interface VerdictRow {
  call: string;
  goal: string;
  where: string;
  /** "NAME 61 µs", with "≥" where its client was the limit. */
  leader: string;
  /** The transports whose interval holds 1: no clear difference from the leader. */
  tied: string[];
  /** The rest, best first, each "NAME 1.32× (1.25–1.40)". */
  behind: string[];
  /** What the intervals could not know, in words, where it matters ("one run: ..."); null where they come from runs. */
  caveat: string | null;
}

/** The verdict of a report, row by row, as the report keeps it (a report of an older version without one has none). */
export function verdictRows(report: Report): VerdictRow[] {
  return (report.verdict?.items ?? []).map((i) => {
    const words: MetricSpec = METRICS[i.goal];
    return {
      call: i.call,
      goal: words.goal ?? i.goal,
      where: i.where,
      leader: `${i.leader} ${i.leaderClientBound ? '≥ ' : ''}${num(i.leaderValue)} ${words.short ?? words.unit}`,
      tied: i.others.filter((o) => !o.clear).map((o) => `${o.transport} ${ratioText(o)}`),
      behind: i.others.filter((o) => o.clear).map((o) => `${o.transport} ${ratioText(o)}`),
      caveat: caveatOf(i),
    };
  });
}

/** What one run cannot tell: nothing for runs; a figure found once per run is never clear; a lead under the margin is not called. */
function caveatOf(i: VerdictItem): string | null {
  if (i.basis.kind === 'runs') return null;
  if (i.oneSample) return 'one run: each figure was found once, so how much runs differ is unknown and no lead is called clear (--runs 3 or more would tell)';
  return `one run: leads under ${Math.round(i.basis.margin * 100)}% at the interval's low end are not called clear (runs differ more than trials)`;
}

/** One line a goal, for the terminal: the leader, those not clearly behind it, and the next one that is. */
export function verdictLine(r: VerdictRow): string {
  const tied = r.tied.length ? `; no clear difference: ${r.tied.join(', ')}` : '; clearly ahead of every other';
  const next = r.behind.length ? `; next: ${r.behind[0]}` : '';
  const oneSample = r.caveat?.includes('found once') ? ` [${r.caveat}]` : '';
  return `${r.call} ${r.goal} (${r.where}): ${r.leader}${tied}${next}${oneSample}`;
}

/** Under the verdict: how to read it, from runs or from one run's trials. */
export function verdictNote(report: Report): string {
  const basis = report.verdict?.items[0]?.basis;
  const from =
    basis?.kind === 'runs'
      ? `95% intervals: bootstrap over the ${basis.runs} runs (a sample per run; bytes: exact); an interval that holds 1 is no clear difference.`
      : `95% intervals: bootstrap over the trials of this one run (bytes: exact). Runs on a shared machine differ more than trials (8-28% here), so from one run a lead is clear only when its interval clears ${Math.round((basis?.kind === 'trials' ? basis.margin : 0.25) * 100)}%, and a figure found once per run (a capacity) is never clear: pool runs (--runs 3 or more) to tell smaller leads.`;
  return `Ratios are to the leader, above 1 worse (where more is better: the leader's ÷ theirs). ${from}`;
}
