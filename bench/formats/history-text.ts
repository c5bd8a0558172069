// History -> words: the change points (terminal and markdown) and the trend tables (markdown). One line per change
// says where (commit, date), which way, how large with its interval, and how sure.
import { contradictionText } from '../history/contradictions.ts';
import type { ChangePoint, History, Series } from '../history/types.ts';
import { METRICS } from '../report/metrics.ts';
import { num } from './format.ts';

const pct = (r: number) => `${r >= 1 ? '+' : '−'}${Math.abs((r - 1) * 100).toFixed(1)}%`;
const short = (commit: string | null) => commit?.slice(0, 7) ?? 'no commit';
const when = (date: string) => date.slice(0, 16).replace('T', ' ');

export function changeText(c: ChangePoint): string {
  const wide = c.machineWide ? '; every transport moved at once: the machine (or code they all share), not this one' : '';
  return `${pct(c.ratio)}, ${c.worse ? 'worse' : 'better'} (95%: ${pct(c.low)} to ${pct(c.high)}), p = ${c.pValue.toFixed(3)}${wide}`;
}

export interface ChangeRow {
  machine: string;
  series: string;
  at: string;
  change: string;
  worse: boolean;
  levels: string;
}

/** Every change point, newest first. */
export function changeRows(h: History): ChangeRow[] {
  const rows = h.series.flatMap((s) =>
    s.changes.map((c) => {
      const unit = METRICS[s.metric].unit;
      return {
        machine: s.machine,
        series: `${s.label} · ${s.metric}`,
        at: `${short(c.commit)} (${when(c.date)}), report ${c.index + 1} of ${s.points.length}`,
        change: changeText(c),
        worse: c.worse,
        levels: `${num(c.levels[0])} → ${num(c.levels[1])} ${unit} (the sides' medians)`,
        date: c.date,
      };
    }),
  );
  return rows.sort((a, b) => b.date.localeCompare(a.date)).map(({ date: _, ...r }) => r);
}

export const HISTORY_NOTE =
  'Change points by E-divisive means (Matteson & James 2014, as Hunter / Apache Otava use it): the strongest split of each series, kept when a permutation test finds it significant, then each side searched again. Size: the new level’s median over the old one’s, with a 95% bootstrap interval. Series are per machine (CPU model and core count): another machine’s reports start their own.';

export function renderHistoryTerminal(h: History): string {
  const rows = changeRows(h);
  const head = `history: ${h.reports} report(s) on ${h.machines.length} machine(s), ${h.series.length} series, α = ${h.options.alpha}`;
  const flips = h.contradictions.map((c) => `  flipped: ${contradictionText(c)}`);
  if (!rows.length) return [head, 'no change points', ...flips, ''].join('\n');
  const lines = rows.map((r) => `  ${r.worse ? 'WORSE ' : 'better'}  ${r.series}\n          at ${r.at}: ${r.change}; ${r.levels}`);
  return [head, `${rows.length} change point(s), newest first:`, ...lines, ...flips, ''].join('\n');
}

const cellOf = (s: Series) => s.label;

export function renderHistoryMarkdown(h: History): string {
  const out = [`# rpcbench history`, '', `${h.reports} report(s), α = ${h.options.alpha}. ${HISTORY_NOTE}`, ''];
  for (const m of h.machines) {
    out.push(`## ${m.key}`, '', `${m.reports} report(s), ${when(m.first)} to ${when(m.last)}.`, '');
    const rows = changeRows(h).filter((r) => r.machine === m.key);
    if (rows.length) {
      out.push('| | series | at | change | level |', '| --- | --- | --- | --- | ---: |');
      for (const r of rows) out.push(`| ${r.worse ? '🔴 worse' : '🟢 better'} | ${r.series} | ${r.at} | ${r.change} | ${r.levels} |`);
    } else out.push('No change points.');
    out.push('', ...trendTables(h.series.filter((s) => s.machine === m.key)));
  }
  if (h.contradictions.length) out.push('## Leads that flipped', '', ...h.contradictions.map((c) => `- ${contradictionText(c)}`), '');
  return `${out.join('\n')}\n`;
}

/** Per cell, its metrics' last values and first-to-last change, so that a slow drift without a step shows too. */
function trendTables(series: Series[]): string[] {
  if (!series.length) return [];
  const out = ['| cell | metric | first | last | last ÷ first | change points |', '| --- | --- | ---: | ---: | ---: | ---: |'];
  for (const s of [...series].sort((a, b) => cellOf(a).localeCompare(cellOf(b)))) {
    const first = s.points[0]!.value;
    const last = s.points.at(-1)!.value;
    out.push(`| ${s.label} | ${s.metric} | ${num(first)} | ${num(last)} | ${(last / first).toFixed(2)} | ${s.changes.length} |`);
  }
  return [...out, ''];
}
