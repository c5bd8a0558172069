// Report -> latest.csv: one row per cell, every metric a column with its unit in the header (p50_us, calls_per_s),
// for spreadsheets and pandas. Values as the report keeps them; empty where a cell did not measure one.
import { stringify } from 'csv-stringify/sync';
import { bytesTotal, cpuTotal } from '../report/metrics.ts';
import type { CellResult, Report } from '../report/types.ts';
import { SCENARIOS } from '../scenarios/index.ts';

type Column = [header: string, value: (c: CellResult) => string | number | boolean | null | undefined];

const COLUMNS: Column[] = [
  ['transport', (c) => c.transport],
  ['call', (c) => c.call],
  ['scenario', (c) => c.scenario],
  ['concurrency', (c) => c.concurrency],
  ['rate_per_s', (c) => c.ratePerSec],
  ['payload_entries', (c) => c.payloadEntries],
  ['variant', (c) => c.variant],
  ['p50_us', (c) => c.latencyUs.p50],
  ['p90_us', (c) => c.latencyUs.p90],
  ['p99_us', (c) => c.latencyUs.p99],
  ['p999_us', (c) => c.latencyUs.p999],
  ['max_us', (c) => c.latencyUs.max],
  ['mean_us', (c) => c.latencyUs.mean],
  ['calls_per_s', (c) => c.callsPerSec],
  // each scenario's own fields, empty in another scenario's cells
  ...SCENARIOS.flatMap((s) => (s.view?.fields ?? []).map(([name, value]): Column => [name, (c) => (c.scenario === s.name ? value(c) : null)])),
  ['cpu_client_us_per_call', (c) => c.cpuUsPerCall.client],
  ['cpu_server_us_per_call', (c) => c.cpuUsPerCall.server],
  ['cpu_broker_us_per_call', (c) => c.cpuUsPerCall.broker],
  ['cpu_total_us_per_call', (c) => cpuTotal(c.cpuUsPerCall)],
  ['codec_client_us_per_call', (c) => c.codecUsPerCall?.client],
  ['codec_server_us_per_call', (c) => c.codecUsPerCall?.server],
  ['request_bytes_per_call', (c) => c.bytesPerCall?.request],
  ['response_bytes_per_call', (c) => c.bytesPerCall?.response],
  ['total_bytes_per_call', (c) => (c.bytesPerCall ? bytesTotal(c) : null)],
  ['calls', (c) => c.calls],
  ['errors', (c) => c.errors],
  ['timeouts', (c) => c.timeouts],
  ['dropped', (c) => c.dropped],
  ['trials', (c) => c.trials.length],
  ['cv_calls_per_s', (c) => c.spread.callsPerSec.cv],
  ['cv_p50', (c) => c.spread.p50.cv],
  ['client_bound', (c) => c.clientBound],
  ['noisy', (c) => c.noisy],
  ['warmup_s', (c) => c.warmup.sec],
  ['steady', (c) => c.warmup.steady],
];

/** Numbers to 3 decimals (sums of µs leave binary noise), booleans as true/false, nothing where not measured. */
function field(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(Math.round(v * 1000) / 1000) : '';
  return String(v);
}

export function renderCsv(report: Report): string {
  const rows = report.results.map((c) => COLUMNS.map(([, value]) => field(value(c))));
  return stringify([COLUMNS.map(([header]) => header), ...rows]);
}
