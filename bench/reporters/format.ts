// Number and line formatting shared by the text reporters.
import { cellLabel } from '../report/cells.ts';
import type { CodecUsPerCall, Report, SkippedEntry } from '../report/types.ts';

/** 3 significant digits, never scientific: 0.412, 41.2, 4120. */
export function num(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1000) return Math.round(x).toLocaleString('en-US');
  return Number(x.toPrecision(3)).toString();
}

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

/** A measured value, marked * when the client, not the server, was the limit of its cell. */
export function marked(value: number | null | undefined, cell: { clientBound: boolean } | undefined): string {
  return `${num(value)}${cell?.clientBound ? '*' : ''}`;
}

export const CLIENT_BOUND_LEGEND =
  '* client-bound: the client was the limit (its busiest load thread was busy ≥ 90% of the time), so the figure is a lower bound on what the server can do';

/** Warnings a reader should see under the tables: cells that never warmed to a steady state. */
export function notes(report: Report): string[] {
  const out: string[] = [];
  if (report.results.some((c) => c.clientBound)) out.push(CLIENT_BOUND_LEGEND);
  const unsteady = report.results.filter((c) => !c.warmup.steady);
  if (unsteady.length) {
    const names = unsteady.slice(0, 5).map(cellLabel).join(', ');
    const more = unsteady.length > 5 ? ` and ${unsteady.length - 5} more` : '';
    out.push(`warning: ${unsteady.length} cell(s) did not reach a steady state within the warm-up cap of ${report.meta.options.warmupSec} s: ${names}${more}`);
  }
  return out;
}

/** "client / server" codec µs per call, or '-' where nothing is encoded. */
export function codecPair(codec: CodecUsPerCall | null, sep = ' / '): string {
  return codec ? `${num(codec.client)}${sep}${num(codec.server)}` : '-';
}

/** "skipped NAME CALL: failed: WHY" (it started, then failed) or "skipped NAME: WHY" (it could not run here). */
export function skippedLine(s: SkippedEntry): string {
  return `skipped ${s.transport}${s.call ? ` ${s.call}` : ''}: ${s.kind === 'failed' ? 'failed: ' : ''}${s.reason}`;
}
