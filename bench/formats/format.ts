// Number and line formatting shared by the text reporters, and the notes every view of a report shows under its
// tables: client-bound marks, trials that disagree, cells that never got steady, errors with their reasons.

import { sectionTitle, serverWorkLabel } from '../cells/label.ts';
import { cpuTotal } from '../report/metrics.ts';
import { NOISY_CV } from '../report/trials.ts';
import type {
  CapacityOutcome,
  CapacityStep,
  CellResult,
  CodecUsPerCall,
  CpuUsPerCall,
  Goal,
  Report,
  SkippedEntry,
  ThresholdResult,
  VerdictOther,
} from '../report/types.ts';
import { verdictOf } from '../report/verdict.ts';
import { cellName, cpuCell, latencyCell, type Row, type Section, tabled } from './view.ts';

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
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
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

const cv = (x: number | undefined) => (x === undefined ? '-' : `±${Number((x * 100).toPrecision(2))}%`);

/** The trials' spread of a row: coefficient of variation of p50 (latency cell) / of calls/s (highest concurrency). */
export function spreadCell(latency: CellResult, top: CellResult | undefined): string {
  return `${cv(latency.spread.p50.cv)} / ${cv(top?.spread.callsPerSec.cv)}`;
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
  const capacities = report.results.filter((c) => c.capacity);
  if (capacities.length) out.push(capacityNote(capacities[0]!.capacity!.slo));
  if (report.meta.brokers) out.push(brokerNote(report.meta.brokers));
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

export const capacityNote = (slo: string) =>
  `capacity: the highest offered rate (open loop, latency counted from when each call was due) at which ${slo} held, no call failed and under 0.1% were dropped; ` +
  '"≥ (client-bound)": our client was the limit at that rate, so the server carries at least this; per server core: 1e6 ÷ the server\'s CPU µs per call there, what it would carry with a core of its own';

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

/** The open-loop cells, as their own table: requested and achieved rate, dropped share, latency from the schedule. */
export function rateRows(report: Report): { header: string[]; rows: string[][] } {
  const header = ['cell', 'requested/s', 'achieved/s', 'dropped', 'p50 µs', 'p99 µs', 'client CPU µs/call*', 'verdict'];
  const rows = report.results
    .filter((c) => c.rate)
    .map((c) => [
      cellName(report, c),
      num(c.rate!.requestedPerSec),
      num(c.rate!.achievedPerSec),
      pct(c.rate!.droppedShare),
      num(c.latencyUs.p50),
      num(c.latencyUs.p99),
      num(c.cpuUsPerCall.client),
      c.rate!.saturated ? 'saturated' : 'kept up',
    ]);
  return { header, rows };
}

export const RATE_NOTE =
  'Open loop: calls start on a schedule whatever the replies do; latency counts from when a call was due; a call due while ' +
  'the cap is in flight is dropped ("saturated": the server cannot keep up with that rate). * client CPU includes the pacing loop.';

interface Column {
  header: string;
  value(r: Row): string;
  /** Shown in the terminal too (the markdown and the HTML show every column). */
  compact?: boolean;
}

/** The section's columns: latency, calls/s at each concurrency, spread (of the closed loops), codec, bytes, CPU, capacity, errors. */
function columns(s: Section): Column[] {
  const lat = (r: Row) => latencyCell(r);
  const top = (r: Row) => r.throughput.get(s.concurrencies.at(-1) ?? -1);
  const closed = (r: Row) => Boolean(r.latency || r.throughput.size);
  const closedColumns: Column[] = [
    { header: 'p50 µs', value: (r) => (closed(r) ? marked(lat(r).latencyUs.p50, lat(r)) : '-'), compact: true },
    { header: 'p99 µs', value: (r) => (closed(r) ? num(lat(r).latencyUs.p99) : '-'), compact: true },
    ...s.concurrencies.map((c) => ({
      header: `calls/s @${c}`,
      value: (r: Row) => marked(r.throughput.get(c)?.callsPerSec, r.throughput.get(c)),
      compact: true,
    })),
    { header: 'spread', value: (r) => (closed(r) ? spreadCell(lat(r), top(r)) : '-') },
  ];
  return [
    ...(s.rows.some(closed) ? closedColumns : []),
    { header: 'codec µs/call', value: (r) => codecPair(r.first.codecUsPerCall), compact: true },
    {
      header: 'bytes/call',
      value: (r) => (r.first.bytesPerCall ? `${num(r.first.bytesPerCall.request)} / ${num(r.first.bytesPerCall.response)}` : '-'),
      compact: true,
    },
    { header: 'payload bytes', value: (r) => `${num(r.first.payloadBytes.request)} / ${num(r.first.payloadBytes.response)}` },
    { header: 'CPU µs/call (client / server / broker)', value: (r) => cpuText(cpuCell(r).cpuUsPerCall), compact: true },
    ...(s.rows.some((r) => r.capacity?.capacity) ? capacityColumns(s) : []),
    { header: 'errors', value: (r) => String(r.errors), compact: true },
  ];
}

/** Capacity within the objective, with its bound, and what one core of the server would carry. */
function capacityColumns(s: Section): Column[] {
  const slo = s.rows.find((r) => r.capacity?.capacity)?.capacity?.capacity?.slo ?? '';
  return [
    { header: `capacity calls/s (${slo})`, value: (r) => capacityText(r.capacity?.capacity), compact: true },
    { header: 'p99 µs there', value: (r) => num(operatingStep(r.capacity?.capacity)?.latencyUs.p99), compact: true },
    { header: 'per server core', value: (r) => num(r.capacity?.capacity?.perCoreCallsPerSec), compact: true },
  ];
}

/** The step a capacity figure comes from: the median search's highest passing one (its latency is what was judged). */
export function operatingStep(c: CapacityOutcome | null | undefined): CapacityStep | undefined {
  const search = c?.searches.find((x) => x.callsPerSec === c.callsPerSec && x.bound === c.bound);
  return search?.steps.find((x) => x.pass && x.ratePerSec === search.callsPerSec);
}

/** "10,100", "≥ 8,000 (client-bound)", "≥ 1,000,000 (every rate passed)", "none (the first rate failed)". */
export function capacityText(c: CapacityOutcome | null | undefined): string {
  if (!c) return '-';
  if (c.bound === 'none') return `none under ${num(c.searches[0]?.steps.at(-1)?.ratePerSec)}/s`;
  if (c.bound === 'client') return `≥ ${num(c.callsPerSec)} (client-bound)`;
  if (c.bound === 'max-rate') return `≥ ${num(c.callsPerSec)} (every rate passed)`;
  return num(c.callsPerSec);
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

const GOAL_WORDS: Record<Goal, { title: string; unit: string }> = {
  p50: { title: 'lowest p50', unit: 'µs' },
  p99: { title: 'lowest p99', unit: 'µs' },
  'calls/s': { title: 'most calls/s', unit: 'calls/s' },
  capacity: { title: 'highest capacity', unit: 'calls/s' },
  'bytes/call': { title: 'fewest bytes/call', unit: 'B' },
  'cpu/call': { title: 'least CPU/call', unit: 'µs' },
};

/** "1.32× (1.25–1.40)": a ratio to the leader, above 1 worse, with its interval (none where it is exact). */
export const ratioText = (o: VerdictOther) => `${o.ratio.toFixed(2)}×${o.low === o.high ? '' : ` (${o.low.toFixed(2)}–${o.high.toFixed(2)})`}`;

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
}

/** The verdict of a report, row by row (read from the report; computed for a report written before it existed). */
export function verdictRows(report: Report): VerdictRow[] {
  const verdict = report.verdict ?? verdictOf(report);
  return verdict.items.map((i) => {
    const words = GOAL_WORDS[i.goal];
    return {
      call: i.call,
      goal: words.title,
      where: i.where,
      leader: `${i.leader} ${i.leaderClientBound ? '≥ ' : ''}${num(i.leaderValue)} ${words.unit}`,
      tied: i.others.filter((o) => !o.clear).map((o) => `${o.transport} ${ratioText(o)}`),
      behind: i.others.filter((o) => o.clear).map((o) => `${o.transport} ${ratioText(o)}`),
    };
  });
}

/** One line a goal, for the terminal: the leader, those not clearly behind it, and the next one that is. */
export function verdictLine(r: VerdictRow): string {
  const tied = r.tied.length ? `; no clear difference: ${r.tied.join(', ')}` : '; clearly ahead of every other';
  const next = r.behind.length ? `; next: ${r.behind[0]}` : '';
  return `${r.call} ${r.goal} (${r.where}): ${r.leader}${tied}${next}`;
}

export const VERDICT_NOTE =
  "Ratios are to the leader, above 1 worse (for calls/s and capacity: the leader's ÷ theirs). 95% intervals: bootstrap over the " +
  "trials of this run (capacity: its search's bracket; bytes: exact). An interval that holds 1 is no clear difference. Runs on a " +
  'shared machine differ more than trials: pool runs (--runs N) before trusting a small lead.';
