// A report reduced to what its history needs: per cell, each followed metric's value and its samples (runs when
// the report has several, else trials: the spread a point shows). The histograms stay in the report.
import { createHash } from 'node:crypto';
import { serverWorkLabel } from '../cells/label.ts';
import { sideOf } from '../gate/samples.ts';
import { FOLLOWED_METRICS, METRICS, type MetricSpec } from '../report/metrics.ts';
import type { Report } from '../report/types.ts';
import { scenarioOf } from '../scenarios/index.ts';
import type { HistoryMetric, HistoryPoint, Machine, PointCell, PointValue } from './types.ts';

export function machineOf(report: Report): Machine {
  const { cpu, os } = report.meta;
  return { key: `${cpu.model} × ${cpu.count}, ${os.platform} ${os.arch}`, cpu: cpu.model, cores: cpu.count };
}

/** The followed metrics a cell of this scenario reports (its scenario says which), and p50 and p99 of every closed loop. */
function metricsOf(scenario: string): HistoryMetric[] {
  const s = scenarioOf(scenario);
  const latency = s.loop === 'closed' ? LATENCY_FOLLOWED : [];
  return FOLLOWED_METRICS.filter((m) => s.metrics.includes(m) || latency.includes(m));
}

/** The latency metrics a history follows, read from every closed-loop cell. */
const LATENCY_FOLLOWED = FOLLOWED_METRICS.filter((m) => (METRICS[m] as MetricSpec).percentile);

const round = (v: number) => Math.round(v * 1000) / 1000;

/**
 * A report's point is the best of its runs (the lowest latency, the highest rate), its spread all of them. On a
 * shared machine interference only ever slows a run, in patches of seconds to minutes, so the best run is the one
 * least disturbed: the minimum is the robust estimator for timings under such noise (Chen & Revels, "Robust
 * benchmarking in noisy environments", 2016, which Julia's BenchmarkTools follows). Measured on 12 quick reports of
 * one build (two transports, 3 runs each), the coefficient of variation between reports, median over the 16 latency
 * series: 32.5% for the median of the runs, 24.6% for the best (p50 at one call in flight: 12.6-26.8% against 8.2-15.8%).
 */
function best(values: readonly number[], higherIsWorse: boolean): number {
  return higherIsWorse ? Math.min(...values) : Math.max(...values);
}

export function pointOf(report: Report): HistoryPoint {
  const side = sideOf([report]);
  const cells: PointCell[] = [];
  for (const { cell, samples, own } of side.cells.values()) {
    const values: PointCell['values'] = {};
    for (const metric of metricsOf(cell.scenario)) {
      const spec: MetricSpec = METRICS[metric];
      const each = (spec.ofStat ? samples.map((s) => spec.ofStat!(s.stat)) : (own[metric] ?? [])).filter(Number.isFinite);
      if (!each.length) continue;
      values[metric] = { value: round(best(each, spec.higherIsWorse)), samples: each.map(round) } satisfies PointValue;
    }
    const { transport, call, scenario, concurrency, ratePerSec, payloadEntries, variant } = cell;
    cells.push({ transport, call, scenario, concurrency, ratePerSec, payloadEntries, ...(variant === undefined ? {} : { variant }), values });
  }
  const { meta } = report;
  const o = meta.options;
  const options = [
    o.quick ? 'quick' : null,
    (o.runs ?? 1) > 1 ? `${o.runs} runs` : null,
    o.serverWorkUs || Object.keys(o.serverWorkUsByTransport ?? {}).length ? `server work ${serverWorkLabel(o)}` : null,
  ].filter(Boolean);
  const id = createHash('sha256')
    .update(`${meta.date}\n${meta.gitCommit}\n${machineOf(report).key}\n${meta.durationSec}`)
    .digest('hex')
    .slice(0, 12);
  const leads = (report.verdict?.items ?? [])
    .map((i) => ({
      call: i.call,
      goal: (METRICS[i.goal] as MetricSpec).goal ?? i.goal,
      where: i.where,
      leader: i.leader,
      behind: i.others.filter((o) => o.clear).map((o) => o.transport),
    }))
    .filter((l) => l.behind.length);
  // the code under test's commit where it is not rpcbench's own (a plugin's repository, bench --label): its history is the user's
  const commit = meta.subject?.commit ?? meta.gitCommit;
  const label = meta.subject?.label;
  return {
    schema: 1,
    id,
    commit,
    ...(label ? { label } : {}),
    date: meta.date,
    machine: machineOf(report),
    node: meta.node,
    options: options.join(', '),
    cells,
    leads,
  };
}
