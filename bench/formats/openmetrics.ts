// Report -> latest.prom: the OpenMetrics text format (https://openmetrics.io), for Prometheus's node_exporter textfile
// collector or a push gateway. Names and labels follow Prometheus's conventions: base units (seconds, bytes),
// `_total` on counters, one label per cell dimension, `# EOF` at the end. Every cell is one set of series.
import { cpuTotal, METRIC_NAMES, METRICS, type MetricName, type MetricSpec } from '../report/metrics.ts';
import type { CellResult, Report } from '../report/types.ts';
import { metricOf, scenarioOf } from '../scenarios/index.ts';

interface Family {
  name: string;
  type: 'gauge' | 'summary';
  unit?: string;
  help: string;
  samples(c: CellResult, labels: string): string[];
}

const SEC = 1e-6;
/** A sample line; values to 12 significant digits (µs to s leaves binary noise: 0.0027320309999999998). */
const line = (name: string, labels: string, value: number) => `${name}{${labels}} ${Number.isFinite(value) ? Number(value.toPrecision(12)) : 'NaN'}`;
const more = (labels: string, extra: string) => (labels ? `${labels},${extra}` : extra);

const FAMILIES: Family[] = [
  {
    name: 'rpcbench_call_latency_seconds',
    type: 'summary',
    unit: 'seconds',
    help: 'Latency of one call, the median trial of the cell (open loops: from when the call was due).',
    samples: (c, l) => [
      ...(
        [
          ['0.5', c.latencyUs.p50],
          ['0.9', c.latencyUs.p90],
          ['0.99', c.latencyUs.p99],
          ['0.999', c.latencyUs.p999],
          ['1', c.latencyUs.max],
        ] as const
      ).map(([q, us]) => line('rpcbench_call_latency_seconds', more(l, `quantile="${q}"`), us * SEC)),
      line('rpcbench_call_latency_seconds_count', l, c.calls),
      line('rpcbench_call_latency_seconds_sum', l, c.latencyUs.mean * SEC * c.calls),
    ],
  },
  {
    name: 'rpcbench_calls_per_second',
    type: 'gauge',
    help: 'Completed calls per second, the median trial of the cell.',
    samples: (c, l) => [line('rpcbench_calls_per_second', l, c.callsPerSec)],
  },
  // a scenario's own metrics (capacity), each with the text fields its scenario gives it as labels (its bound)
  ...METRIC_NAMES.filter((m) => !(METRICS[m] as MetricSpec).ofCell).map(ownFamily),
  {
    name: 'rpcbench_call_cpu_seconds',
    type: 'gauge',
    unit: 'seconds',
    help: 'CPU time per call by side (client, server, broker where measured) and in all.',
    samples: (c, l) => {
      const sides: Array<[string, number | null | undefined]> = [
        ['client', c.cpuUsPerCall.client],
        ['server', c.cpuUsPerCall.server],
        ['broker', c.cpuUsPerCall.broker],
        ['total', cpuTotal(c.cpuUsPerCall)],
      ];
      return sides
        .filter(([, us]) => us !== null && us !== undefined)
        .map(([side, us]) => line('rpcbench_call_cpu_seconds', more(l, `side="${side}"`), us! * SEC));
    },
  },
  {
    name: 'rpcbench_call_wire_bytes',
    type: 'gauge',
    unit: 'bytes',
    help: 'Bytes of TCP payload per call on the wire, by direction.',
    samples: (c, l) =>
      c.bytesPerCall
        ? [
            line('rpcbench_call_wire_bytes', more(l, 'direction="request"'), c.bytesPerCall.request),
            line('rpcbench_call_wire_bytes', more(l, 'direction="response"'), c.bytesPerCall.response),
          ]
        : [],
  },
  // a finished cell's totals are gauges: as counters, OpenMetrics names the family without _total and the
  // Prometheus text format (what promtool, node_exporter's textfile collector and the push gateway read) with it
  {
    name: 'rpcbench_cell_calls',
    type: 'gauge',
    help: 'Calls that completed in the cell, all trials.',
    samples: (c, l) => [line('rpcbench_cell_calls', l, c.calls)],
  },
  {
    name: 'rpcbench_cell_errors',
    type: 'gauge',
    help: 'Calls that failed in the cell, all trials.',
    samples: (c, l) => [line('rpcbench_cell_errors', l, c.errors)],
  },
];

/** A scenario's own metric as a gauge, e.g. rpcbench_capacity_calls_per_second{...,bound="server"}. */
function ownFamily(metric: MetricName): Family {
  const spec: MetricSpec = METRICS[metric];
  const name = `rpcbench_${metric.replace(/\W/g, '_')}_${spec.unit === 'calls/s' ? 'calls_per_second' : spec.unit}`;
  return {
    name,
    type: 'gauge',
    help: `${spec.goal ?? metric} (a lower bound where the bound is not "server").`,
    samples: (c, l) => {
      const value = metricOf(c, metric);
      if (!Number.isFinite(value)) return [];
      const fields = (scenarioOf(c.scenario).view?.fields ?? []).filter(([n]) => n.startsWith(`${metric}_`));
      const labels = fields.flatMap(([n, f]) => {
        const v = f(c);
        return typeof v === 'string' ? [`${n.slice(metric.length + 1)}="${labelValue(v)}"`] : [];
      });
      return [line(name, [l, ...labels].join(','), value)];
    },
  };
}

/** A label value escaped as the text format wants: backslash, double quote and newline. */
const labelValue = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function labelsOf(c: CellResult): string {
  const pairs: Array<[string, string | number | null]> = [
    ['transport', c.transport],
    ['call', c.call],
    ['scenario', c.scenario],
    ['concurrency', c.concurrency],
    ['payload_entries', c.payloadEntries],
    ['rate_per_s', c.ratePerSec],
    ['variant', c.variant ?? null],
  ];
  return pairs
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}="${labelValue(String(v))}"`)
    .join(',');
}

export function renderOpenMetrics(report: Report): string {
  const out: string[] = [];
  const m = report.meta;
  out.push('# TYPE rpcbench_build_info gauge', '# HELP rpcbench_build_info The build and machine the figures come from (always 1).');
  const build = `version="${labelValue(m.tool.version)}",commit="${labelValue(m.gitCommit ?? 'unknown')}",node="${labelValue(m.node)}",cpu="${labelValue(m.cpu.model)}",cpus="${m.cpu.count}"`;
  out.push(`rpcbench_build_info{${build}} 1`);
  for (const f of FAMILIES) {
    const samples = report.results.flatMap((c) => f.samples(c, labelsOf(c)));
    if (!samples.length) continue;
    out.push(`# TYPE ${f.name} ${f.type}`, ...(f.unit ? [`# UNIT ${f.name} ${f.unit}`] : []), `# HELP ${f.name} ${f.help}`, ...samples);
  }
  out.push('# EOF');
  return `${out.join('\n')}\n`;
}
