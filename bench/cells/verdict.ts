// A report with its verdict: the verdict's statistics (bench/stats) over the goals the scenarios contribute. Every
// place that makes a report (a run, pooled runs, merged segments) adds it here, so that all read the same.
import type { Report } from '../report/types.ts';
import { verdictGoals } from '../scenarios/index.ts';
import { verdictOf } from '../stats/verdict.ts';

export function withVerdict(report: Report): Report {
  return { ...report, verdict: verdictOf(report, verdictGoals()) };
}
