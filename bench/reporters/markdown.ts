// Report -> latest.md: per call, one row per transport (fastest first), and Mermaid charts GitHub renders.
import { findTransport } from '../../transports/registry.ts';
import type { Report } from '../report/types.ts';
import { codecPair, marked, notes, num, table } from './format.ts';
import { cpuCell, latencyCell, type Row, type Section, sections } from './view.ts';

export function renderMarkdown(report: Report): string {
  const out = [
    '# rpcbench report',
    '',
    machineLine(report),
    '',
    optionsLine(report),
    'Latency in µs (p50/p99 with one call in flight), codec µs per call timed in isolation (client/server), calls/s per concurrency, ' +
      'bytes per call on the wire (request/response, TCP payload), CPU µs per call (client/server).',
    '',
  ];
  for (const section of sections(report)) out.push(...renderSection(section), '');
  const warnings = notes(report);
  if (warnings.length) out.push(...warnings.map((w) => `> ${w}`), '');
  if (report.skipped.length) {
    out.push(
      '## Skipped',
      '',
      ...report.skipped.map((s) => `- **${s.transport}**${s.call ? ` ${s.call}` : ''}: ${s.kind === 'failed' ? 'failed: ' : ''}${s.reason}`),
      '',
    );
  }
  return out.join('\n');
}

function machineLine({ meta: m }: Report): string {
  const commit = m.gitCommit?.slice(0, 10) ?? 'unknown';
  return `${m.date} · node ${m.node} · ${m.os.platform} ${m.os.arch} · ${m.cpu.model} × ${m.cpu.count} · commit ${commit} · ${m.durationSec} s`;
}

function optionsLine({ meta: { options: o } }: Report): string {
  const runs = (o.runs ?? 1) > 1 ? `${o.runs} runs × ` : '';
  const work = Object.entries(o.serverWorkUsByTransport ?? {})
    .map(([t, us]) => ` (${t}: ${us} µs)`)
    .join('');
  const timing = `${runs}${o.trials} trials × ${o.durationSec} s (median shown), warm-up ${o.warmupSec} s`;
  return `Options: ${timing}, fib(${o.fibN}), server work ${o.serverWorkUs} µs${work}${o.quick ? ', quick' : ''}.`;
}

function renderSection(s: Section): string[] {
  const header = [
    'transport',
    'p50 µs',
    'p99 µs',
    'codec µs/call',
    ...s.concurrencies.map((c) => `calls/s @${c}`),
    'bytes/call',
    'payload bytes',
    'CPU µs/call',
    'errors',
  ];
  const rows = s.rows.map((r) => rowCells(r, s.concurrencies));
  const title = s.call === 'fib' ? 'fib' : `${s.call} (${s.payloadEntries} entries)`;
  return [`## ${title}`, '', table(header, rows), '', ...chart(s)];
}

function rowCells(r: Row, concurrencies: number[]): string[] {
  const lat = latencyCell(r);
  const cpu = cpuCell(r).cpuUsPerCall;
  const bytes = r.first.bytesPerCall;
  return [
    r.transport,
    marked(lat.latencyUs.p50, lat),
    num(lat.latencyUs.p99),
    codecPair(r.first.codecUsPerCall),
    ...concurrencies.map((c) => marked(r.throughput.get(c)?.callsPerSec, r.throughput.get(c))),
    bytes ? `${num(bytes.request)} / ${num(bytes.response)}` : '-',
    `${num(r.first.payloadBytes.request)} / ${num(r.first.payloadBytes.response)}`,
    `${num(cpu.client)} / ${num(cpu.server)}`,
    String(r.errors),
  ];
}

/** A bar chart of calls/s at the highest concurrency, of the transports whose traits say they are charted. */
function chart(s: Section): string[] {
  const c = s.concurrencies.at(-1);
  if (c === undefined) return [];
  const rows = s.rows.filter((r) => isCharted(r.transport) && r.throughput.has(c));
  if (rows.length < 2) return [];
  return [
    '```mermaid',
    'xychart-beta',
    `    title "${s.call}: calls/s at concurrency ${c} (higher is better)"`,
    `    x-axis [${rows.map((r) => `"${r.transport}"`).join(', ')}]`,
    '    y-axis "calls/s"',
    `    bar [${rows.map((r) => Math.round(r.throughput.get(c)!.callsPerSec)).join(', ')}]`,
    '```',
    '',
  ];
}

/** Transports this build does not know (a report from elsewhere) are charted. */
const isCharted = (name: string) => findTransport(name)?.traits.charted ?? true;
