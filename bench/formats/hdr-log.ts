// Report -> latest.hlog: an HdrHistogram interval log (the format of HdrHistogram's HistogramLogWriter, read by
// HistogramLogProcessor, HdrHistogram's plotter and Hyperfoil), written with hdr-histogram-js's own writer. One
// interval per trial, at its start time, tagged with its cell: transport/call/scenario/concurrency/payload.
// Values are nanoseconds, as the report's histograms keep them.
import * as hdr from 'hdr-histogram-js';
import { decodeHistogram } from '../report/histograms.ts';
import type { CellResult, Report } from '../report/types.ts';

/** The tag of a cell's intervals; a log tag may hold no comma or space. */
export function hdrTag(c: CellResult): string {
  const load = c.ratePerSec === null ? c.concurrency : `${c.concurrency}@${c.ratePerSec}`;
  return [c.transport, c.call, c.scenario, load, c.payloadEntries].join('/').replace(/[,\s]/g, '_');
}

export function renderHdrLog(report: Report): string {
  const lines: string[] = [];
  const writer = new hdr.HistogramLogWriter((text) => lines.push(text));
  const trials = report.results.flatMap((c) => c.trials.filter((t) => t.histogram).map((t) => ({ c, t })));
  const base = Math.min(Date.parse(report.meta.date), ...trials.map(({ t }) => t.startedAtMs));
  writer.outputComment(`rpcbench ${report.meta.tool.version}, commit ${report.meta.gitCommit ?? 'unknown'}: latency in nanoseconds, one interval per trial`);
  writer.outputLogFormatVersion();
  writer.outputStartTime(base);
  writer.baseTime = base;
  writer.outputLegend();
  for (const { c, t } of trials) {
    const h = decodeHistogram(t.histogram!);
    h.tag = hdrTag(c);
    const start = (t.startedAtMs - base) / 1000;
    // max is written in the log's unit (ms: the log's values are ns, so / 1e6), as HistogramLogWriter does by default
    writer.outputIntervalHistogram(h, start, start + t.durationSec, 1e6);
  }
  return lines.join('');
}
