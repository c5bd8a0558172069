// Results + what was asked + machine facts -> the Report written as latest.json. What each transport is (its group,
// role, whether it is charted) comes from the command that ran it: the report never asks a registry. The verdict is
// added by whoever builds the report (cells/verdict.ts), where the scenarios' goals are known.
import os from 'node:os';
import { gitCommit, tool } from './tool.ts';
import {
  type CellResult,
  type MachineHiccups,
  type Report,
  type ReportMeta,
  type ReportOptions,
  SCHEMA_VERSION,
  type SkippedEntry,
  type TransportInfo,
} from './types.ts';

export interface RunOutput {
  results: CellResult[];
  skipped: SkippedEntry[];
  /** Whose CPU the brokered transports' broker figures are, by transport (see ReportMeta.brokers). */
  brokers?: Record<string, string>;
  /** The machine's hiccups through each run (see ReportMeta.hiccups). */
  hiccups?: MachineHiccups[];
}

export interface ReportInput {
  options: ReportOptions;
  run: RunOutput;
  startedAt: Date;
  /** What the report's readers need to know of each transport of the run, by name. */
  transports: Record<string, TransportInfo>;
  interrupted?: boolean;
  /** The code under test where it is not rpcbench's own (its label, its plugins' commit), and a gate's round. */
  subject?: ReportMeta['subject'];
  round?: number;
}

export function buildReport({ options, run, startedAt, transports, interrupted = false, subject, round }: ReportInput): Report {
  const brokers = run.brokers && Object.keys(run.brokers).length ? { brokers: run.brokers } : {};
  const meta = {
    ...buildMeta(options, startedAt, transports),
    ...(interrupted ? { interrupted } : {}),
    ...brokers,
    ...(run.hiccups?.length ? { hiccups: run.hiccups } : {}),
    ...(subject ? { subject } : {}),
    ...(round === undefined ? {} : { round }),
  };
  return { schemaVersion: SCHEMA_VERSION, meta, results: run.results, skipped: run.skipped };
}

function buildMeta(options: ReportOptions, startedAt: Date, transports: Record<string, TransportInfo>): ReportMeta {
  const cpus = os.cpus();
  return {
    date: startedAt.toISOString(),
    tool: tool(),
    node: process.version,
    os: { platform: os.platform(), release: os.release(), arch: os.arch() },
    cpu: { model: cpus[0]?.model.trim() ?? 'unknown', count: cpus.length },
    gitCommit: gitCommit(),
    durationSec: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
    options,
    transports,
  };
}
