// Report -> the plain-text summary printed on stdout at the end of a run: the tables, the open-loop cells, the
// errors with their reasons, the notes, what was skipped.
import type { Report } from '../report/types.ts';
import { codecPair, errorLines, marked, notes, num, RATE_NOTE, rateRows, skippedLine, textTable, thresholdLines } from './format.ts';
import { latencyCell, sections } from './view.ts';

export function renderSummary(report: Report): string {
  const out: string[] = [];
  for (const s of sections(report)) {
    if (!s.rows.some((r) => r.latency || r.throughput.size)) continue;
    out.push(`${s.call}${s.call === 'fib' ? '' : ` (${s.payloadEntries} entries)`}`);
    const header = ['transport', 'p50 µs', 'p99 µs', 'codec µs', ...s.concurrencies.map((c) => `calls/s @${c}`), 'bytes/call', 'errors'];
    const rows = s.rows.map((r) => {
      const lat = latencyCell(r);
      const b = r.first.bytesPerCall;
      return [
        r.label,
        marked(lat.latencyUs.p50, lat),
        num(lat.latencyUs.p99),
        codecPair(r.first.codecUsPerCall, '/'),
        ...s.concurrencies.map((c) => marked(r.throughput.get(c)?.callsPerSec, r.throughput.get(c))),
        b ? `${b.request}/${b.response}` : '-',
        String(r.errors),
      ];
    });
    out.push(textTable(header, rows), '');
  }
  const rate = rateRows(report);
  if (rate.rows.length) out.push('open loop', textTable(rate.header, rate.rows), RATE_NOTE, '');
  const errors = errorLines(report);
  if (errors.length) out.push('errors', ...errors.map((e) => `  ${e}`), '');
  const thresholds = thresholdLines(report);
  if (thresholds.length) out.push('thresholds', ...thresholds.map((t) => `  ${t}`), '');
  out.push(...notes(report));
  for (const s of report.skipped) out.push(skippedLine(s));
  return out.join('\n');
}
