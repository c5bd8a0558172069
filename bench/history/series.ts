// Points -> series -> change points. Series are kept per machine (CPU model and core count): a number from another
// machine starts a series of its own and is never compared with this one's.
import { cellLabel } from '../cells/label.ts';
import { groupBy } from '../gate/samples.ts';
import { FOLLOWED_METRICS, METRICS } from '../report/metrics.ts';
import { median } from '../report/trials.ts';
import { bootstrapRatio, seedOf } from '../stats/random.ts';
import { E_DIVISIVE_DEFAULTS, eDivisive } from './changepoints.ts';
import { contradictions } from './contradictions.ts';
import type { ChangePoint, History, HistoryOptions, HistoryPoint, Series } from './types.ts';

/** The new level's median over the old one's, with a 95% percentile-bootstrap interval. */
export function ratioOf(
  before: readonly number[],
  after: readonly number[],
  seed: number,
): { ratio: number; low: number; high: number; levels: [number, number] } {
  const [low, high] = bootstrapRatio(after, before, (a, b) => a / b, seed);
  return { ratio: median(after) / median(before), low, high, levels: [median(before), median(after)] };
}

function changesOf(s: Omit<Series, 'changes'>, alpha: number): ChangePoint[] {
  const values = s.points.map((p) => p.value);
  const seed = seedOf(`${s.machine}\n${s.label}\n${s.metric}`);
  const splits = eDivisive(values, { alpha, seed });
  const bounds = [0, ...splits.map((x) => x.index), values.length];
  return splits.map((split, k) => {
    const r = ratioOf(values.slice(bounds[k], split.index), values.slice(split.index, bounds[k + 2]), seed + k);
    const point = s.points[split.index]!;
    const worse = METRICS[s.metric].higherIsWorse ? r.ratio > 1 : r.ratio < 1;
    return { index: split.index, commit: point.commit, date: point.date, ...r, worse, pValue: split.pValue };
  });
}

/**
 * A change that at least half of the machine's transports (and two or more) show at the same report (±1), the same
 * way, is the machine's, not one transport's: a noisy hour on a shared VM moves every row at once (the fixture's
 * "same build" reports 2-5 are 20-80% slower in every series), where a change to one transport's code moves that
 * transport alone.
 */
function markMachineWide(series: Series[]): void {
  const transports = new Set(series.map((s) => s.cell.transport));
  const movedAt = (index: number, worse: boolean) =>
    new Set(series.filter((s) => s.changes.some((c) => Math.abs(c.index - index) <= 1 && c.worse === worse)).map((s) => s.cell.transport));
  for (const s of series)
    for (const c of s.changes) {
      const moved = movedAt(c.index, c.worse).size;
      if (moved >= 2 && moved * 2 >= transports.size) c.machineWide = true;
    }
}

/** Points kept by --since (a date, or a commit: from that commit's first report on), --transports and --calls. */
function filtered(points: HistoryPoint[], o: HistoryOptions): HistoryPoint[] {
  let kept = points;
  if (o.since) {
    const byCommit = points.find((p) => p.commit?.startsWith(o.since!));
    const from = byCommit ? byCommit.date : new Date(o.since).toISOString();
    kept = kept.filter((p) => p.date >= from);
  }
  return kept.map((p) => ({
    ...p,
    cells: p.cells.filter((c) => (!o.transports || o.transports.includes(c.transport)) && (!o.calls || o.calls.includes(c.call))),
  }));
}

export function buildHistory(all: HistoryPoint[], options: HistoryOptions): History {
  const points = filtered(all, options).sort((a, b) => a.date.localeCompare(b.date));
  const series: Series[] = [];
  const machines: History['machines'] = [];
  for (const [machine, ofMachine] of groupBy(points, (p) => p.machine.key)) {
    machines.push({ key: machine, reports: ofMachine.length, first: ofMachine[0]!.date, last: ofMachine.at(-1)!.date });
    const byLabel = new Map<string, Omit<Series, 'changes'>>();
    for (const point of ofMachine) {
      for (const cell of point.cells) {
        for (const metric of FOLLOWED_METRICS) {
          const v = cell.values[metric];
          if (!v) continue;
          const label = cellLabel(cell);
          const key = `${label}\n${metric}`;
          const s = byLabel.get(key) ?? { machine, cell, label, metric, points: [] };
          byLabel.set(key, s);
          const spread = v.samples.length ? v.samples : [v.value];
          s.points.push({ commit: point.commit, date: point.date, value: v.value, low: Math.min(...spread), high: Math.max(...spread) });
        }
      }
    }
    const ofThis = [...byLabel.values()].map((s) => ({ ...s, changes: changesOf(s, options.alpha) }));
    markMachineWide(ofThis);
    series.push(...ofThis);
  }
  return { options, reports: points.length, machines, series, contradictions: contradictions(points) };
}

export const HISTORY_DEFAULTS: HistoryOptions = { alpha: E_DIVISIVE_DEFAULTS.alpha, since: null, transports: null, calls: null };
