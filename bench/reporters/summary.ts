// Report -> the plain-text summary printed on stdout at the end of a run.
import type { Report } from '../report/types.ts';
import { num, skippedLine, textTable } from './format.ts';
import { latencyCell, sections } from './view.ts';

export function renderSummary(report: Report): string {
  const out: string[] = [];
  for (const s of sections(report)) {
    out.push(`${s.call}${s.call === 'fib' ? '' : ` (${s.payloadEntries} entries)`}`);
    const header = ['transport', 'p50 µs', 'p99 µs', ...s.concurrencies.map((c) => `calls/s @${c}`), 'bytes/call', 'errors'];
    const rows = s.rows.map((r) => {
      const lat = latencyCell(r).latencyUs;
      const b = r.first.bytesPerCall;
      return [
        r.transport,
        num(lat.p50),
        num(lat.p99),
        ...s.concurrencies.map((c) => num(r.throughput.get(c)?.callsPerSec)),
        b ? `${b.request}/${b.response}` : '-',
        String(r.errors),
      ];
    });
    out.push(textTable(header, rows), '');
  }
  for (const s of report.skipped) out.push(skippedLine(s));
  return out.join('\n');
}
