// Results + what was asked + machine facts -> the Report written as latest.json.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { findTransport } from '../../transports/registry.ts';
import { type CellResult, type Report, type ReportMeta, type ReportOptions, SCHEMA_VERSION, type SkippedEntry, type TransportInfo } from './types.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

export interface RunOutput {
  results: CellResult[];
  skipped: SkippedEntry[];
}

export function buildReport(options: ReportOptions, run: RunOutput, startedAt: Date, interrupted = false): Report {
  const meta = { ...buildMeta(options, startedAt), ...(interrupted ? { interrupted } : {}) };
  return { schemaVersion: SCHEMA_VERSION, meta, results: run.results, skipped: run.skipped };
}

function buildMeta(options: ReportOptions, startedAt: Date): ReportMeta {
  const cpus = os.cpus();
  return {
    date: startedAt.toISOString(),
    tool: { name: pkg.name, version: pkg.version },
    node: process.version,
    os: { platform: os.platform(), release: os.release(), arch: os.arch() },
    cpu: { model: cpus[0]?.model.trim() ?? 'unknown', count: cpus.length },
    gitCommit: gitCommit(),
    durationSec: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
    options,
    transports: transportInfo(options),
  };
}

/** What the report's readers need to know of each transport, so that they never ask the registry of this build. */
export function transportInfo(options: ReportOptions): Record<string, TransportInfo> {
  return Object.fromEntries(
    options.transports.map((name) => {
      const t = findTransport(name);
      const info: TransportInfo = {
        summary: t?.summary ?? '',
        group: t?.traits.group ?? null,
        role: t?.traits.role ?? 'measured',
        charted: t?.traits.charted ?? true,
        target: name in options.targets,
      };
      return [name, info];
    }),
  );
}

function gitCommit(): string | null {
  try {
    const dir = new URL('../..', import.meta.url);
    return (
      execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim() || null
    );
  } catch {
    return null;
  }
}
