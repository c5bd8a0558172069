// The output formats, by name: `--output json,md,html` (the default) and any of csv, openmetrics, hdr-log,
// benchmark-action besides. Each format is one file in bench/formats and one line here; a comparison's outputs
// (compare --markdown, --json, --export) come from the same lines. Adding a format touches nothing else.

import { benchmarkActionEntries, biggerFileName } from '../formats/benchmark-action.ts';
import { renderComparison } from '../formats/compare-markdown.ts';
import { renderCsv } from '../formats/csv.ts';
import { renderHdrLog } from '../formats/hdr-log.ts';
import { renderHtml } from '../formats/html.ts';
import { renderJson } from '../formats/json.ts';
import { renderMarkdown } from '../formats/markdown.ts';
import { renderOpenMetrics } from '../formats/openmetrics.ts';
import type { Comparison } from '../gate/compare.ts';
import type { Report } from '../report/types.ts';

export interface OutputFormat {
  /** What it is, for --help and the README. */
  summary: string;
  /** Its file in --out. */
  file: string;
  /** A run's report in this format: the files to write, `file` first (most formats write one). */
  report?(report: Report, file: string): Array<[file: string, text: string]>;
  /** A comparison in this format, where it has one. */
  comparison?(cmp: Comparison): string;
}

const one =
  (render: (r: Report) => string) =>
  (report: Report, file: string): Array<[string, string]> => [[file, render(report)]];
const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export const OUTPUTS = {
  json: { summary: 'the whole report (schema: bench/report/report.schema.json)', file: 'latest.json', report: one(renderJson), comparison: json },
  md: { summary: 'tables and Mermaid charts, for a README or a pull request', file: 'latest.md', report: one(renderMarkdown), comparison: renderComparison },
  html: { summary: 'one offline page with every chart (Chart.js inlined)', file: 'latest.html', report: one(renderHtml) },
  csv: { summary: 'one row per cell, every metric with its unit in the header', file: 'latest.csv', report: one(renderCsv) },
  openmetrics: {
    summary: "OpenMetrics text for Prometheus (node_exporter's textfile collector, a push gateway)",
    file: 'latest.prom',
    report: one(renderOpenMetrics),
  },
  'hdr-log': { summary: 'an HdrHistogram interval log, one interval per trial, tagged by cell', file: 'latest.hlog', report: one(renderHdrLog) },
  'benchmark-action': {
    summary: 'github-action-benchmark JSON: FILE (smaller is better) and FILE.bigger.json (bigger is better)',
    file: 'benchmark-action.json',
    report: (report, file) => {
      const { smaller, bigger } = benchmarkActionEntries(report);
      return [
        [file, json(smaller)],
        [biggerFileName(file), json(bigger)],
      ];
    },
  },
} satisfies Record<string, OutputFormat>;

export type OutputName = keyof typeof OUTPUTS;
export const OUTPUT_NAMES = Object.keys(OUTPUTS) as OutputName[];
/** What a run writes unless --output says otherwise; json is always written, being the record the others are made from. */
export const DEFAULT_OUTPUTS: OutputName[] = ['json', 'md', 'html'];

/** --output's words for "these and nothing else": `--output only:csv`. */
export const ONLY = 'only:';
