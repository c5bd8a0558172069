// Number and line formatting shared by the text reporters.
import type { SkippedEntry } from '../report/types.ts';

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

/** "skipped NAME CALL: failed: WHY" (it started, then failed) or "skipped NAME: WHY" (it could not run here). */
export function skippedLine(s: SkippedEntry): string {
  return `skipped ${s.transport}${s.call ? ` ${s.call}` : ''}: ${s.kind === 'failed' ? 'failed: ' : ''}${s.reason}`;
}
